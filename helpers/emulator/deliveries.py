"""Webhook delivery: sign each attempt, send it, log it, retry failures on the emulator clock.

Stripe delivers every event at least once to every enabled endpoint whose `enabled_events`
match, signing each attempt afresh (`Stripe-Signature: t=…,v1=…`, plus a dummy `v0` in test
mode), and retries failures (three times in test mode). Endpoints are either real URLs (an HTTP
POST) or in-process receivers registered from a notebook, which still get raw bytes + headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import Context

if TYPE_CHECKING:
    from .core import Emulator

Receiver = Callable[[bytes, dict[str, str]], Any]
DEFAULT_RETRY_SCHEDULE = (2.0, 5.0, 10.0)  # seconds: test mode's "three retries", compressed
INPROCESS = "inprocess://"


def retry_schedule() -> tuple[float, ...]:
    raw = os.environ.get("KIT_WEBHOOK_RETRY_SCHEDULE")
    if not raw:
        return DEFAULT_RETRY_SCHEDULE
    return tuple(float(x) for x in raw.split(",") if x.strip())


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `v1` signature: hex HMAC-SHA256 of `"{t}.{body}"` keyed with the whole `whsec_…`."""
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    # Test mode adds a v0 signature that verifiers must ignore (reference §4).
    dummy = hmac.new(b"kit-test-mode-v0", payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={sign(payload, secret, timestamp)},v0={dummy}"


class Deliveries:
    """Queue, send and log webhook deliveries for one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.receivers: dict[str, Receiver] = {}

    def queue(self, ctx: Context, event: dict[str, Any]) -> int:
        from .events import endpoints_for

        endpoints = endpoints_for(ctx, event["type"])
        for endpoint in endpoints:
            ctx.store.execute(
                "INSERT INTO deliveries(account, event_id, endpoint_id, due_at) VALUES (?,?,?,?)",
                (ctx.account, event["id"], endpoint["id"], self.emulator.clock.now_float()),
            )
        return len(endpoints)

    def _claim(self) -> list[Any]:
        store = self.emulator.store
        with store.transaction():
            rows = store.execute(
                "SELECT d.*, o.data AS endpoint FROM deliveries d JOIN objects o"
                " ON o.account = d.account AND o.id = d.endpoint_id"
                " WHERE d.state = 'pending' AND d.due_at <= ? ORDER BY d.id",
                (self.emulator.clock.now_float(),),
            ).fetchall()
            claimed = []
            for row in rows:
                url = json.loads(row["endpoint"])["url"]
                if url.startswith(INPROCESS) and url not in self.receivers:
                    continue  # registered in another process: that one delivers it
                store.execute("UPDATE deliveries SET state='sending' WHERE id=?", (row["id"],))
                claimed.append(row)
            return claimed

    def run_due(self) -> int:
        """Send every delivery that is due; returns how many attempts were made."""
        attempts = 0
        for row in self._claim():
            self._attempt(row)
            attempts += 1
        return attempts

    def _attempt(self, row: Any) -> None:
        store = self.emulator.store
        endpoint = json.loads(row["endpoint"])
        event = store.get(row["account"], row["event_id"], "event")
        if event is None or endpoint["status"] != "enabled":
            store.execute("UPDATE deliveries SET state='abandoned' WHERE id=?", (row["id"],))
            return
        payload = json.dumps(event, indent=2).encode()
        timestamp = self.emulator.clock.now()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, endpoint["secret"], timestamp),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        started = time.perf_counter()
        status, excerpt = self._send(endpoint["url"], payload, headers)
        duration_ms = (time.perf_counter() - started) * 1000
        ok = status is not None and 200 <= status < 300
        attempt = row["attempt"] + 1
        schedule = retry_schedule()
        with store.transaction():
            store.execute(
                "INSERT INTO delivery_attempts(delivery_id, account, event_id, endpoint_id,"
                " attempt, at, status, ok, duration_ms, excerpt) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (row["id"], row["account"], row["event_id"], row["endpoint_id"], attempt,
                 timestamp, status, int(ok), duration_ms, excerpt),
            )
            if ok or attempt > len(schedule):
                state = "succeeded" if ok else "failed"
                due = row["due_at"]
                event = store.get(row["account"], row["event_id"], "event")
                if event is not None:
                    event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
                    store.put(row["account"], event)
            else:
                state = "pending"
                due = self.emulator.clock.now_float() + schedule[attempt - 1]
            store.execute(
                "UPDATE deliveries SET state=?, attempt=?, due_at=?, last_status=?,"
                " last_excerpt=?, last_duration_ms=? WHERE id=?",
                (state, attempt, due, status, excerpt, duration_ms, row["id"]),
            )

    def _send(self, url: str, payload: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
        if url.startswith(INPROCESS):
            try:
                answer = self.receivers[url](payload, dict(headers))
            except Exception as exc:  # the receiver's bug is the receiver's failed delivery
                return None, f"{type(exc).__name__}: {exc}"[:200]
            if isinstance(answer, tuple):
                return int(answer[0]), str(answer[1])[:200]
            return int(answer or 200), ""
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(200).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(200).decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"[:200]

    def log(self, account: str, event_id: str | None = None) -> list[dict[str, Any]]:
        """Every attempt, oldest first: the delivery log a notebook shows."""
        sql = ("SELECT event_id, endpoint_id, attempt, at, status, ok, duration_ms, excerpt"
               " FROM delivery_attempts WHERE account=?")
        args: list[Any] = [account]
        if event_id:
            sql += " AND event_id=?"
            args.append(event_id)
        rows = self.emulator.store.execute(sql + " ORDER BY id", tuple(args)).fetchall()
        return [dict(r) for r in rows]


def redeliver(emulator: Emulator, account: str, event_id: str, endpoint_id: str) -> int:
    """Send an event to an endpoint again (like "Resend" in the Dashboard); returns attempts."""
    emulator.store.execute(
        "INSERT INTO deliveries(account, event_id, endpoint_id, due_at) VALUES (?,?,?,?)",
        (account, event_id, endpoint_id, emulator.clock.now_float()))
    return emulator.run_deliveries()
