"""Sofort was discontinued by Stripe on 31 March 2025 (reference §9): the emulator no longer
offers it as a new payment method, but a saved one is still a type the element can redisplay
(the docs' list still names it, reference §1)."""

from __future__ import annotations

import pytest
import stripe

from helpers.emulator import redisplay


def test_no_new_sofort_payment_method(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.create({"type": "sofort", "sofort": {"country": "DE"}})
    assert raised.value.http_status == 400 and raised.value.param == "type"
    assert "discontinued by Stripe on 31 March 2025" in str(raised.value.user_message)


def test_no_sofort_in_a_payment_intent(client: stripe.StripeClient) -> None:
    automatic = client.v1.payment_intents.create({"amount": 1099, "currency": "eur"})
    assert "sofort" not in automatic.payment_method_types
    with pytest.raises(stripe.InvalidRequestError, match="discontinued"):
        client.v1.payment_intents.create({"amount": 1099, "currency": "eur",
                                          "allowed_payment_method_types": ["card", "sofort"]})
    with pytest.raises(stripe.InvalidRequestError, match="discontinued"):
        client.v1.payment_intents.create({
            "amount": 1099, "currency": "eur", "confirm": True,
            "return_url": "https://example.com/done",
            "payment_method_data": {"type": "sofort", "sofort": {"country": "DE"}}})


def test_a_saved_sofort_method_is_still_redisplayable() -> None:
    assert "sofort" in redisplay.REDISPLAYABLE_TYPES
