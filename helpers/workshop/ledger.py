"""The workshop's own records, in one SQLite file next to the emulator's: who is here and
what happened, for the participants' state across reloads and for the facilitator's view.

`participants`: one row per sandbox (its emulator account), with the participant's app state
(persona, CustomerSession features, webhook endpoint) as JSON, the kernel process serving it
and when it was last seen. `activity`: payments and errors, one row each. Nothing here is a
secret the facilitator must not see, except the webhook signing secret kept in the state,
which the facilitator view never reads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS participants (
    account    TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT '{}',
    pid        INTEGER,
    first_seen REAL NOT NULL,
    last_seen  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS activity (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    account  TEXT NOT NULL,
    at       REAL NOT NULL,
    kind     TEXT NOT NULL,       -- 'payment' or 'error'
    status   TEXT,                -- the PaymentIntent status, or the error code
    detail   TEXT
);
CREATE INDEX IF NOT EXISTS activity_by_account ON activity (account, id);
"""


class Ledger:
    """Participants' app state and activity, shared by every kernel and the server."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._db.executescript(SCHEMA)

    # participants -----------------------------------------------------------------------
    def arrive(self, account: str, label: str, pid: int | None = None) -> dict[str, Any]:
        """Record that a participant's page is served by this kernel; return their state."""
        now = time.time()
        pid = os.getpid() if pid is None else pid
        with self._lock:
            self._db.execute(
                "INSERT INTO participants(account, label, pid, first_seen, last_seen)"
                " VALUES (?,?,?,?,?) ON CONFLICT(account) DO UPDATE SET pid=excluded.pid,"
                " last_seen=excluded.last_seen", (account, label, pid, now, now))
        return self.state(account)

    def state(self, account: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute("SELECT state FROM participants WHERE account=?",
                                   (account,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_state(self, account: str, state: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute("UPDATE participants SET state=?, last_seen=? WHERE account=?",
                             (json.dumps(state, sort_keys=True), time.time(), account))

    def forget(self, account: str) -> None:
        """A reset: the participant starts again (their row stays, their history goes)."""
        with self._lock:
            self._db.execute("UPDATE participants SET state='{}' WHERE account=?", (account,))
            self._db.execute("DELETE FROM activity WHERE account=?", (account,))

    # activity ---------------------------------------------------------------------------
    def record(self, account: str, kind: str, status: str | None, detail: str = "") -> None:
        with self._lock:
            self._db.execute("INSERT INTO activity(account, at, kind, status, detail)"
                             " VALUES (?,?,?,?,?)", (account, time.time(), kind, status, detail))
            self._db.execute("UPDATE participants SET last_seen=? WHERE account=?",
                             (time.time(), account))

    def activity(self, account: str) -> list[tuple[str, str | None, str]]:
        with self._lock:
            return [tuple(r) for r in self._db.execute(
                "SELECT kind, status, detail FROM activity WHERE account=? ORDER BY id",
                (account,))]

    # the facilitator's view -------------------------------------------------------------
    def summary(self, live_pids: Iterable[int] | None = None) -> dict[str, Any]:
        """Counts only: participants (connected = their kernel is alive and has a browser
        connected, when the server can tell), payments by status, errors by code."""
        with self._lock:
            rows = self._db.execute("SELECT account, pid, last_seen FROM participants"
                                    " ORDER BY first_seen").fetchall()
            payments = dict(self._db.execute(
                "SELECT status, COUNT(*) FROM activity WHERE kind='payment' GROUP BY status"))
            errors = dict(self._db.execute(
                "SELECT status, COUNT(*) FROM activity WHERE kind='error' GROUP BY status"))
        pids = set(live_pids) if live_pids is not None else None
        connected = sum(1 for _, pid, _ in rows if pid and (
            pid in pids if pids is not None else _alive(pid)))
        return {
            "participants": len(rows),
            "connected": connected,
            "payments": sum(payments.values()),
            "payments_by_status": payments,
            "succeeded": payments.get("succeeded", 0),
            "errors": sum(errors.values()),
            "errors_by_code": errors,
            "last_activity": max((r[2] for r in rows), default=None),
        }

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
