"""A small order store for the webhook handler you write in notebook 04.

It only remembers; your handler decides. Five operations, so that deduplicating events and
keeping a paid order paid are your code, not the store's:

    orders = Orders()
    orders.seen("evt_…")                  # has this event id been handled before?
    orders.remember("evt_…")              # note that it has
    orders.status("pi_…")                 # None, "pending", "paid" or "failed"
    orders.set_status("pi_…", "paid")
    orders.send_receipt("pi_…")           # fulfilment: the e-mail the customer gets

It lives in memory, in one process. The kit's `OrderBook` (helpers/fulfilment.py) does the same
job durably: SQLite, with the event id and the order change written in one transaction, so two
deliveries of one event at the same instant cannot both do the work.
"""

from __future__ import annotations

from typing import Any

from .display import Table

STATUSES = ("pending", "paid", "failed")


class Orders:
    """Order statuses by PaymentIntent id, the event ids handled, and the receipts sent."""

    def __init__(self) -> None:
        self._handled: set[str] = set()
        self._status: dict[str, str] = {}
        self.receipts: list[str] = []
        self.changes: list[tuple[str, ...]] = []  # every write, in order (what a checker reads)

    def seen(self, event_id: str) -> bool:
        """True if `remember(event_id)` was called before."""
        return _id(event_id, "evt_", "an Event id") in self._handled

    def remember(self, event_id: str) -> None:
        """Note that this event has been handled, so a repeat delivery can be recognised."""
        self._handled.add(_id(event_id, "evt_", "an Event id"))
        self.changes.append(("remember", event_id))

    def status(self, payment_intent: str) -> str | None:
        """The order's status: None (no order yet), 'pending', 'paid' or 'failed'."""
        return self._status.get(_id(payment_intent, "pi_", "a PaymentIntent id"))

    def set_status(self, payment_intent: str, status: str) -> None:
        """Record the order's status: 'pending', 'paid' or 'failed'."""
        _id(payment_intent, "pi_", "a PaymentIntent id")
        if status not in STATUSES:
            raise ValueError(f"An order's status is 'pending', 'paid' or 'failed', not"
                             f" {status!r} (a PaymentIntent status is not an order status).")
        self._status[payment_intent] = status
        self.changes.append(("set_status", payment_intent, status))

    def send_receipt(self, payment_intent: str) -> None:
        """Fulfil the order: here, queue the receipt e-mail (a real shop also ships the goods)."""
        self.receipts.append(_id(payment_intent, "pi_", "a PaymentIntent id"))
        self.changes.append(("send_receipt", payment_intent))

    def __repr__(self) -> str:
        return repr(self._table())

    def _repr_html_(self) -> str:
        return self._table()._repr_html_()

    def _table(self) -> Table:
        rows = [(pi, status, self.receipts.count(pi)) for pi, status in self._status.items()]
        return Table(rows, ("payment_intent", "status", "receipts sent"),
                     f"orders ({len(self._handled)} events handled)")


def _id(value: Any, prefix: str, what: str) -> str:
    """Stripe ids only: passing the object, or the wrong id, is the commonest slip."""
    if not isinstance(value, str):
        raise ValueError(f"Pass {what} (a string like '{prefix}…'), not a"
                         f" {type(value).__name__}.")
    if not value.startswith(prefix):
        raise ValueError(f"{value[:4]}… is not {what}: it should start with '{prefix}'.")
    return value
