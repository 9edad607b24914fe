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
CREATE TABLE IF NOT EXISTS whereabouts (   -- the notebook a participant opened last
    account  TEXT PRIMARY KEY,
    notebook TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS progress (      -- exercises checked, one row per exercise
    account  TEXT NOT NULL,
    exercise TEXT NOT NULL,
    notebook TEXT NOT NULL,
    passed   INTEGER NOT NULL,             -- 1 once a check has said ✓
    checks   INTEGER NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (account, exercise)
);
CREATE TABLE IF NOT EXISTS workshop (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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

    def visit(self, account: str, notebook: str) -> None:
        """The participant opened `notebook` (a lesson or the app)."""
        with self._lock:
            self._db.execute("INSERT INTO whereabouts VALUES (?,?,?) ON CONFLICT(account) DO"
                             " UPDATE SET notebook=excluded.notebook, at=excluded.at",
                             (account, notebook, time.time()))

    def checked(self, account: str, notebook: str, exercise: str, ok: bool) -> None:
        """An exercise check ran in the participant's lesson (✓ once stays ✓)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO progress VALUES (?,?,?,?,1,?) ON CONFLICT(account, exercise) DO"
                " UPDATE SET passed=MAX(passed, excluded.passed), checks=checks+1,"
                " at=excluded.at, notebook=excluded.notebook",
                (account, exercise, notebook, int(bool(ok)), time.time()))

    def progress(self) -> dict[str, dict[str, Any]]:
        """{account: {"notebook": last opened, "passed": [...], "tried": [...]}}."""
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for account, notebook in self._db.execute(
                    "SELECT account, notebook FROM whereabouts"):
                found.setdefault(account, {"passed": [], "tried": []})["notebook"] = notebook
            for account, exercise, passed in self._db.execute(
                    "SELECT account, exercise, passed FROM progress ORDER BY exercise"):
                entry = found.setdefault(account, {"passed": [], "tried": []})
                entry["passed" if passed else "tried"].append(exercise)
        return found

    def accounts(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT account FROM participants ORDER BY first_seen")]

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM workshop WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO workshop VALUES (?,?) ON CONFLICT(key) DO UPDATE"
                             " SET value=excluded.value", (key, value))

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
    def summary(self, live_pids: Iterable[int] | None = None,
                truth: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """Counts and per-participant progress, never a key or personal data.

        `truth`: each account's counts read from the emulator on the server
        (`truth.account_counts`); payments and decline codes come only from there. The
        ledger adds who is here (connected = their kernel is alive and has a browser
        connected, when the server can tell), where they are and which exercises passed, and
        errors the kernels themselves recorded (`app_error`)."""
        truth = truth or {}
        with self._lock:
            rows = self._db.execute("SELECT account, label, pid, last_seen FROM participants"
                                    " ORDER BY first_seen").fetchall()
            kernel_errors = dict(self._db.execute(
                "SELECT status, COUNT(*) FROM activity WHERE kind='error' AND status="
                "'app_error' GROUP BY status"))
        progress = self.progress()
        pids = set(live_pids) if live_pids is not None else None
        payments: dict[str, int] = {}
        errors: dict[str, int] = dict(kernel_errors)
        people = []
        connected = 0
        for account, label, pid, _last_seen in rows:
            here = bool(pid) and (pid in pids if pids is not None else _alive(pid))
            connected += here
            counts = truth.get(account) or {}
            for status, n in (counts.get("payments_by_status") or {}).items():
                payments[status] = payments.get(status, 0) + n
            for code, n in (counts.get("errors_by_code") or {}).items():
                errors[code] = errors.get(code, 0) + n
            where = progress.get(account, {})
            people.append({
                "participant": label, "connected": here,
                "notebook": where.get("notebook"),
                "passed": where.get("passed", []), "tried": where.get("tried", []),
                "payments": counts.get("payments", 0),
                "succeeded": (counts.get("payments_by_status") or {}).get("succeeded", 0),
                "events": counts.get("events", 0)})
        return {
            "participants": len(rows),
            "connected": connected,
            "payments": sum(payments.values()),
            "payments_by_status": payments,
            "succeeded": payments.get("succeeded", 0),
            "errors": sum(errors.values()),
            "errors_by_code": errors,
            "last_activity": max((r[3] for r in rows), default=None),
            "people": people,
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
