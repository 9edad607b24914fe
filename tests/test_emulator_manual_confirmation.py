"""Manual confirmation through 3-D Secure: confirm on the server, the customer authenticates,
the PaymentIntent returns to `requires_confirmation`, and the server's confirm completes it
(stripe-python 16.1 `PaymentIntent.confirm` docstring; shared/reference/stripe-behaviour.md §2).
"""

from __future__ import annotations

import pytest
import stripe

RETURN_URL = "https://example.com/order/42/complete"


def manual_intent(client: stripe.StripeClient, **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create({
        "amount": 1099, "currency": "usd", "confirmation_method": "manual", **extra})


def confirm(client: stripe.StripeClient, pi_id: str, **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.confirm(pi_id, {"return_url": RETURN_URL, **extra})


def authenticate(publishable_client: stripe.StripeClient, pi: stripe.PaymentIntent,
                 outcome: str) -> stripe.PaymentIntent:
    """The customer's answer on the 3-D Secure page (the kit's test-helper route for it)."""
    answer = publishable_client.raw_request(
        "post", f"/v1/test_helpers/kit/payment_intents/{pi.id}/authenticate",
        client_secret=pi.client_secret, outcome=outcome)
    return publishable_client.deserialize(answer, api_mode="V1")


@pytest.mark.parametrize("capture_method, final", [("automatic", "succeeded"),
                                                   ("manual", "requires_capture")])
def test_the_server_confirm_completes_an_authenticated_attempt(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient,
        capture_method: str, final: str) -> None:
    pi = manual_intent(client, capture_method=capture_method)
    challenged = confirm(client, pi.id, payment_method="pm_card_authenticationRequired")
    assert challenged.status == "requires_action"
    assert challenged.next_action.type == "redirect_to_url"
    authenticated = authenticate(publishable_client, challenged, "complete")
    assert authenticated.status == "requires_confirmation"
    done = confirm(client, pi.id)
    assert done.status == final and done.next_action is None
    assert done.latest_charge is not None and done.last_payment_error is None
    types = [e.type for e in client.v1.events.list({"limit": 20}).data]
    assert types.count("payment_intent.requires_action") == 1  # one challenge, not a loop


def test_each_new_payment_method_needs_authenticating_again(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    pi = manual_intent(client)
    first = confirm(client, pi.id, payment_method="pm_card_authenticationRequired")
    authenticate(publishable_client, first, "complete")
    other = confirm(client, pi.id, payment_method="pm_card_threeDSecure2Required")
    assert other.status == "requires_action"  # the first card's authentication does not count
    authenticate(publishable_client, other, "complete")
    assert confirm(client, pi.id).status == "succeeded"


def test_changing_the_payment_method_by_update_needs_authenticating_again(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    pi = manual_intent(client)
    first = confirm(client, pi.id, payment_method="pm_card_authenticationRequired")
    authenticate(publishable_client, first, "complete")
    # Even setting the same method again: Stripe says an update of payment_method always needs
    # a new confirmation (SP modify docstring), here a new attempt with its own challenge.
    client.v1.payment_intents.update(pi.id, {"payment_method": first.payment_method})
    assert confirm(client, pi.id).status == "requires_action"


def test_another_payment_needs_authenticating_again(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    """Authentication is per attempt: the same saved card on a new PaymentIntent asks again."""
    customer = client.v1.customers.create({"name": "Jenny Rosen"})
    card = client.v1.payment_methods.attach("pm_card_authenticationRequired",
                                            {"customer": customer.id})
    pi = manual_intent(client, customer=customer.id)
    authenticate(publishable_client, confirm(client, pi.id, payment_method=card.id), "complete")
    assert confirm(client, pi.id).status == "succeeded"
    again = manual_intent(client, customer=customer.id)
    assert confirm(client, again.id, payment_method=card.id).status == "requires_action"


def test_a_failed_authentication_asks_for_a_new_payment_method(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    pi = manual_intent(client)
    challenged = confirm(client, pi.id, payment_method="pm_card_authenticationRequired")
    failed = authenticate(publishable_client, challenged, "fail")
    assert failed.status == "requires_payment_method" and failed.payment_method is None
    seen = client.v1.payment_intents.retrieve(pi.id)
    error = seen.last_payment_error
    assert error.code == "payment_intent_authentication_failure"
    assert error.type == "invalid_request_error"
    assert error.message.startswith("The provided PaymentMethod has failed authentication.")
    assert error.payment_method.card.last4 == "3184"
    # Trying the same card again is a new attempt: the customer is challenged again.
    retried = confirm(client, pi.id, payment_method="pm_card_authenticationRequired")
    assert retried.status == "requires_action"


def test_a_card_that_declines_after_authenticating_declines_at_the_server_confirm(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    pi = manual_intent(client)
    challenged = confirm(client, pi.id,
                         payment_method="pm_card_authenticationRequiredChargeDeclinedInsufficientFunds")
    assert authenticate(publishable_client, challenged, "complete").status == \
        "requires_confirmation"
    with pytest.raises(stripe.CardError) as declined:
        confirm(client, pi.id)
    assert declined.value.error.decline_code == "insufficient_funds"
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"


def test_a_bank_redirect_with_manual_confirmation_completes_at_the_server_confirm(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    """The same loop for a redirect method (iDEAL): authorised at the bank, then confirmed."""
    pi = manual_intent(client, currency="eur")
    redirected = confirm(client, pi.id, payment_method_data={"type": "ideal"})
    assert redirected.status == "requires_action"
    assert authenticate(publishable_client, redirected, "complete").status == \
        "requires_confirmation"
    assert confirm(client, pi.id).status == "succeeded"
