"""PaymentIntents on the emulator: the status machine, declines, the publishable-key view."""

from __future__ import annotations

import re

import pytest
import stripe

RETURN_URL = "https://example.com/order/123/complete"


def saved_card(client: stripe.StripeClient, customer: stripe.Customer, last4: str) -> str:
    methods = client.v1.customers.payment_methods.list(customer.id).data
    return next(pm.id for pm in methods if pm.card.last4 == last4)


def new_intent(client: stripe.StripeClient, customer: stripe.Customer,
               **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                             "automatic_payment_methods": {"enabled": True},
                                             "customer": customer.id, **extra})


def test_create_has_the_seed_shape(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", intent.id)
    assert re.fullmatch(rf"{intent.id}_secret_[A-Za-z0-9]{{25}}", intent.client_secret)
    assert intent.status == "requires_payment_method"
    assert intent.automatic_payment_methods.enabled is True
    assert "card" in intent.payment_method_types
    assert intent.amount_received == 0
    assert intent.latest_charge is None and intent.last_payment_error is None


def test_confirm_with_a_saved_card_succeeds(client: stripe.StripeClient,
                                            customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    paid = client.v1.payment_intents.confirm(intent.id, {
        "payment_method": saved_card(client, customer, "4242"), "return_url": RETURN_URL})
    assert paid.status == "succeeded" and paid.amount_received == 1099
    expanded = client.v1.payment_intents.retrieve(intent.id, {"expand": ["latest_charge"]})
    charge = expanded.latest_charge
    assert charge.status == "succeeded" and charge.payment_intent == intent.id
    with pytest.raises(stripe.InvalidRequestError, match="already succeeded") as again:
        client.v1.payment_intents.confirm(intent.id, {"return_url": RETURN_URL})
    assert again.value.code == "payment_intent_unexpected_state"


def test_a_decline_is_a_402_and_leaves_requires_payment_method(
        client: stripe.StripeClient, customer: stripe.Customer) -> None:
    failing = client.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                               {"customer": customer.id})
    intent = new_intent(client, customer)
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": failing.id,
                                                      "return_url": RETURN_URL})
    error = declined.value
    assert error.http_status == 402 and error.code == "card_declined"
    assert error.error.decline_code == "generic_decline"
    assert error.error.payment_intent.status == "requires_payment_method"
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "card_declined"
    assert after.last_payment_error.payment_method.id == failing.id
    # the customer can try again with another card
    retried = client.v1.payment_intents.confirm(intent.id, {
        "payment_method": saved_card(client, customer, "4242"), "return_url": RETURN_URL})
    assert retried.status == "succeeded" and retried.last_payment_error is None


@pytest.mark.parametrize("token, code, decline_code", [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None),
])
def test_documented_decline_cards(client: stripe.StripeClient, token: str, code: str,
                                  decline_code: str | None) -> None:
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create({"amount": 2000, "currency": "usd", "confirm": True,
                                          "payment_method": token, "return_url": RETURN_URL})
    assert declined.value.code == code
    assert declined.value.error.to_dict().get("decline_code") == decline_code


