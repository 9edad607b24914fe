"""SQLite persistence for the emulator.

One file holds every account's objects, so several processes (the notebook kernel, the HTTP
server, a CLI `trigger`) can share state; WAL mode lets readers and one writer work together.
Objects are stored as JSON documents with a few indexed columns for listing.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from .shapes import RESOURCES, complete

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq      INTEGER PRIMARY KEY,  -- insertion order (rowid: always above the newest row)
    account  TEXT NOT NULL,
    id       TEXT NOT NULL,
    type     TEXT NOT NULL,
    created  INTEGER NOT NULL,
    customer TEXT,
    data     TEXT NOT NULL,
    UNIQUE (account, id)
);
-- Lists by type read a range of (account, id): every id starts with its type's prefix
-- (ID_PREFIXES). A separate type index cost each insert one more b-tree page.
DROP INDEX IF EXISTS objects_by_type;
CREATE TABLE IF NOT EXISTS counters (
    account TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE IF NOT EXISTS idempotency (
    account TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;  -- one b-tree, not a table and its index: a page less per request
CREATE TABLE IF NOT EXISTS deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account       TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    endpoint_id   TEXT NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL DEFAULT 'pending',
    due_at        REAL NOT NULL,
    last_status   INTEGER,
    last_excerpt  TEXT,
    last_duration_ms REAL
);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    account     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    ok          INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    excerpt     TEXT
);
CREATE TABLE IF NOT EXISTS timers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    account   TEXT NOT NULL,
    object_id TEXT NOT NULL,
    due_at    REAL NOT NULL,
    action    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- every request asks "is anything due?": answered from these without reading the tables
CREATE INDEX IF NOT EXISTS timers_by_due ON timers (due_at);
CREATE INDEX IF NOT EXISTS deliveries_by_due ON deliveries (state, due_at);
"""


# The id prefix of every kind that is listed (Context.new_id makes `<prefix>_<token>`).
ID_PREFIXES = {"customer": "cus_", "payment_method": "pm_", "payment_intent": "pi_",
               "charge": "ch_", "event": "evt_", "webhook_endpoint": "we_"}


