"""Your server's order book: fulfilment that never doubles or drops an order.

Webhooks arrive at least once and in any order, so:
- each event id is recorded once (a primary key, inserted in the same transaction as the order
  update: a second delivery of the same event, even at the same instant from another thread or
  another process, finds it there and changes nothing);
- an order never moves backwards: `paid` is final (a late `processing` or `payment_failed`
  changes nothing), and between the other states an event older than the one already applied
  is ignored;
- what a customer is told goes to an `outbox` table (one receipt, one retry invitation per
  payment), written in that same transaction, for a mailer to send later.

A receiver that must answer fast can also `accept()` the verified event (store it, answer 2xx)
and `process_inbox()` afterwards: nothing is lost if the work fails or the process stops,
because the inbox row stays until it has been handled.

A verified event that cannot be handled (no `type`, no `data.object`, not a JSON object at
all: a "poison" event) is put in `quarantine` with the reason, for a person to look at. It
never raises, never blocks the events after it, and never stops a restart.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .display import Table, plain
from .sqlite_files import remove_database

KIT_DIR = Path(__file__).resolve().parents[1] / ".kit"
STATUS_FOR = {"payment_intent.succeeded": "paid",
              "payment_intent.processing": "pending",
              "payment_intent.payment_failed": "payment_failed"}
# Where each order status sits in a PaymentIntent's life: breaks ties between two events with
# the same `created` second. A bank debit goes `processing` first and fails (or succeeds)
# after, so at equal `created` the failure wins over the `processing` and the order is not
# left `pending` when the payment has already failed. (A retry that starts a new `processing`
# in the very same second is shown `payment_failed` until its own outcome event arrives, which
# is later: the customer loses a "pending" notice, never a receipt.) `paid` is final anyway.
RANK = {"pending": 1, "payment_failed": 2, "paid": 3}
SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY, type TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    payment_intent TEXT PRIMARY KEY, status TEXT NOT NULL, amount INTEGER NOT NULL,
    currency TEXT NOT NULL, customer TEXT, last_event TEXT NOT NULL,
    last_event_created INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, payment_intent TEXT NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL, UNIQUE (payment_intent, kind));
CREATE TABLE IF NOT EXISTS inbox (
    event_id TEXT PRIMARY KEY, body TEXT NOT NULL, received INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT, reason TEXT NOT NULL,
    body TEXT NOT NULL, at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)));
"""
TABLES = ("orders", "outbox", "processed_events", "inbox", "quarantine")


def poison_reason(event: Any) -> str | None:
    """Why a verified event cannot be handled, or None when it can.

    Stripe's events always have these fields, but a bug, a test script or a future event shape
    can send something else with a valid signature: check before trusting it.
    """
    if not isinstance(event, dict):
        return "not a JSON object"
    if not isinstance(event.get("id"), str) or not event["id"]:
        return "no event id"
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        return "no event type"
    if kind not in STATUS_FOR:
        return None  # not one this book handles: ignored, whatever it holds
    created = event.get("created")
    if created is not None and (type(created) is not int):
        return "created is not a timestamp"
    data = event.get("data")
    intent = data.get("object") if isinstance(data, dict) else None
    if not isinstance(intent, dict):
        return "no data.object"
    if intent.get("object") != "payment_intent" or not isinstance(intent.get("id"), str):
        return "data.object is not a PaymentIntent"
    if type(intent.get("amount")) is not int or not isinstance(intent.get("currency"), str):
        return "data.object has no amount or currency"
    if not isinstance(intent.get("customer") or "", str):
        return "data.object.customer is not an id"
    if not isinstance(intent.get("last_payment_error") or {}, dict):
        return "data.object.last_payment_error is not an object"
    return None


