"""Orders: each checkout attempt gets an order id before Stripe is called.

The order id goes into the PaymentIntent's `metadata` (so the Dashboard and every webhook event
say which order a payment is for) and into the `Idempotency-Key` of its creation (so a retry of
the same attempt, by stripe-python or by you, can never create a second PaymentIntent). Whether
an order is paid is decided by the webhook alone (`helpers.fulfilment.OrderBook`), never by the
browser saying "Success!".
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from ..fulfilment import OrderBook
from .accounts import User
from .cart import Cart
from .db import Database


@dataclass(frozen=True)
class Order:
    id: str
    user_id: str
    amount: int
    currency: str
    payment_intent: str | None


class Orders:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, user: User, cart: Cart) -> Order:
        """A new order for what is in the cart now."""
        order = Order(f"order_{secrets.token_hex(8)}", user.id, cart.amount, cart.currency, None)
        self.db.run("INSERT INTO shop_orders VALUES (?,?,?,?,?,?)",
                    (order.id, user.id, order.amount, order.currency, None, int(time.time())))
        return order

    def attach(self, order: Order, payment_intent: str) -> None:
        self.db.run("UPDATE shop_orders SET payment_intent=? WHERE order_id=?",
                    (payment_intent, order.id))

    def of(self, user: User) -> list[Order]:
        rows = self.db.run("SELECT order_id, user_id, amount, currency, payment_intent FROM"
                           " shop_orders WHERE user_id=? ORDER BY rowid", (user.id,))
        return [Order(*row) for row in rows]


def order_history(orders: Orders, book: OrderBook, user: User) -> list[dict[str, Any]]:
    """The user's orders that webhooks have reported on, with the status they gave it
    (`paid` means fulfilled: receipt sent, goods on their way)."""
    history = []
    for order in orders.of(user):
        status = book.status_of(order.payment_intent) if order.payment_intent else None
        if status is not None:
            history.append({"order": order.id, "payment_intent": order.payment_intent,
                            "amount": order.amount, "currency": order.currency,
                            "status": status, "fulfilled": status == "paid"})
    return history
