"""The small Flask shop that exercise 02-route gives you: logged-in users and carts, on the server.

    shop = Shop()
    shop.add_user("jenny", "jenny.rosen@example.com", customer.id,
                  cart=[("Notebook", 1500), ("Pen", 299)])
    app = shop_app(shop)            # a fresh app: add your route to it

    @app.post("/create-intent-and-customer-session")
    def create_intent_and_customer_session():
        user = current_user()       # the logged-in user's record, or None
        amount = cart_total()       # that user's cart, priced on the server
        ...

What a real shop keeps in its database (users, their Stripe customer id, their cart) lives in a
`Shop`; `POST /login {"user_id": …}` stands in for a real login and puts the user's id in Flask's
signed session cookie. `current_user()` and `cart_total()` read only the server's records, never
the request body: that is the point of the exercise. The take-home app (`python -m helpers.shop`)
does the same with SQLite.

`shop_app()` builds a new app each time, because Flask refuses to add a route to an app that has
already answered a request: re-running the exercise cell must start from a clean app.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import Flask, current_app, jsonify, request, session

EXTENSION = "kit_shop"
CURRENCY = "usd"


@dataclass(frozen=True)
class User:
    """A user of your site, as your database holds them."""

    id: str
    email: str
    stripe_customer_id: str | None


@dataclass
class Shop:
    """The shop's records: users and their carts (item, price in cents)."""

    users: dict[str, User] = field(default_factory=dict)
    carts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def add_user(self, user_id: str, email: str, stripe_customer_id: str | None,
                 cart: Iterable[tuple[str, int]] = ()) -> User:
        user = User(user_id, email, stripe_customer_id)
        self.users[user_id] = user
        self.carts[user_id] = list(cart)
        return user

    def remove_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        self.carts.pop(user_id, None)

    def total(self, user_id: str) -> int:
        return sum(price for _, price in self.carts.get(user_id, []))


def shop_app(shop: Shop | None = None) -> Flask:
    """A fresh Flask app for `shop`, with a stand-in login; add your route to it."""
    app = Flask("shop")
    app.secret_key = secrets.token_hex(16)  # signs the session cookie
    # An exception in a route reaches the caller (the checker) instead of being logged as a
    # traceback under the cell; a deployed app would answer 500.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    app.extensions[EXTENSION] = shop if shop is not None else Shop()

    @app.post("/login")
    def login():  # a stand-in for your real login (password, SSO…)
        body = request.get_json(silent=True) or {}
        user_id = body.get("user_id")
        if user_id not in shop_of(app).users:
            return jsonify(error={"message": "Unknown user."}), 401
        session["user_id"] = user_id
        return jsonify(logged_in=user_id)

    @app.post("/logout")
    def logout():
        session.pop("user_id", None)
        return jsonify(logged_in=None)

    return app


def shop_of(app: Flask) -> Shop:
    """The `Shop` an app made by `shop_app` serves."""
    return app.extensions[EXTENSION]


def current_user() -> User | None:
    """The logged-in user's record from the server's database (None when nobody is logged in).

    Call it inside a request: it reads the user id from Flask's signed session cookie.
    """
    user_id = session.get("user_id")
    return shop_of(current_app).users.get(user_id) if user_id else None


def cart_total() -> int:
    """The logged-in user's cart total in cents, priced on the server (0 without a user)."""
    user = current_user()
    return shop_of(current_app).total(user.id) if user else 0