def compact_json(value: Any) -> str:
    """JSON without spaces, for stored rows and response bodies.

    orjson does it several times faster than the standard library (this runs a few times on
    every request); what it refuses (an integer beyond 64 bits, say) goes the slow way.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def _sparse(obj: dict[str, Any]) -> dict[str, Any]:
    """A Stripe object as stored: without its top-level nulls (an event's object too).

    Half of a PaymentIntent's fields are null; complete() puts them back on every read
    (_full), so rows are a third smaller and each commit writes fewer pages.
    """
    if obj.get("object") not in RESOURCES:
        return obj
    out = {k: v for k, v in obj.items() if v is not None}
    data = out.get("data")
    if out["object"] == "event" and isinstance(data, dict) and isinstance(data.get("object"), dict):
        out["data"] = {**data, "object": _sparse(data["object"])}
    return out


def _full(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("object") == "event" and isinstance(obj.get("data"), dict) \
            and isinstance(obj["data"].get("object"), dict):
        complete(obj["data"]["object"])
    return complete(obj)


class Transaction:
    """`with store.transaction():` (a class, not a generator: every request enters one)."""

    __slots__ = ("store", "write", "outermost")

    def __init__(self, store: Store, write: bool) -> None:
        self.store, self.write, self.outermost = store, write, False

    def __enter__(self) -> Store:
        store = self.store
        store._lock.acquire()
        if store._depth:
            store._depth += 1
            return store
        try:
            store._db.execute("BEGIN IMMEDIATE" if self.write else "BEGIN DEFERRED")
        except BaseException:
            store._lock.release()
            raise
        store._depth, self.outermost = 1, True
        return store

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        store = self.store
        try:
            if not self.outermost:
                store._depth -= 1
            elif exc_type is not None:
                store._rollback()
            else:
                try:
                    store._db.execute("COMMIT")
                except BaseException:  # (a deferred constraint, say): undone, not left open
                    store._rollback()
                    raise
        finally:
            if self.outermost:
                store._depth = 0
                store.data_version = None
            store._lock.release()


class Store:
    """A thread-safe handle on the emulator's SQLite database."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = self._open()
        except sqlite3.OperationalError:  # locked, unwritable...: not damage, say it as is
            raise
        except sqlite3.DatabaseError as exc:  # not a database, or damaged by an OS crash
            self._db = self._open_fresh(exc)
        self._depth = 0
        # What others committed, as seen by the transaction under way (None outside one, or
        # when it was not read): see Emulator._due and Emulator.webhook_endpoints.
        self.data_version: int | None = None
        self.generation = 0  # this process's writes that caches must not miss (rollbacks too)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                             timeout=30)
        db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
            # synchronous=OFF: SQLite hands every commit to the OS and never waits on fsync, so
            # a crash of any process using the file loses nothing; only an OS crash or a power
            # cut mid-write can damage it, and then _open_fresh() puts it aside. For disposable
            # test data that trade buys about a quarter of every request's time.
            db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA busy_timeout=30000")
        try:
            db.executescript(SCHEMA)
            if self.path != ":memory:":
                self._check_integrity(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @staticmethod
    def _check_integrity(db: sqlite3.Connection) -> None:
        """Find a damaged page anywhere in the file now, not as 500s on a later read.

        `PRAGMA quick_check` reads every page of the file (https://sqlite.org/pragma.html
        #pragma_quick_check: integrity_check without the index-content checks, O(N)); on
        damage the file is put aside by _open_fresh() with a message saying so.
        """
        rows = db.execute("PRAGMA quick_check(5)").fetchall()
        problems = [str(row[0]) for row in rows]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("integrity check failed: " + "; ".join(problems))

    def _open_fresh(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Keep the unreadable file for inspection (renamed) and start an empty emulator."""
        if self.path == ":memory:":
            raise error
        kept = f"{self.path}.damaged-{int(time.time())}"
        for suffix in ("", "-wal", "-shm"):
            if Path(self.path + suffix).exists():
                Path(self.path + suffix).rename(kept + suffix)
        print(f"The emulator's database {self.path} could not be read ({error}); it was kept"
              f" as {kept} and the emulator starts empty.", file=sys.stderr)
        return self._open()

    def transaction(self, *, write: bool = True) -> Transaction:
        """One atomic unit of work; nested calls join the outer transaction.

        `write=False` for reads (GET requests): one consistent snapshot, without taking the
        write lock that other processes are waiting on. A write inside it would fail when
        another process wrote meanwhile, so read-only handlers only.
        """
        return Transaction(self, write)

    def _rollback(self) -> None:
        self.generation += 1  # what was read inside may have been undone
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def execute(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    # counters ---------------------------------------------------------------------------
    def next_value(self, account: str, name: str) -> int:
        with self.transaction():
            return self.execute(
                "INSERT INTO counters(account, name, value) VALUES (?,?,1) "
                "ON CONFLICT(account, name) DO UPDATE SET value=value+1 RETURNING value",
                (account, name),
            ).fetchone()[0]

    # objects ----------------------------------------------------------------------------
    def put(self, account: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an object (keeps its original list position)."""
        customer = obj.get("customer") if isinstance(obj.get("customer"), str) else None
        if obj["object"] == "webhook_endpoint":
            self.generation += 1  # Emulator.webhook_endpoints must read them again
        # one statement: atomic on its own, and part of the request's transaction if any
        self.execute(
            "INSERT INTO objects(account, id, type, created, customer, data)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(account, id) DO UPDATE SET"
            " type=excluded.type, customer=excluded.customer, data=excluded.data",
            (account, obj["id"], obj["object"], obj.get("created") or 0, customer,
             compact_json(_sparse(obj))),
        )
        return obj

    def get(self, account: str, object_id: str, kind: str | None = None) -> dict | None:
        row = self.execute(
            "SELECT type, data FROM objects WHERE account=? AND id=?", (account, object_id)
        ).fetchone()
        if row is None or (kind and row["type"] != kind):
            return None
        return _full(orjson.loads(row["data"]))

    def exists(self, account: str, object_id: str, kind: str) -> bool:
        return self.execute("SELECT 1 FROM objects WHERE account=? AND id=? AND type=?",
                            (account, object_id, kind)).fetchone() is not None

    def delete(self, account: str, object_id: str) -> None:
        self.generation += 1  # (rare) whatever a cache holds may be gone
        self.execute("DELETE FROM objects WHERE account=? AND id=?", (account, object_id))

    def list(
        self, account: str, kind: str, *, customer: str | None = None
    ) -> list[dict[str, Any]]:
        """All objects of a kind, newest first (Stripe's list order)."""
        sql = "SELECT data FROM objects WHERE account=? AND type=?"
        args: list[Any] = [account, kind]
        prefix = ID_PREFIXES.get(kind)
        if prefix:  # the range of (account, id) that holds this kind: see SCHEMA
            sql += " AND id >= ? AND id < ?"
            args += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
        if customer is not None:
            sql += " AND customer=?"
            args.append(customer)
        rows = self.execute(sql + " ORDER BY seq DESC", tuple(args)).fetchall()
        return [_full(orjson.loads(r["data"])) for r in rows]

    # idempotency ------------------------------------------------------------------------
    def idempotent_result(self, account: str, key: str) -> sqlite3.Row | None:
        return self.execute(
            "SELECT fingerprint, status, body FROM idempotency WHERE account=? AND key=?",
            (account, key),
        ).fetchone()

    def save_idempotent_result(
        self, account: str, key: str, fingerprint: str, status: int, body: str, now: int
    ) -> None:
        """`body`: the answer's JSON text, or the id of the event whose object it is."""
        self.execute(
            "INSERT OR REPLACE INTO idempotency(account, key, fingerprint, status, body, created)"
            " VALUES (?,?,?,?,?,?)",
            (account, key, fingerprint, status, body, now),
        )

    # meta -------------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()