class OrderBook:
    """Orders and outgoing e-mails in SQLite, each written exactly once per payment.

    Safe to share between threads, and between processes that open the same file.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.name = Path(self.path).name  # what repr shows
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}
            if "last_event_created" not in columns:  # a book made by an older kit
                self._db.execute("ALTER TABLE orders ADD COLUMN last_event_created INTEGER"
                                 " NOT NULL DEFAULT 0")

    @classmethod
    def fresh(cls, name: str = "orders") -> OrderBook:
        """An empty order book of this kernel's own (a lesson starts from nothing).

        The file is `.kit/books/<name>-<process id>.sqlite3`: two kernels running the same
        lesson (a workshop serves one per participant) never share a book, and a fresh book
        never deletes a file another kernel still holds. Books left by processes that have
        ended are removed here."""
        folder = KIT_DIR / "books"
        folder.mkdir(parents=True, exist_ok=True)
        _remove_books_of_ended_processes(folder, name)
        path = folder / f"{name}-{os.getpid()}.sqlite3"
        remove_database(path)
        book = cls(path)
        book.name = name
        return book

    def __repr__(self) -> str:
        return f"OrderBook({self.name}: {self.count()} orders)"

    # applying events --------------------------------------------------------------------
    def handle(self, event: Any) -> str:
        """Apply one verified event; returns what happened (e.g. 'fulfilled', 'duplicate').

        The event id is claimed first (`INSERT OR IGNORE` under `BEGIN IMMEDIATE`, which
        takes SQLite's write lock): whoever inserts it does the work, anyone else gets
        'duplicate', in this process or another one. A poison event is quarantined:
        'quarantined (<reason>)'.
        """
        event = plain(event)
        reason = poison_reason(event)
        if reason in ("not a JSON object", "no event id"):
            self.quarantine(event, reason)  # nothing to deduplicate it by
            return f"quarantined ({reason})"
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                claimed = db.execute(
                    "INSERT OR IGNORE INTO processed_events VALUES (?,?,?)",
                    (event["id"], str(event.get("type") or ""), "in progress")).rowcount
                if not claimed:
                    # (an inbox copy accepted while the first one was being handled)
                    db.execute("DELETE FROM inbox WHERE event_id=?", (event["id"],))
                    db.execute("COMMIT")
                    return "duplicate"
                if reason:
                    self._quarantine(event, reason, event["id"])
                    outcome = f"quarantined ({reason})"
                else:
                    outcome = self._apply(event)
                db.execute("UPDATE processed_events SET outcome=? WHERE event_id=?",
                           (outcome, event["id"]))
                db.execute("DELETE FROM inbox WHERE event_id=?", (event["id"],))
                db.execute("COMMIT")
                return outcome
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _apply(self, event: dict[str, Any]) -> str:
        status = STATUS_FOR.get(event["type"])
        if status is None:
            return "ignored"
        intent = event["data"]["object"]
        created = int(event.get("created") or 0)
        row = self._db.execute("SELECT status, last_event_created FROM orders"
                               " WHERE payment_intent=?", (intent["id"],)).fetchone()
        late = event["type"].split(".")[-1]
        if row and row[0] == "paid":
            return "already paid" if status == "paid" else f"kept paid (late {late})"
        if row and (created, RANK[status]) < (row[1], RANK.get(row[0], 0)):
            return f"kept {row[0]} (late {late})"
        self._db.execute(
            "INSERT INTO orders VALUES (?,?,?,?,?,?,?) ON CONFLICT(payment_intent) DO UPDATE SET"
            " status=excluded.status, last_event=excluded.last_event,"
            " last_event_created=excluded.last_event_created",
            (intent["id"], status, intent["amount"], intent["currency"], intent.get("customer"),
             event["id"], created))
        if status == "paid":
            self._email(intent["id"], "receipt", "Thanks for your order! Your payment of"
                        f" {intent['amount'] / 100:.2f} {intent['currency'].upper()} was received.")
            return "fulfilled"
        if status == "payment_failed":
            error = intent.get("last_payment_error") or {}
            reason = (error.get("message") or "it was declined").rstrip(".")
            self._email(intent["id"], "retry", f"Your payment did not go through: {reason}."
                        " Please try again, or use another payment method.")
            return "customer invited to retry"
        self._email(intent["id"], "pending", "We received your order. Your payment is"
                    " processing; we will e-mail you when it has cleared.")
        return "order pending"

    def _email(self, payment_intent: str, kind: str, message: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO outbox(payment_intent, kind, message)"
                         " VALUES (?,?,?)", (payment_intent, kind, message))

    # answer fast, work after ------------------------------------------------------------
    def accept(self, event: Any) -> bool:
        """Store a verified event to handle later; False if it was already stored or handled
        (or, having no id to deduplicate it by, was quarantined at once)."""
        event = plain(event)
        reason = poison_reason(event)
        if reason in ("not a JSON object", "no event id"):
            self.quarantine(event, reason)
            return False
        with self._lock:
            done = self._db.execute("SELECT 1 FROM processed_events WHERE event_id=?",
                                    (event["id"],)).fetchone()
            if done:
                return False
            return bool(self._db.execute(
                "INSERT OR IGNORE INTO inbox(event_id, body) VALUES (?,?)",
                (event["id"], json.dumps(event))).rowcount)

    def process_inbox(self) -> list[tuple[str, str]]:
        """Handle every stored event, oldest first; returns (event id, outcome) pairs.

        A row that cannot be handled is quarantined and removed, so it never blocks the rows
        after it nor a restart. A database error (busy, disk full) is raised and leaves the row
        for next time.
        """
        with self._lock:
            rows = self._db.execute("SELECT event_id, body FROM inbox ORDER BY rowid").fetchall()
        done = []
        for event_id, body in rows:
            try:
                event = json.loads(body)
                if not isinstance(event, dict) or event.get("id") != event_id:
                    raise ValueError("the stored body is not this event")
                outcome = self.handle(event)
            except sqlite3.Error:
                raise
            except Exception as error:  # a poison row must not stop the rows after it
                reason = f"could not be handled: {type(error).__name__}: {error}"[:300]
                with self._lock:
                    self._db.execute("BEGIN IMMEDIATE")
                    try:
                        self._quarantine(body, reason, event_id)
                        self._db.execute("DELETE FROM inbox WHERE event_id=?", (event_id,))
                        self._db.execute("COMMIT")
                    except BaseException:
                        self._db.execute("ROLLBACK")
                        raise
                outcome = f"quarantined ({reason})"
            done.append((event_id, outcome))
        return done

    # quarantine -------------------------------------------------------------------------
    def quarantine(self, body: Any, reason: str, event_id: str | None = None) -> None:
        """Set a verified event (or body) aside with the reason it cannot be handled."""
        with self._lock:
            self._quarantine(body, reason, event_id)

    def _quarantine(self, body: Any, reason: str, event_id: str | None) -> None:
        if isinstance(body, bytes):
            body = body.decode(errors="replace")
        text = body if isinstance(body, str) else json.dumps(plain(body), default=str)
        self._db.execute("INSERT INTO quarantine(event_id, reason, body) VALUES (?,?,?)",
                         (event_id, reason, text))

    def quarantined(self) -> Table:
        """Events set aside, with why: look at them, fix the cause, replay them by hand."""
        rows = self._query("SELECT event_id, reason FROM quarantine ORDER BY id")
        return Table(rows, ("event_id", "reason"), "quarantine (events that cannot be handled)")

    # looking ----------------------------------------------------------------------------
    def orders(self) -> Table:
        rows = self._query("SELECT payment_intent, status, amount, currency, customer"
                           " FROM orders ORDER BY rowid")
        return Table(rows, ("payment_intent", "status", "amount", "currency", "customer"),
                     "orders")

    def outbox(self) -> Table:
        rows = self._query("SELECT payment_intent, kind, message FROM outbox ORDER BY id")
        return Table(rows, ("payment_intent", "kind", "message"), "outbox (e-mails to send)")

    def status_of(self, payment_intent: str) -> str | None:
        rows = self._query("SELECT status FROM orders WHERE payment_intent=?", (payment_intent,))
        return rows[0][0] if rows else None

    def statuses(self) -> dict[str, str]:
        """{payment_intent: order status} for every order."""
        return dict(self._query("SELECT payment_intent, status FROM orders"))

    def count(self, table: str = "orders") -> int:
        if table not in TABLES:
            raise ValueError(f"table must be one of {', '.join(map(repr, TABLES))}")
        return self._query(f"SELECT COUNT(*) FROM {table}")[0][0]

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove_books_of_ended_processes(folder: Path, name: str) -> None:
    """Fresh books of processes that are gone: nobody holds them any more."""
    pattern = re.compile(re.escape(name) + r"-(\d+)\.sqlite3")
    for found in folder.glob(f"{name}-*.sqlite3"):
        match = pattern.fullmatch(found.name)
        if match and int(match.group(1)) != os.getpid() and \
                not _process_alive(int(match.group(1))):
            remove_database(found)
