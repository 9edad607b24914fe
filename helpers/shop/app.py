"""`create_app`: the shop as a Flask app (served by `start()`, or tested with a test client)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import stripe
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..backend import LIVE_PREFIXES, LiveKeyError
from ..fulfilment import KIT_DIR, OrderBook
from .accounts import Accounts
from .db import Database
from .orders import Orders
from .routes import bp, csrf
from .services import Services, log

STRIPE_JS_URL = "https://js.stripe.com/v3/"  # production: always from here, never self-hosted
DEFAULT_DB = KIT_DIR / "shop.sqlite3"


def create_app(*, stripe_client: stripe.StripeClient, publishable_key: str, webhook_secret: str,
               db: str | Path = DEFAULT_DB, stripe_js_url: str = STRIPE_JS_URL,
               session_secret: str | None = None, mode: str = "stripe") -> Flask:
    """The shop, talking to Stripe through `stripe_client` (a StripeClient with your secret key).

    `webhook_secret` is the `whsec_…` of the endpoint that delivers to `/webhook`; `db` the
    SQLite file for accounts, orders and fulfilment (created if missing); `session_secret`
    signs the session cookie (default: random, so a restart signs everybody out).
    """
    if publishable_key.startswith(LIVE_PREFIXES):  # refused before anything starts
        raise LiveKeyError("This shop is a teaching sample: it only runs with test keys.")
    if not publishable_key.startswith("pk_test_"):
        raise ValueError("publishable_key should be a test publishable key (pk_test_…).")
    if not webhook_secret.startswith("whsec_"):
        raise ValueError("webhook_secret should be an endpoint's signing secret (whsec_…):"
                         " `stripe listen` prints one, or WebhookEndpoint.create returns it.")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=session_secret or secrets.token_hex(32),
        # Lax keeps the cookie off other *sites'* POSTs; a page on another port of this host is
        # the same site, so every POST also needs the session's CSRF token (routes.csrf).
        SESSION_COOKIE_SAMESITE="Lax",
        # Flask-WTF's default ends a token after an hour: a checkout page left open would fail
        # to pay. The token lives as long as the session instead.
        WTF_CSRF_TIME_LIMIT=None)
    database = Database(db)
    book = OrderBook(db)
    app.extensions["shop"] = Services(
        stripe=stripe_client, publishable_key=publishable_key, webhook_secret=webhook_secret,
        stripe_js_url=stripe_js_url, mode=mode, accounts=Accounts(database, stripe_client),
        orders=Orders(database), book=book, database=database)
    app.extensions["shop"].fulfil()  # events accepted before a restart
    app.register_blueprint(bp)
    csrf.init_app(app)

    @app.errorhandler(HTTPException)
    def http_error(failure: HTTPException) -> Any:
        return jsonify(error={"message": failure.description}), failure.code

    @app.errorhandler(Exception)
    def unexpected(failure: Exception) -> Any:  # a bug: logged here, never shown as a traceback
        log.exception("unexpected error")
        return jsonify(error={"message": "Something went wrong on our side."}), 500

    return app
