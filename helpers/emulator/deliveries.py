"""Webhook delivery: sign each attempt, send it, log it, retry failures on the emulator clock.

Stripe delivers every event at least once to every enabled endpoint whose `enabled_events`
match, signing each attempt afresh (`Stripe-Signature: t=…,v1=…`, plus a dummy `v0` in test
mode), and retries failures (three times in test mode). Endpoints are either real URLs (an HTTP
POST) or in-process receivers registered from a notebook, which still get raw bytes + headers.

How it runs here:
- `queue()` is called inside the request that emits the event (same transaction), one row per
  endpoint in `deliveries` (two with the `duplicates` fault on).
- `run_due()` claims the rows whose time has come (atomically, so several threads or processes
  on one database never send the same attempt twice), sends them, and logs every attempt in
  `delivery_attempts`. The emulator calls it after every API request, the HTTP server every
  0.5 s, and a background thread (started when a retry is waiting) whenever the next one is due.
- A non-2xx answer, an exception or a timeout is a failure, retried after the compressed
  schedule (`KIT_WEBHOOK_RETRY_SCHEDULE`, seconds, default `2,5,10`: three retries, as test
  mode does, within 20 seconds instead of hours).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import Context
from .faults import Faults, FaultSettings
from .urls import INPROCESS

if TYPE_CHECKING:
    from .core import Emulator

Receiver = Callable[[bytes, dict[str, str]], Any]
DEFAULT_RETRY_SCHEDULE = (2.0, 5.0, 10.0)  # seconds: test mode's "three retries", compressed
DEFAULT_TIMEOUT = 5.0  # seconds an endpoint has to answer (compressed, like the schedule)
LOST_ANSWER = ("(fault injected: the endpoint answered {status}, but the answer was lost on the"
               " way back; counted as a timeout)")
BATCH_WINDOW = 1.0  # settle(): deliveries due within this many seconds go out as one batch


def retry_schedule() -> tuple[float, ...]:
    """Seconds to wait before each retry: `KIT_WEBHOOK_RETRY_SCHEDULE=2,5,10` by default."""
    raw = os.environ.get("KIT_WEBHOOK_RETRY_SCHEDULE")
    if not raw:
        return DEFAULT_RETRY_SCHEDULE
    return tuple(float(x) for x in raw.split(",") if x.strip())


def delivery_timeout() -> float:
    return float(os.environ.get("KIT_WEBHOOK_TIMEOUT") or DEFAULT_TIMEOUT)


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `v1` signature: hex HMAC-SHA256 of `"{t}.{body}"` keyed with the whole `whsec_…`."""
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    # Test mode adds a v0 signature that verifiers must ignore (reference §4).
    dummy = hmac.new(b"kit-test-mode-v0", payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={sign(payload, secret, timestamp)},v0={dummy}"


def _background_default(emulator: Emulator) -> bool:
    """Background retries by default, except in deterministic mode (stored notebook outputs):
    there a retry happens when the notebook asks (`settle()`, a request, `advance_clock`)."""
    raw = os.environ.get("KIT_BACKGROUND_DELIVERIES")
    if raw is not None:
        return raw == "1"
    return emulator.ids.seed is None


class Deliveries:
    """Queue, send and log webhook deliveries for one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.receivers: dict[str, Receiver] = {}
        self.faults = FaultSettings(emulator)
        # `emulator.faults` is the documented way in; the emulator builds Deliveries in its
        # constructor, so the attribute is attached here.
        emulator.faults = self.faults  # type: ignore[attr-defined]
        self.background = _background_default(emulator)
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread_lock = threading.Lock()
        # attempts being sent right now, per thread of this process (see run_due)
        self._inflight: dict[int, int] = {}
        self._queued = threading.local()  # deliveries queued by this thread (see queued_here)
        self._inflight_changed = threading.Condition()

    # queueing ---------------------------------------------------------------------------
    def queue(self, ctx: Context, event: dict[str, Any]) -> int:
        """One delivery per matching endpoint (inside the emitting request's transaction)."""
        from .events import endpoints_for

        endpoints = endpoints_for(ctx, event["type"])
        if not endpoints:
            return 0
        faults = self.faults.get(ctx.account)
        due = self.emulator.clock.now_float() + faults.hold_seconds
        copies = 2 if faults.duplicates else 1
        for endpoint in endpoints:
            for _ in range(copies):
                ctx.store.execute(
                    "INSERT INTO deliveries(account, event_id, endpoint_id, due_at)"
                    " VALUES (?,?,?,?)",
                    (ctx.account, event["id"], endpoint["id"], due),
                )
        self._queued.count = self.queued_here() + 1
        return len(endpoints)

    def queued_here(self) -> int:
        """How many times this thread has queued deliveries: a request compares the count
        before and after itself to know whether it has any to send."""
        return getattr(self._queued, "count", 0)

    # sending ----------------------------------------------------------------------------
    def _claim(self, me: int) -> list[Any]:
        store = self.emulator.store
        now = self.emulator.clock.now_float()
        lease = now + delivery_timeout() + 30  # a crashed sender's claim expires
        with store.transaction():
            rows = store.execute(
                "SELECT d.*, o.data AS endpoint FROM deliveries d LEFT JOIN objects o"
                " ON o.account = d.account AND o.id = d.endpoint_id"
                " WHERE d.state IN ('pending', 'sending') AND d.due_at <= ?"
                " ORDER BY d.due_at, d.id",
                (now,),
            ).fetchall()
            claimed = []
            for row in rows:
                if not self._sendable_here(row["endpoint"]):
                    continue  # registered in another process: that one delivers it
                store.execute("UPDATE deliveries SET state='sending', due_at=? WHERE id=?",
                              (lease, row["id"]))
                claimed.append(row)
            self._track(me, len(claimed))  # before the claim is visible to other threads
        return self._order(claimed)

    def _sendable_here(self, endpoint: str | None) -> bool:
        """False only for an in-process receiver registered in another process."""
        url = _endpoint_url(endpoint)
        return not (url.startswith(INPROCESS) and url not in self.receivers)

    def _order(self, rows: list[Any]) -> list[Any]:
        shuffled = {row["account"] for row in rows if self.faults.get(row["account"]).shuffle}
        if not shuffled:
            return rows
        mixed = [r for r in rows if r["account"] in shuffled]
        self.faults.rng.shuffle(mixed)
        mixed_iter = iter(mixed)
        return [next(mixed_iter) if r["account"] in shuffled else r for r in rows]

    def run_due(self) -> int:
        """Send every delivery that is due; returns how many attempts were made.

        If another thread of this process (the background one) is sending an attempt that
        was due, this waits for it to finish, so that after `run_due()` (and so after every
        API request or `advance_clock`) everything that was due has really been attempted.

        It never raises: it runs after every API request, whose answer is already decided (a
        failure here, like a locked database, waits for the next call to run it again).
        """
        try:
            return self._run_due()
        except sqlite3.ProgrammingError:  # the database was closed under us (shutdown)
            return 0
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return 0

    def _run_due(self) -> int:
        attempts = 0
        me = threading.get_ident()
        try:
            rows = self._claim(me)
            done = 0
            try:
                for row in rows:
                    try:
                        self._attempt_guarded(row)
                        attempts += 1
                    finally:
                        done += 1
                        self._track(me, -1)
            finally:
                self._track(me, -(len(rows) - done))
        except sqlite3.ProgrammingError:  # the database was closed under us (shutdown)
            return attempts
        self._wait_for_others(me)
        if self.background and self._thread is None and self.next_due() is not None:
            self.start_background()
        self._wake.set()
        return attempts

    def _track(self, thread: int, change: int) -> None:
        if not change:
            return
        with self._inflight_changed:
            count = self._inflight.get(thread, 0) + change
            if count > 0:
                self._inflight[thread] = count
            else:
                self._inflight.pop(thread, None)
            self._inflight_changed.notify_all()

    def _wait_for_others(self, me: int) -> None:
        """Wait while other threads send attempts, unless this thread is itself mid-attempt
        (a receiver calling the API): a thread with nothing in flight never blocks another."""
        deadline = time.monotonic() + delivery_timeout() + 1
        with self._inflight_changed:
            if self._inflight.get(me):
                return
            while any(t != me for t in self._inflight):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._inflight_changed.wait(left)

    def _attempt_guarded(self, row: Any) -> None:
        """One attempt; whatever goes wrong in it is that delivery's failed attempt.

        This is the delivery boundary: `run_due` runs after every API request, so an error
        escaping from here would turn the request that emitted the event (already committed)
        into a 500. The attempt is logged as failed with the reason and retried on schedule.
        """
        try:
            self._attempt(row)
        except sqlite3.ProgrammingError:
            raise  # the database was closed under us: run_due stops
        except Exception as exc:  # a bug in rendering or signing: a failed attempt, logged
            traceback.print_exc(file=sys.stderr)
            reason = f"the emulator could not send this delivery: {type(exc).__name__}: {exc}"
            try:
                self._record(row, None, reason[:200], 0.0,
                             self.emulator.clock.signing_time(row["account"]))
            except sqlite3.ProgrammingError:
                raise
            except Exception:  # not even logged: the claim expires and the attempt is retried
                traceback.print_exc(file=sys.stderr)

    def _attempt(self, row: Any) -> None:
        store = self.emulator.store
        endpoint = _endpoint(row["endpoint"])
        event = store.get(row["account"], row["event_id"], "event")
        if event is None or endpoint is None or endpoint.get("status") != "enabled":
            # A disabled or deleted endpoint stops further retries (reference §4).
            store.execute("UPDATE deliveries SET state='abandoned' WHERE id=?", (row["id"],))
            return
        faults = self.faults.get(row["account"])
        from .versions import render_event  # the endpoint's api_version, if it has one

        payload = json.dumps(render_event(event, endpoint.get("api_version")), indent=2).encode()
        timestamp = self.emulator.clock.signing_time(row["account"])
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, str(endpoint.get("secret")), timestamp),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        started = time.perf_counter()
        status, excerpt = self._send(_endpoint_url(row["endpoint"]), payload, headers)
        duration_ms = (time.perf_counter() - started) * 1000
        if row["attempt"] == 0 and faults.fail_first_attempt and status is not None:
            excerpt = LOST_ANSWER.format(status=status)
            status = None
        self._record(row, status, excerpt, duration_ms, timestamp)

    def _record(self, row: Any, status: int | None, excerpt: str, duration_ms: float,
                timestamp: int) -> None:
        """Log one attempt; schedule the retry (or end the delivery)."""
        store = self.emulator.store
        attempt = row["attempt"] + 1
        ok = status is not None and 200 <= status < 300
        schedule = retry_schedule()
        with store.transaction():
            store.execute(
                "INSERT INTO delivery_attempts(delivery_id, account, event_id, endpoint_id,"
                " attempt, at, status, ok, duration_ms, excerpt) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (row["id"], row["account"], row["event_id"], row["endpoint_id"], attempt,
                 timestamp, status, int(ok), duration_ms, excerpt),
            )
            if ok or attempt > len(schedule):
                state, due = ("succeeded" if ok else "failed"), row["due_at"]
            else:
                state = "pending"
                due = self.emulator.clock.now_float() + schedule[attempt - 1]
            store.execute(
                "UPDATE deliveries SET state=?, attempt=?, due_at=?, last_status=?,"
                " last_excerpt=?, last_duration_ms=? WHERE id=?",
                (state, attempt, due, status, excerpt, duration_ms, row["id"]),
            )
            self._count_pending(row["account"], row["event_id"])

    def _count_pending(self, account: str, event_id: str) -> None:
        """`pending_webhooks`: endpoints this event has not yet been delivered to with a 2xx."""
        store = self.emulator.store
        pending = store.execute(
            "SELECT COUNT(DISTINCT endpoint_id) FROM deliveries WHERE account=? AND event_id=?"
            " AND endpoint_id NOT IN (SELECT endpoint_id FROM deliveries WHERE account=? AND"
            " event_id=? AND state='succeeded')", (account, event_id, account, event_id),
        ).fetchone()[0]
        event = store.get(account, event_id, "event")
        if event is not None and event["pending_webhooks"] != pending:
            event["pending_webhooks"] = pending
            store.put(account, event)

    def _send(self, url: str, payload: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
        if url.startswith(INPROCESS):
            try:
                answer = self.receivers[url](payload, dict(headers))
            except Exception as exc:  # the receiver's bug is the receiver's failed delivery
                return None, f"{type(exc).__name__}: {exc}"[:200]
            if isinstance(answer, tuple):
                return int(answer[0]), str(answer[1])[:200]
            return int(answer or 200), ""
        try:
            request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=delivery_timeout()) as response:
                return response.status, response.read(200).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(200).decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
            reason = getattr(exc, "reason", exc)
            return None, f"{type(reason).__name__}: {reason}"[:200]
        except Exception as exc:  # an unusable URL (InvalidURL, ValueError, UnicodeError…)
            return None, f"cannot send to this URL: {type(exc).__name__}: {exc}"[:200]

    # waiting ----------------------------------------------------------------------------
    def next_due(self, endpoint_id: str | None = None) -> float | None:
        """When the next pending delivery (this process can send) is due, or None."""
        sql = ("SELECT d.due_at, o.data AS endpoint FROM deliveries d LEFT JOIN objects o"
               " ON o.account = d.account AND o.id = d.endpoint_id"
               " WHERE d.state = 'pending'")
        args: tuple = ()
        if endpoint_id:
            sql += " AND d.endpoint_id=?"
            args = (endpoint_id,)
        due = None
        for row in self.emulator.store.execute(sql + " ORDER BY d.due_at", args).fetchall():
            if not self._sendable_here(row["endpoint"]):
                continue
            due = row["due_at"]
            break
        return due

    def settle(self, endpoint_id: str | None = None, *, fast_forward: bool = True,
               timeout: float = 120.0) -> int:
        """Deliver until nothing is pending (for one endpoint, or all); returns attempts made.

        Timers count as pending too (a bank debit that will settle, and then emit events). With
        `fast_forward` the emulator's clock jumps to each next retry or timer instead of waiting
        for it (what a lesson wants); without it, this waits in real time.
        """
        deadline = time.monotonic() + timeout
        attempts = 0
        account = self._account_of(endpoint_id)  # whose clock moves (None: every account's)
        while True:
            attempts += self._tick()
            due = self._earliest(self.next_due(endpoint_id), self._next_timer(account))
            if time.monotonic() > deadline:
                raise TimeoutError(f"Deliveries still pending after {timeout:.0f} s.")
            if self._sending(endpoint_id):  # another thread is mid-attempt: let it finish
                time.sleep(0.02)
                continue
            if due is None:
                return attempts
            wait = due - self.emulator.clock.now_float()
            if wait <= 0:
                continue
            if fast_forward:
                self.emulator.clock.advance(wait + BATCH_WINDOW, account)
            else:
                time.sleep(min(wait, 0.5))

    @staticmethod
    def _earliest(*times: float | None) -> float | None:
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def _account_of(self, endpoint_id: str | None) -> str | None:
        """The account an endpoint belongs to (settling it moves that account's clock only)."""
        if not endpoint_id:
            return None
        row = self.emulator.store.execute(
            "SELECT account FROM objects WHERE id=? LIMIT 1", (endpoint_id,)).fetchone()
        return row[0] if row else None

    def _next_timer(self, account: str | None = None) -> float | None:
        """When the emulator's next timer fires (a bank debit settling, say), if it has any."""
        sql, args = "SELECT MIN(due_at) FROM timers", ()
        if account:
            sql, args = sql + " WHERE account=?", (account,)
        try:
            row = self.emulator.store.execute(sql, args).fetchone()
        except sqlite3.OperationalError:  # an emulator without timers
            return None
        return row[0]

    def _sending(self, endpoint_id: str | None) -> int:
        sql = "SELECT COUNT(*) FROM deliveries WHERE state='sending' AND due_at > ?"
        args: tuple = (self.emulator.clock.now_float(),)
        if endpoint_id:
            sql += " AND endpoint_id=?"
            args += (endpoint_id,)
        return self.emulator.store.execute(sql, args).fetchone()[0]

    def _tick(self) -> int:
        tick = getattr(self.emulator, "tick", None)
        if tick is None:
            return self.run_due()
        before = self._attempt_count()
        tick()
        return self._attempt_count() - before

    def _attempt_count(self) -> int:
        return self.emulator.store.execute("SELECT COUNT(*) FROM delivery_attempts").fetchone()[0]

    # the background thread --------------------------------------------------------------
    def start_background(self) -> None:
        """Send retries on time without anyone calling `run_due` (a daemon thread)."""
        with self._thread_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="kit-webhook-deliveries",
                                            daemon=True)
            self._thread.start()

    def stop_background(self, timeout: float = 5.0) -> None:
        """Stop the background thread (it also stops by itself when nothing is pending)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self) -> None:
        idle_since = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    due = self.next_due()
                    if due is not None and due <= self.emulator.clock.now_float():
                        self.run_due()
                        idle_since = time.monotonic()
                        continue
                except sqlite3.ProgrammingError:
                    return  # database closed
                if due is None and time.monotonic() - idle_since > 30:
                    return  # nothing left to retry: the next run_due starts a new thread
                wait = 0.5 if due is None else due - self.emulator.clock.now_float()
                self._wake.clear()
                self._wake.wait(max(0.01, min(wait, 0.5)))
        finally:
            with self._thread_lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    # the log ----------------------------------------------------------------------------
    def log(self, account: str, event_id: str | None = None,
            endpoint_id: str | None = None) -> list[dict[str, Any]]:
        """Every attempt, oldest first: the delivery log a notebook shows.

        Each row: delivery (id of the delivery, shared by its retries), event_id,
        endpoint_id, attempt (1 = first try), at (unix time), status (HTTP status, None for
        an error or timeout), ok, duration_ms, excerpt (the start of the answer or the error).
        """
        sql = ("SELECT delivery_id AS delivery, event_id, endpoint_id, attempt, at, status, ok,"
               " duration_ms, excerpt FROM delivery_attempts WHERE account=?")
        args: list[Any] = [account]
        if event_id:
            sql += " AND event_id=?"
            args.append(event_id)
        if endpoint_id:
            sql += " AND endpoint_id=?"
            args.append(endpoint_id)
        rows = self.emulator.store.execute(sql + " ORDER BY id", tuple(args)).fetchall()
        return [dict(r) for r in rows]

    def pending(self, account: str, endpoint_id: str | None = None) -> list[dict[str, Any]]:
        """Deliveries still waiting for a (re)try, with when they are due."""
        sql = ("SELECT id AS delivery, event_id, endpoint_id, attempt, due_at FROM deliveries"
               " WHERE account=? AND state IN ('pending', 'sending')")
        args: list[Any] = [account]
        if endpoint_id:
            sql += " AND endpoint_id=?"
            args.append(endpoint_id)
        return [dict(r) for r in self.emulator.store.execute(sql + " ORDER BY due_at, id",
                                                            tuple(args)).fetchall()]


def _endpoint(data: str | None) -> dict[str, Any] | None:
    """The stored endpoint, or None if it is gone (or not an object at all)."""
    if data is None:
        return None
    try:
        endpoint = json.loads(data)
    except ValueError:
        return None
    return endpoint if isinstance(endpoint, dict) else None


def _endpoint_url(data: str | None) -> str:
    """The stored endpoint's URL, whatever an older version (or a hand edit) wrote there."""
    url = (_endpoint(data) or {}).get("url")
    return url if isinstance(url, str) else ""


def redeliver(emulator: Emulator, account: str, event_id: str, endpoint_id: str) -> int:
    """Send an event to an endpoint again (like "Resend" in the Dashboard); returns attempts."""
    emulator.store.execute(
        "INSERT INTO deliveries(account, event_id, endpoint_id, due_at) VALUES (?,?,?,?)",
        (account, event_id, endpoint_id, emulator.clock.now_float()))
    return emulator.run_deliveries()


__all__ = ["DEFAULT_RETRY_SCHEDULE", "Deliveries", "Faults", "redeliver", "retry_schedule",
           "sign", "signature_header"]