def test_confirm_without_a_payment_method_says_what_is_missing(
        client: stripe.StripeClient, customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    with pytest.raises(stripe.InvalidRequestError, match="missing a payment method") as missing:
        client.v1.payment_intents.confirm(intent.id, {"return_url": RETURN_URL})
    assert missing.value.code == "payment_intent_unexpected_state"


def test_server_side_confirm_needs_a_return_url_unless_redirects_are_off(
        client: stripe.StripeClient, customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    card = saved_card(client, customer, "4242")
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.payment_intents.confirm(intent.id, {"payment_method": card})
    no_redirects = new_intent(client, customer, automatic_payment_methods={
        "enabled": True, "allow_redirects": "never"})
    assert client.v1.payment_intents.confirm(
        no_redirects.id, {"payment_method": card}).status == "succeeded"


def test_the_browser_confirms_with_the_client_secret_only(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient,
        customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    card = saved_card(client, customer, "4242")
    with pytest.raises(stripe.InvalidRequestError, match="client_secret"):
        publishable_client.v1.payment_intents.confirm(intent.id, {"payment_method": card,
                                                       "client_secret": "pi_x_secret_wrong"})
    paid = publishable_client.v1.payment_intents.confirm(intent.id, {"payment_method": card,
                                                          "client_secret": intent.client_secret})
    assert paid.status == "succeeded"
    view = publishable_client.v1.payment_intents.retrieve(
        intent.id, {"client_secret": intent.client_secret})
    assert "customer" not in view and "latest_charge" not in view and view.status == "succeeded"
    with pytest.raises(stripe.AuthenticationError, match="publishable API key"):
        publishable_client.v1.payment_intents.create({"amount": 1099, "currency": "usd"})


def test_manual_capture_partial_then_cancel_rules(client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create({
        "amount": 5000, "currency": "usd", "capture_method": "manual", "confirm": True,
        "payment_method": "pm_card_visa", "return_url": RETURN_URL})
    assert intent.status == "requires_capture" and intent.amount_capturable == 5000
    captured = client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 3000})
    assert (captured.status, captured.amount_received, captured.amount_capturable) == \
        ("succeeded", 3000, 0)
    with pytest.raises(stripe.InvalidRequestError, match="could not be captured"):
        client.v1.payment_intents.capture(intent.id)
    with pytest.raises(stripe.InvalidRequestError, match="cannot cancel"):
        client.v1.payment_intents.cancel(intent.id)


def test_cancel_with_a_reason(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    intent = new_intent(client, customer)
    canceled = client.v1.payment_intents.cancel(intent.id,
                                                {"cancellation_reason": "requested_by_customer"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "requested_by_customer"
    assert canceled.canceled_at is not None


def test_three_d_secure_cards_require_action_then_complete(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create({
        "amount": 1099, "currency": "usd", "confirm": True, "return_url": RETURN_URL,
        "payment_method": "pm_card_authenticationRequired"})
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    assert intent.next_action.redirect_to_url.return_url == RETURN_URL
    done = publishable_client.raw_request(
        "post", f"/v1/test_helpers/kit/payment_intents/{intent.id}/authenticate",
        client_secret=intent.client_secret, outcome="complete")
    assert publishable_client.deserialize(done, api_mode="V1").status == "succeeded"


@pytest.mark.parametrize("params, code", [
    ({"amount": "abc", "currency": "usd"}, "parameter_invalid_integer"),
    ({"currency": "usd"}, "parameter_missing"),
    ({"amount": 1099, "currency": "usd", "colour": "red"}, "parameter_unknown"),
    ({"amount": 10, "currency": "usd"}, "amount_too_small"),
    ({"amount": 100_000_000, "currency": "usd"}, "amount_too_large"),
    ({"amount": 1099, "currency": "usd", "customer": "cus_nobody"}, "resource_missing"),
])
def test_bad_create_requests_are_refused_like_stripe(client: stripe.StripeClient, params: dict,
                                                     code: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params)
    assert refused.value.code == code
    assert refused.value.http_status in (400, 404)
    assert refused.value.error.param


def test_wrong_enum_values_are_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="capture_method: must be one of"):
        client.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                          "capture_method": "later"})


def test_stripe_js_client_only_params_are_accepted_with_the_publishable_key(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create({"amount": 2000, "currency": "usd"})
    method = publishable_client.v1.payment_methods.create({
        "type": "us_bank_account", "billing_details": {"name": "Jenny Rosen"},
        "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789"}})
    confirmed = publishable_client.v1.payment_intents.confirm(intent.id, {
        "client_secret": intent.client_secret, "payment_method": method.id,
        "return_url": RETURN_URL, "mandate_data": {"customer_acceptance": {
            "type": "online", "online": {"infer_from_client": True}}}})
    assert confirmed.status == "processing"
    with pytest.raises(stripe.InvalidRequestError) as refused:  # not for a secret key
        client.v1.payment_intents.confirm(intent.id, {"mandate_data": {"customer_acceptance": {
            "type": "online", "online": {"infer_from_client": True}}}})
    assert refused.value.error.param == \
        "mandate_data[customer_acceptance][online][infer_from_client]"


def test_use_stripe_sdk_keeps_the_challenge_in_the_page(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create({"amount": 1099, "currency": "usd"})
    challenged = publishable_client.v1.payment_intents.confirm(intent.id, {
        "client_secret": intent.client_secret, "return_url": RETURN_URL,
        "payment_method": publishable_client.v1.payment_methods.create({"type": "card", "card": {
            "number": "4000002760003184", "exp_month": 12, "exp_year": 2040,
            "cvc": "123"}}).id, "use_stripe_sdk": True})
    assert challenged.status == "requires_action"
    assert challenged.next_action.type == "use_stripe_sdk"


def test_off_session_true_is_a_boolean_not_an_unknown_enum_value(client, customer) -> None:
    """stripe-python sends `off_session=True` as the form value "true"; the param is
    `bool | Literal["one_off", "recurring"]`, so both kinds pass and nothing else does."""
    method = client.v1.customers.payment_methods.list(customer.id).data[0]
    for value in (True, "recurring"):
        intent = client.v1.payment_intents.create({
            "amount": 1099, "currency": "usd", "customer": customer.id,
            "payment_method": method.id, "confirm": True, "off_session": value})
        assert intent.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError, match="one_off, recurring"):
        client.v1.payment_intents.create({
            "amount": 1099, "currency": "usd", "customer": customer.id,
            "payment_method": method.id, "confirm": True, "off_session": "sometimes"})
