"""The shop's own tables (who is whose Stripe customer, which orders were started, offline its
webhook endpoint, how far the catch-up on missed events has got) in SQLite.

One connection shared by the request threads, behind a lock: small, and safe for a demo
server. The fulfilment tables (`helpers.fulfilment.OrderBook`) live in the same file.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    user_id TEXT PRIMARY KEY, stripe_customer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shop_orders (
    order_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, amount INTEGER NOT NULL,
    currency TEXT NOT NULL, payment_intent TEXT, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_endpoint (  -- offline: the one the shop keeps (one row)
    slot INTEGER PRIMARY KEY CHECK (slot = 1), endpoint_id TEXT NOT NULL,
    secret TEXT NOT NULL, marker TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_watermark (  -- catch_up: the newest event it saw (one row)
    slot INTEGER PRIMARY KEY CHECK (slot = 1), created INTEGER NOT NULL);
"""


class Database:
    """A SQLite file (WAL, so another process can read it while the shop writes)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (each is its own transaction); returns the rows it selected."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()
