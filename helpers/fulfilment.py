"""Your server's order book: fulfilment that never doubles or drops an order.

Webhooks arrive at least once and in any order, so the handler records each event id once
(a primary key, checked in the same transaction as the order update) and never lets a late
event move an order backwards (a `processing` after `succeeded` changes nothing).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from .display import Table, plain

KIT_DIR = Path(__file__).resolve().parents[1] / ".kit"
# How far along an order is; an event may only move it forward.
RANK = {"pending": 1, "payment_failed": 1, "paid": 3}
SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY, type TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    payment_intent TEXT PRIMARY KEY, status TEXT NOT NULL, amount INTEGER NOT NULL,
    currency TEXT NOT NULL, customer TEXT, last_event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, payment_intent TEXT NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL, UNIQUE (payment_intent, kind));
"""


class OrderBook:
    """Orders and outgoing e-mails in SQLite, each written exactly once per payment."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.executescript(SCHEMA)

    @classmethod
    def fresh(cls, name: str = "orders") -> OrderBook:
        """An empty order book in `.kit/<name>.sqlite3` (a lesson starts from nothing)."""
        KIT_DIR.mkdir(exist_ok=True)
        path = KIT_DIR / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return cls(path)

    def handle(self, event: Any) -> str:
        """Apply one verified event; returns what happened (e.g. 'fulfilled', 'duplicate')."""
        event = plain(event)
        intent = event["data"]["object"]
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                seen = db.execute("SELECT 1 FROM processed_events WHERE event_id=?",
                                  (event["id"],)).fetchone()
                if seen:
                    db.execute("COMMIT")
                    return "duplicate"
                outcome = self._apply(event["type"], event["id"], intent)
                db.execute("INSERT INTO processed_events VALUES (?,?,?)",
                           (event["id"], event["type"], outcome))
                db.execute("COMMIT")
                return outcome
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _apply(self, event_type: str, event_id: str, intent: Any) -> str:
        status = {"payment_intent.succeeded": "paid",
                  "payment_intent.processing": "pending",
                  "payment_intent.payment_failed": "payment_failed"}.get(event_type)
        if status is None:
            return "ignored"
        row = self._db.execute("SELECT status FROM orders WHERE payment_intent=?",
                               (intent["id"],)).fetchone()
        if row and RANK[row[0]] > RANK[status]:
            return f"kept {row[0]} (late {event_type.split('.')[-1]})"
        self._db.execute(
            "INSERT INTO orders VALUES (?,?,?,?,?,?) ON CONFLICT(payment_intent) DO UPDATE SET"
            " status=excluded.status, last_event=excluded.last_event",
            (intent["id"], status, intent["amount"], intent["currency"], intent.get("customer"),
             event_id))
        if status == "paid":
            self._email(intent["id"], "receipt", "Thanks for your order! Your payment of"
                        f" {intent['amount'] / 100:.2f} {intent['currency'].upper()} was received.")
            return "fulfilled"
        if status == "payment_failed":
            error = intent.get("last_payment_error") or {}
            self._email(intent["id"], "retry", "Your payment did not go through"
                        f" ({error.get('message', 'declined')}). Please try another payment"
                        " method.")
            return "customer invited to retry"
        return "order pending"

    def _email(self, payment_intent: str, kind: str, message: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO outbox(payment_intent, kind, message)"
                         " VALUES (?,?,?)", (payment_intent, kind, message))

    def orders(self) -> Table:
        rows = self._db.execute("SELECT payment_intent, status, amount, currency, customer"
                                " FROM orders ORDER BY rowid").fetchall()
        return Table(rows, ("payment_intent", "status", "amount", "currency", "customer"),
                     "orders")

    def outbox(self) -> Table:
        rows = self._db.execute("SELECT payment_intent, kind, message FROM outbox"
                                " ORDER BY id").fetchall()
        return Table(rows, ("payment_intent", "kind", "message"), "outbox (e-mails to send)")

    def count(self, table: str = "orders") -> int:
        if table not in ("orders", "outbox", "processed_events"):
            raise ValueError("table must be 'orders', 'outbox' or 'processed_events'")
        return self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
