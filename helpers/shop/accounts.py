"""Who is signed in, and which Stripe Customer is theirs: decided by the server, not the browser.

Your app has real accounts and a real login; this demo has two people and a "Sign in as"
button. The rule is what matters: the browser only says *who* it is, through Flask's signed
session cookie, and the Stripe Customer id is looked up in *your* database from that. A request
that names a customer is never read, so nobody can pay with, or see the saved cards of,
somebody else's customer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import stripe
from flask import session

from .db import Database


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str
    # Test cards saved when the demo creates this user's Customer: their "past purchases".
    saved_cards: tuple[str, ...] = ()


USERS = {user.id: user for user in (
    User("jenny", "Jenny Rosen", "jenny.rosen@example.com",
         ("pm_card_visa", "pm_card_mastercard")),
    User("sam", "Sam Okafor", "sam.okafor@example.com"),
)}


def signed_in() -> User | None:
    """The user of this request's session, or None (Flask signs the cookie: it cannot be
    edited in the browser without the app's secret key)."""
    return USERS.get(session.get("user_id", ""))


def sign_in(user_id: str) -> User | None:
    user = USERS.get(user_id)
    if user is not None:
        session.clear()
        session["user_id"] = user.id
    return user


class Accounts:
    """Each user's Stripe Customer id, created the first time it is needed."""

    def __init__(self, db: Database, client: stripe.StripeClient) -> None:
        self.db = db
        self.client = client
        self._lock = threading.Lock()  # one Customer per user, even if two tabs check out at once
        self._checked: set[str] = set()  # customers seen to exist since this process started

    def customer_id(self, user: User) -> str:
        with self._lock:
            rows = self.db.run("SELECT stripe_customer FROM customers WHERE user_id=?", (user.id,))
            if rows and (rows[0][0] in self._checked or self._exists(rows[0][0])):
                self._checked.add(rows[0][0])
                return rows[0][0]
            # New user, or their Customer is gone (another Stripe account, a reset emulator).
            customer_id = self._create(user)
            self.db.run("INSERT OR REPLACE INTO customers VALUES (?,?)", (user.id, customer_id))
            self._checked.add(customer_id)
            return customer_id

    def _exists(self, customer_id: str) -> bool:
        try:
            customer = self.client.v1.customers.retrieve(customer_id)
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                return False
            raise
        # A Customer deleted in the Dashboard still retrieves: `{id, object, deleted: true}`.
        # stripe-python 16's objects are not dicts (no `.get`): read the attribute.
        return not getattr(customer, "deleted", False)

    def _create(self, user: User) -> str:
        customer = self.client.v1.customers.create({
            "name": user.name, "email": user.email, "metadata": {"user_id": user.id}})
        for token in user.saved_cards:
            method = self.client.v1.payment_methods.attach(token, {"customer": customer.id})
            # "always": the Payment Element may show it again (the customer agreed to save it)
            self.client.v1.payment_methods.update(method.id, {"allow_redisplay": "always"})
        return customer.id
