"""PaymentIntent updates are checked field by field, in every status, as Stripe checks them.

The expected lists below are written out from the sources (not read from the emulator's table):
helpers/emulator/payment_intent_updates.py cites them; UNCONFIRMED ones are marked there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

from helpers.emulator import payment_intent_updates

RETURN_URL = "https://example.com/order/42/complete"
BEFORE_CONFIRMATION = ["requires_payment_method", "requires_confirmation", "requires_action"]
STATUSES = ["requires_payment_method", "requires_confirmation", "requires_action",
            "requires_capture", "processing", "succeeded", "canceled"]

# Field -> (a value to set, how to read it back, the statuses in which Stripe allows it).
FIELDS: dict[str, tuple[Any, Callable[[Any], Any], list[str]]] = {
    # solidus_stripe#186 (requires_capture refused), integrators' reports for succeeded/canceled.
    "amount": (2000, lambda pi: pi.amount, BEFORE_CONFIRMATION),
    # thebiggive/matchbot: "payment_method … You may only update the payment_method … ".
    "payment_method": ("pm_card_mastercard", lambda pi: pi.payment_method is not None,
                       BEFORE_CONFIRMATION),
    # solspace/craft-freeform#2644 (2026): refused in processing, allowed up to succeeded.
    "receipt_email": ("jenny@example.com", lambda pi: pi.receipt_email,
                      [*BEFORE_CONFIRMATION, "requires_capture", "succeeded"]),
    # Updatable after success (order ids added after payment); every status here.
    "metadata": ({"order": "42"}, lambda pi: pi.metadata.to_dict(), STATUSES),
    "description": ("Order 42", lambda pi: pi.description, STATUSES),
    # Before confirmation only (UNCONFIRMED per field; they change what is charged or how).
    "currency": ("eur", lambda pi: pi.currency, BEFORE_CONFIRMATION),
    "setup_future_usage": ("off_session", lambda pi: pi.setup_future_usage,
                           BEFORE_CONFIRMATION),
    "capture_method": ("manual", lambda pi: pi.capture_method, BEFORE_CONFIRMATION),
    "payment_method_options": ({"card": {"request_three_d_secure": "any"}}, None,
                               BEFORE_CONFIRMATION),
}


def intent_in(client: stripe.StripeClient, status: str) -> stripe.PaymentIntent:
    """A fresh PaymentIntent in `status`, reached through the API as a shop reaches it."""
    base = {"amount": 1099, "currency": "usd", "return_url": RETURN_URL}
    create = client.v1.payment_intents.create
    if status == "requires_payment_method":
        pi = create({"amount": 1099, "currency": "usd"})
    elif status == "requires_confirmation":
        pi = create({"amount": 1099, "currency": "usd", "payment_method": "pm_card_visa"})
    elif status == "requires_action":
        pi = create({**base, "confirm": True, "payment_method": "pm_card_authenticationRequired"})
    elif status == "requires_capture":
        pi = create({**base, "confirm": True, "payment_method": "pm_card_visa",
                     "capture_method": "manual"})
    elif status == "processing":  # this test account number stays processing (docs: testing)
        pi = create({**base, "confirm": True, "payment_method": "pm_usBankAccount_processing"})
    elif status == "succeeded":
        pi = create({**base, "confirm": True, "payment_method": "pm_card_visa"})
    else:
        pi = client.v1.payment_intents.cancel(create({"amount": 1099, "currency": "usd"}).id)
    assert pi.status == status
    return pi


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("field", list(FIELDS))
def test_each_field_is_updatable_only_in_its_statuses(client: stripe.StripeClient, field: str,
                                                      status: str) -> None:
    value, read, allowed = FIELDS[field]
    pi = intent_in(client, status)
    if status in allowed:
        updated = client.v1.payment_intents.update(pi.id, {field: value})
        if read is not None:
            expected = True if field == "payment_method" else value
            assert read(updated) == expected
            assert read(client.v1.payment_intents.retrieve(pi.id)) == expected
        return
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.update(pi.id, {field: value})
    error = refused.value
    assert error.http_status == 400
    assert error.code == "payment_intent_unexpected_state"
    assert error.error.param == field
    assert error.user_message == (
        f"This PaymentIntent's {field} could not be updated because it has a status of"
        f" {status}. You may only update the {field} of a PaymentIntent with one of the"
        f" following statuses: {', '.join(allowed)}.")
    assert error.error.payment_intent.id == pi.id
    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.to_dict() == pi.to_dict()  # nothing changed


def test_amount_wording_is_stripes_for_a_succeeded_intent(client: stripe.StripeClient) -> None:
    """The message integrators quote from Stripe, word for word."""
    pi = intent_in(client, "succeeded")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.update(pi.id, {"amount": 2000})
    assert refused.value.user_message == (
        "This PaymentIntent's amount could not be updated because it has a status of succeeded."
        " You may only update the amount of a PaymentIntent with one of the following statuses:"
        " requires_payment_method, requires_confirmation, requires_action.")


def test_an_order_id_can_be_added_after_payment(client: stripe.StripeClient) -> None:
    """What a shop does once paid: metadata and description together, nothing else moved."""
    pi = intent_in(client, "succeeded")
    updated = client.v1.payment_intents.update(pi.id, {"metadata": {"order": "42"},
                                                       "description": "Order 42"})
    assert updated.status == "succeeded" and updated.amount_received == 1099
    assert updated.metadata.to_dict() == {"order": "42"} and updated.description == "Order 42"


def test_one_refused_field_refuses_the_whole_request(client: stripe.StripeClient) -> None:
    pi = intent_in(client, "succeeded")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.update(pi.id, {"metadata": {"order": "42"}, "amount": 2000})
    assert refused.value.error.param == "amount"
    assert client.v1.payment_intents.retrieve(pi.id).metadata.to_dict() == {}


def test_expand_is_not_a_field(client: stripe.StripeClient) -> None:
    pi = intent_in(client, "succeeded")
    updated = client.v1.payment_intents.update(pi.id, {"metadata": {"order": "42"},
                                                       "expand": ["latest_charge"]})
    assert updated.latest_charge.id.startswith("ch_")


def test_the_table_covers_every_update_parameter_of_stripe_python() -> None:
    """A parameter stripe-python can send is in the table (none falls to a silent default)."""
    options = set(stripe.RequestOptions.__annotations__)
    params = set(stripe.params.PaymentIntentModifyParams.__annotations__) - options
    assert params - payment_intent_updates.NOT_FIELDS == set(payment_intent_updates.UPDATABLE_IN)
