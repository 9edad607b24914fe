"""What the Payment Element loads (elements/sessions): saved methods a CustomerSession allows."""

from __future__ import annotations

import pytest
import stripe

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, Emulator


def secrets_for(client: stripe.StripeClient, customer: stripe.Customer,
                **features) -> tuple[str, str]:
    intent = client.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                               "customer": customer.id})
    session = client.v1.customer_sessions.create({
        "customer": customer.id,
        "components": {"payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled", **features}}}})
    return intent.client_secret, session.client_secret


def load(emulator: Emulator, client_secret: str, session_secret: str | None):
    params = {"client_secret": client_secret}
    if session_secret:
        params["customer_session_client_secret"] = session_secret
    return emulator.request("GET", "/v1/elements/sessions", params, DEFAULT_PUBLISHABLE_KEY)


def shown(emulator: Emulator, client_secret: str, session_secret: str) -> list[str]:
    response = load(emulator, client_secret, session_secret)
    assert response.status == 200, response.body
    return [pm["card"]["last4"] for pm in response.body["customer"]["payment_methods"]]


def test_shows_the_customers_redisplayable_cards_newest_first(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    assert shown(emulator, *secrets_for(client, customer)) == ["4444", "4242"]


def test_filters_limit_and_default_first(emulator: Emulator, client: stripe.StripeClient,
                                         customer: stripe.Customer) -> None:
    client.v1.payment_methods.attach("pm_card_amex", {"customer": customer.id})  # unspecified
    assert "0005" not in shown(emulator, *secrets_for(client, customer))
    wide = secrets_for(client, customer, payment_method_allow_redisplay_filters=[
        "always", "unspecified"])
    assert shown(emulator, *wide) == ["0005", "4444", "4242"]
    visa = next(pm.id for pm in client.v1.customers.payment_methods.list(customer.id).data
                if pm.card.last4 == "4242")
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": visa}})
    assert shown(emulator, *secrets_for(client, customer, payment_method_redisplay_limit=1)) == \
        ["4242"]


def test_redisplay_disabled_shows_nothing(emulator: Emulator, client: stripe.StripeClient,
                                          customer: stripe.Customer) -> None:
    secrets = secrets_for(client, customer, payment_method_redisplay="disabled")
    assert shown(emulator, *secrets) == []


def test_never_shows_another_customers_methods(emulator: Emulator, client: stripe.StripeClient,
                                               customer: stripe.Customer) -> None:
    bob = client.v1.customers.create({"name": "Bob"})
    client.v1.payment_methods.update(
        client.v1.payment_methods.attach("pm_card_amex", {"customer": bob.id}).id,
        {"allow_redisplay": "always"})
    jenny_intent, _ = secrets_for(client, customer)
    _, bob_session = secrets_for(client, bob)
    mismatch = load(emulator, jenny_intent, bob_session)
    assert mismatch.status == 400 and "customer" in mismatch.body["error"]["message"]
    assert shown(emulator, *secrets_for(client, bob)) == ["0005"]


def test_an_expired_customer_session_is_refused(emulator: Emulator, client: stripe.StripeClient,
                                                customer: stripe.Customer) -> None:
    secrets = secrets_for(client, customer)
    emulator.advance_clock(31 * 60)
    expired = load(emulator, *secrets)
    assert expired.status == 400
    assert expired.body["error"]["code"] == "customer_session_expired"


def test_a_wrong_client_secret_is_refused(emulator: Emulator, client: stripe.StripeClient,
                                          customer: stripe.Customer) -> None:
    client_secret, session_secret = secrets_for(client, customer)
    forged = client_secret[:-4] + "XXXX"
    assert load(emulator, forged, session_secret).status == 400
    assert load(emulator, client_secret, "cuss_secret_forged").status == 400


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/events", "/v1/customer_sessions"])
def test_a_publishable_key_cannot_reach_server_endpoints(emulator: Emulator, path: str) -> None:
    response = emulator.request("GET", path, {}, DEFAULT_PUBLISHABLE_KEY)
    assert response.status in (401, 405)
    assert "error" in response.body


def detach_saved(emulator: Emulator, pm: str, session_secret: str):
    return emulator.request("POST", f"/v1/elements/sessions/payment_methods/{pm}/detach",
                            {"customer_session_client_secret": session_secret},
                            DEFAULT_PUBLISHABLE_KEY)


def test_remove_a_saved_method_with_the_customer_session(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    visa = next(pm.id for pm in client.v1.customers.payment_methods.list(customer.id).data
                if pm.card.last4 == "4242")
    _, no_remove = secrets_for(client, customer)
    assert detach_saved(emulator, visa, no_remove).status == 400
    _, session = secrets_for(client, customer, payment_method_remove="enabled")
    bob = client.v1.customers.create({"name": "Bob"})
    bobs = client.v1.payment_methods.attach("pm_card_amex", {"customer": bob.id})
    assert detach_saved(emulator, bobs.id, session).status == 404  # not Jenny's
    removed = detach_saved(emulator, visa, session)
    assert removed.status == 200 and removed.body["customer"] is None
    assert shown(emulator, *secrets_for(client, customer)) == ["4444"]


def test_saved_methods_the_payment_cannot_use_do_not_count(
        emulator: Emulator, client: stripe.StripeClient, customer: stripe.Customer) -> None:
    sepa = client.v1.payment_methods.attach("pm_success_de", {"customer": customer.id})
    client.v1.payment_methods.update(sepa.id, {"allow_redisplay": "always"})
    # a USD payment: the newest saved method (SEPA) is hidden and the limit still shows a card
    assert shown(emulator, *secrets_for(client, customer, payment_method_redisplay_limit=1)) \
        == ["4444"]
