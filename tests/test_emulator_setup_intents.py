"""SetupIntents on the emulator, through real stripe-python (and the publishable-key calls
Stripe.js makes): saving a method for later, 3-D Secure, bank debits, events, bad input."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe
from local_servers import running

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator

MANDATE = {"customer_acceptance": {"type": "online", "online": {
    "ip_address": "203.0.113.7", "user_agent": "pytest"}}}


def event_types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in reversed(client.v1.events.list({"limit": 100}).data)]


def pk(emulator: Emulator, method: str, path: str, params: dict | None = None):
    return emulator.request(method, path, params, DEFAULT_PUBLISHABLE_KEY)


def test_save_a_card_for_a_customer(client: stripe.StripeClient,
                                    customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id})
    assert si.object == "setup_intent" and si.id.startswith("seti_")
    assert si.client_secret.startswith(si.id + "_secret_")
    assert si.status == "requires_payment_method" and si.usage == "off_session"
    assert si.automatic_payment_methods.enabled is True
    assert "card" in si.payment_method_types
    done = client.v1.setup_intents.confirm(si.id, {"payment_method": "pm_card_visa",
                                                   "return_url": "https://shop.test/done"})
    assert done.status == "succeeded" and done.next_action is None
    pm = client.v1.payment_methods.retrieve(done.payment_method)
    assert pm.customer == customer.id
    assert pm.allow_redisplay == "limited"  # saved without the customer's consent (§1)
    assert event_types(client)[-3:] == ["setup_intent.created", "payment_method.attached",
                                        "setup_intent.succeeded"]


def test_confirm_on_create_and_usage_on_session(client: stripe.StripeClient,
                                                customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({
        "customer": customer.id, "payment_method": "pm_card_mastercard", "confirm": True,
        "usage": "on_session", "automatic_payment_methods": {"enabled": True,
                                                            "allow_redirects": "never"}})
    assert si.status == "succeeded" and si.usage == "on_session"


def test_consent_given_keeps_always(client: stripe.StripeClient,
                                    customer: stripe.Customer) -> None:
    pm = client.v1.payment_methods.retrieve("pm_card_visa")  # a fresh method each time
    client.v1.payment_methods.update(pm.id, {"allow_redisplay": "always"})
    si = client.v1.setup_intents.create({"customer": customer.id, "payment_method": pm.id,
                                         "confirm": True, "return_url": "https://x.test"})
    assert client.v1.payment_methods.retrieve(si.payment_method).allow_redisplay == "always"


def test_three_d_secure_card_then_the_kit_page_completes(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({
        "customer": customer.id, "payment_method": "pm_card_authenticationRequiredOnSetup",
        "confirm": True, "return_url": "https://shop.test/back"})
    assert si.status == "requires_action"
    assert si.next_action.type == "redirect_to_url"
    assert "/kit/3ds/pa_nonce_" in si.next_action.redirect_to_url.url
    answer = pk(emulator, "POST", f"/v1/test_helpers/kit/setup_intents/{si.id}/authenticate",
                {"client_secret": si.client_secret, "outcome": "complete"})
    assert answer.status == 200 and answer.body["status"] == "succeeded"
    assert "customer" not in answer.body  # the publishable-key subset
    assert client.v1.payment_methods.retrieve(si.payment_method).customer == customer.id
    types = event_types(client)
    assert "setup_intent.requires_action" in types and types[-1] == "setup_intent.succeeded"
    # Once set up, an off-session payment needs no authentication (reference §3, …3155).
    pi = client.v1.payment_intents.create({
        "amount": 2000, "currency": "usd", "customer": customer.id,
        "payment_method": si.payment_method, "off_session": "recurring", "confirm": True})
    assert pi.status == "succeeded"


def test_three_d_secure_failed_goes_back_with_last_setup_error(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({
        "customer": customer.id, "payment_method": "pm_card_authenticationRequired",
        "confirm": True, "use_stripe_sdk": True, "return_url": "https://shop.test/back"})
    assert si.status == "requires_action" and si.next_action.type == "use_stripe_sdk"
    answer = pk(emulator, "POST", f"/v1/test_helpers/kit/setup_intents/{si.id}/authenticate",
                {"client_secret": si.client_secret, "outcome": "fail"})
    assert answer.body["status"] == "requires_payment_method"
    assert answer.body["last_setup_error"]["code"] == "setup_intent_authentication_failure"
    assert answer.body["payment_method"] is None
    assert event_types(client)[-1] == "setup_intent.setup_failed"
    again = pk(emulator, "POST", f"/v1/test_helpers/kit/setup_intents/{si.id}/authenticate",
               {"client_secret": si.client_secret, "outcome": "complete"})
    assert again.status == 400 and again.body["error"]["code"] == "setup_intent_unexpected_state"


def test_a_declined_card_fails_the_setup(client: stripe.StripeClient,
                                         customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id})
    with pytest.raises(stripe.CardError) as declined:
        client.v1.setup_intents.confirm(si.id, {"payment_method": "pm_card_chargeDeclined",
                                                "return_url": "https://x.test"})
    assert declined.value.code == "card_declined"
    assert declined.value.error.setup_intent.status == "requires_payment_method"
    after = client.v1.setup_intents.retrieve(si.id)
    assert after.last_setup_error.decline_code == "generic_decline"
    assert event_types(client)[-1] == "setup_intent.setup_failed"
    assert len(client.v1.customers.payment_methods.list(customer.id).data) == 2  # as before


def test_sepa_debit_needs_a_mandate_then_succeeds(client: stripe.StripeClient,
                                                  customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id,
                                         "allowed_payment_method_types": ["sepa_debit"]})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.setup_intents.confirm(si.id, {"payment_method": "pm_success_de"})
    assert refused.value.param == "mandate_data"
    done = client.v1.setup_intents.confirm(si.id, {"payment_method": "pm_success_de",
                                                   "mandate_data": MANDATE})
    assert done.status == "succeeded"
    assert client.v1.payment_methods.retrieve(done.payment_method).type == "sepa_debit"


def test_ach_with_microdeposits_then_verify(emulator: Emulator, client: stripe.StripeClient,
                                            customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({
        "customer": customer.id, "allowed_payment_method_types": ["us_bank_account"],
        "payment_method_options": {"us_bank_account": {"verification_method": "microdeposits"}},
        "payment_method": "pm_usBankAccount_success", "mandate_data": MANDATE,
        "confirm": True})
    assert si.status == "requires_action"
    assert si.next_action.type == "verify_with_microdeposits"
    assert si.next_action.verify_with_microdeposits.microdeposit_type == "amounts"
    with pytest.raises(stripe.InvalidRequestError) as wrong:
        client.v1.setup_intents.verify_microdeposits(si.id, {"amounts": [1, 2]})
    assert wrong.value.code == "payment_method_microdeposit_verification_amounts_mismatch"
    # the 3-D Secure test page cannot answer a microdeposit verification
    answer = pk(emulator, "POST", f"/v1/test_helpers/kit/setup_intents/{si.id}/authenticate",
                {"client_secret": si.client_secret, "outcome": "complete"})
    assert answer.status == 400
    done = client.v1.setup_intents.verify_microdeposits(si.id, {"descriptor_code": "SM11AA"})
    assert done.status == "succeeded"


def test_ach_without_microdeposits_succeeds(client: stripe.StripeClient,
                                            customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({
        "customer": customer.id, "allowed_payment_method_types": ["us_bank_account"],
        "payment_method": "pm_usBankAccount_success", "mandate_data": MANDATE,
        "confirm": True})
    assert si.status == "succeeded"


def test_ideal_redirect_saves_a_generated_sepa_debit(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id,
                                         "allowed_payment_method_types": ["ideal", "sepa_debit"]})
    pm = client.v1.payment_methods.create({"type": "ideal", "ideal": {"bank": "ing"}})
    with pytest.raises(stripe.InvalidRequestError) as no_url:
        client.v1.setup_intents.confirm(si.id, {"payment_method": pm.id})
    assert no_url.value.param == "return_url"
    si = client.v1.setup_intents.confirm(si.id, {"payment_method": pm.id,
                                                 "return_url": "https://shop.test/r"})
    assert si.status == "requires_action" and "/kit/redirect/" in \
        si.next_action.redirect_to_url.url
    answer = pk(emulator, "POST", f"/v1/test_helpers/kit/setup_intents/{si.id}/authenticate",
                {"client_secret": si.client_secret, "outcome": "complete"})
    saved = client.v1.payment_methods.retrieve(answer.body["payment_method"])
    assert saved.type == "sepa_debit" and saved.customer == customer.id


def test_publishable_key_retrieve_and_confirm(emulator: Emulator, client: stripe.StripeClient,
                                              customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id, "metadata": {"a": "1"}})
    got = pk(emulator, "GET", f"/v1/setup_intents/{si.id}", {"client_secret": si.client_secret})
    assert got.status == 200 and got.body["id"] == si.id
    assert "metadata" not in got.body and "customer" not in got.body
    wrong = pk(emulator, "GET", f"/v1/setup_intents/{si.id}", {"client_secret": "seti_x_secret_y"})
    assert wrong.status == 400 and wrong.body["error"]["param"] == "client_secret"
    card = pk(emulator, "POST", "/v1/payment_methods", {
        "type": "card", "card": {"number": "4242424242424242", "exp_month": "12",
                                 "exp_year": "2040", "cvc": "123"}})
    done = pk(emulator, "POST", f"/v1/setup_intents/{si.id}/confirm", {
        "client_secret": si.client_secret, "payment_method": card.body["id"],
        "return_url": "https://shop.test/r"})
    assert done.status == 200 and done.body["status"] == "succeeded"
    listed = pk(emulator, "GET", "/v1/setup_intents")
    assert listed.status == 401  # listing needs the secret key


def test_update_list_cancel(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    first = client.v1.setup_intents.create({"customer": customer.id})
    second = client.v1.setup_intents.create({})
    updated = client.v1.setup_intents.update(second.id, {"metadata": {"order": "7"},
                                                          "description": "later",
                                                          "customer": customer.id})
    assert updated.metadata["order"] == "7" and updated.customer == customer.id
    listed = client.v1.setup_intents.list({"customer": customer.id})
    assert [s.id for s in listed.data] == [second.id, first.id]
    canceled = client.v1.setup_intents.cancel(first.id, {"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned"
    assert event_types(client)[-1] == "setup_intent.canceled"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.setup_intents.cancel(first.id)
    assert again.value.code == "setup_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as confirm_canceled:
        client.v1.setup_intents.confirm(first.id, {"payment_method": "pm_card_visa"})
    assert confirm_canceled.value.code == "setup_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.setup_intents.update(first.id, {"description": "too late"})


@pytest.mark.parametrize("params, param", [
    ({"usage": "sometimes"}, "usage"),
    ({"customer": "cus_nope"}, "customer"),
    ({"payment_method": "pm_nope"}, "payment_method"),
    ({"confirm": "maybe"}, "confirm"),
    ({"colour": "blue"}, "colour"),
    ({"automatic_payment_methods": {"enabled": True, "allow_redirects": "sometimes"}},
     "automatic_payment_methods[allow_redirects]"),
    ({"allowed_payment_method_types": ["sofort"]}, "allowed_payment_method_types"),
])
def test_bad_create_input_is_a_stripe_error(emulator: Emulator, params: dict,
                                            param: str) -> None:
    answer = emulator.request("POST", "/v1/setup_intents", params, DEFAULT_SECRET_KEY)
    assert 400 <= answer.status < 500, answer.body
    assert answer.body["error"]["param"] == param


@pytest.mark.parametrize("path, params", [
    ("/v1/setup_intents/seti_missing", {}),
    ("/v1/setup_intents/seti_missing/confirm", {"payment_method": "pm_card_visa"}),
    ("/v1/setup_intents/seti_missing/cancel", {}),
])
def test_unknown_setup_intent_is_404(emulator: Emulator, path: str, params: dict) -> None:
    answer = emulator.request("POST", path, params, DEFAULT_SECRET_KEY)
    assert answer.status == 404 and answer.body["error"]["code"] == "resource_missing"


def test_confirm_without_a_method_or_return_url(client: stripe.StripeClient) -> None:
    si = client.v1.setup_intents.create({})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.setup_intents.confirm(si.id)
    assert missing.value.code == "setup_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as no_url:
        client.v1.setup_intents.confirm(si.id, {"payment_method": "pm_card_visa"})
    assert no_url.value.param == "return_url"


def test_another_customers_method_is_refused(client: stripe.StripeClient,
                                             customer: stripe.Customer) -> None:
    other = client.v1.customers.create({"name": "Other"})
    pm = client.v1.payment_methods.attach("pm_card_visa", {"customer": other.id})
    si = client.v1.setup_intents.create({"customer": customer.id})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.setup_intents.confirm(si.id, {"payment_method": pm.id,
                                                "return_url": "https://x.test"})
    assert refused.value.http_status == 404


def test_elements_session_accepts_a_setup_intent_secret(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = client.v1.setup_intents.create({"customer": customer.id})
    session = client.v1.customer_sessions.create({
        "customer": customer.id, "components": {"payment_element": {"enabled": True,
                                                                    "features": {
            "payment_method_redisplay": "enabled"}}}})
    answer = pk(emulator, "GET", "/v1/elements/sessions", {
        "client_secret": si.client_secret,
        "customer_session_client_secret": session.client_secret})
    assert answer.status == 200, answer.body
    assert answer.body["payment_intent"] is None
    assert answer.body["setup_intent"]["id"] == si.id
    shown = [pm["card"]["last4"] for pm in answer.body["customer"]["payment_methods"]]
    assert shown == ["4444", "4242"]  # the customer's saved cards, as for a PaymentIntent
    wrong = pk(emulator, "GET", "/v1/elements/sessions",
               {"client_secret": si.id + "_secret_wrong"})
    assert wrong.status == 400 and wrong.body["error"]["param"] == "client_secret"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("outcome, status", [("complete", "succeeded"), ("fail", "failed")])
def test_the_served_3ds_page_returns_with_setup_intent_query(tmp_path, outcome: str,
                                                             status: str) -> None:
    """The emulator's test page (challenge_page.py) answers a SetupIntent's challenge and sends
    the customer back with `setup_intent`, `setup_intent_client_secret`, `redirect_status`."""
    with running("helpers.emulator", "serve", "--db", str(tmp_path / "e.sqlite3")) as base:
        client = stripe.StripeClient(DEFAULT_SECRET_KEY, base_addresses={"api": base},
                                     max_network_retries=0)
        si = client.v1.setup_intents.create({
            "payment_method": "pm_card_authenticationRequired", "confirm": True,
            "return_url": "https://shop.example/saved?ref=abc"})
        path = urllib.parse.urlsplit(si.next_action.redirect_to_url.url).path
        with urllib.request.urlopen(base + path, timeout=5) as page:
            text = page.read().decode()
        assert "Saving a payment method for later" in text and si.id in text
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(base + path, data=f"outcome={outcome}".encode(), timeout=5)
        assert answer.value.code == 303
        back = urllib.parse.urlsplit(answer.value.headers["Location"])
        query = dict(urllib.parse.parse_qsl(back.query))
        assert query == {"ref": "abc", "setup_intent": si.id,
                         "setup_intent_client_secret": si.client_secret,
                         "redirect_status": status}


def test_stripejs_confirm_setup_from_python(backend, client: stripe.StripeClient,
                                            customer: stripe.Customer) -> None:
    """helpers.stripejs.confirm_setup: what `stripe.confirmSetup` sends, with the pk only."""
    from helpers import stripejs

    si = client.v1.setup_intents.create({"customer": customer.id})
    done = stripejs.confirm_setup(si.client_secret, "pm_card_visa", "https://shop.test/saved")
    assert done.status == "succeeded"
    assert stripejs.retrieve_setup_intent(si.client_secret).status == "succeeded"
    with pytest.raises(ValueError, match="SetupIntent client secret"):
        stripejs.confirm_setup("pi_123_secret_abc", "pm_card_visa", "https://x.test")
    with pytest.raises(ValueError, match="PaymentIntent client secret"):
        stripejs.retrieve_payment_intent(si.client_secret)
