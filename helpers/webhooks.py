"""Receiving webhook events in a notebook: a listener that hands raw, signed bytes to your code.

On the emulator, a real WebhookEndpoint is created and the emulator signs and delivers every
matching event to your handler in-process (raw body + `Stripe-Signature` header), retrying when
it fails. In Stripe test mode a notebook has no public URL, so the listener polls the Events
API and **re-signs each event locally** with its own secret, then calls the same handler: your
verification code runs unchanged, but those signatures come from this kit, not from Stripe.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import stripe

from .backend import current
from .display import Table
from .emulator import deliveries, get_emulator
from .emulator.faults import Faults

Handler = Callable[[bytes, dict[str, str]], Any]
LESSON_EVENTS = ("payment_intent.succeeded", "payment_intent.processing",
                 "payment_intent.payment_failed")
_names = itertools.count(1)


@dataclass
class Received:
    """One delivery your handler got: the exact bytes and headers, and what it answered."""

    event_id: str
    type: str
    payload: bytes
    headers: dict[str, str]
    status: int | None


class Listener:
    """Creates a webhook endpoint for this notebook and feeds its deliveries to a handler."""

    def __init__(self, events: Sequence[str] = LESSON_EVENTS) -> None:
        self.backend = current()
        self.events = list(events)
        self.handler: Handler | None = None
        self.received: list[Received] = []
        if self.backend.mode == "emulator":
            self.emulator = get_emulator()
            url = self.emulator.add_receiver(f"notebook-{os.getpid()}-{next(_names)}",
                                             self._receive)
            endpoint = stripe.WebhookEndpoint.create(url=url, enabled_events=self.events)
            self.endpoint_id: str | None = endpoint.id
            self.secret: str = endpoint.secret
            self.account = self.emulator.account_of(self.backend.secret_key)
        else:
            self.endpoint_id = None
            self.secret = "whsec_local_" + secrets.token_hex(16)
            self._since = int(time.time()) - 5
            self._seen: set[str] = set()
            self._faults = Faults()
            self._rng = random.Random(1)

    def __repr__(self) -> str:
        mode = "emulator deliveries" if self.backend.mode == "emulator" else \
            "Events API polling, re-signed locally"
        return f"Listener(events={self.events}, {mode}, handler={'set' if self.handler else None})"

    def connect(self, handler: Handler) -> Listener:
        """Send deliveries to `handler(payload: bytes, headers: dict) -> HTTP status`."""
        self.handler = handler
        if self.backend.mode == "emulator":
            self.emulator.run_deliveries()  # anything that waited for a handler
        return self

    def _receive(self, payload: bytes, headers: dict[str, str]) -> int:
        event = json.loads(payload)
        if self.handler is None:
            status = 503  # no handler yet: the delivery fails and is retried, as on Stripe
        else:
            try:
                answer = self.handler(payload, headers)
            except Exception:  # your handler crashed: Stripe sees a 500 and retries
                self.received.append(Received(event["id"], event["type"], payload, headers,
                                              500))
                raise
            status = int(answer[0] if isinstance(answer, tuple) else answer or 200)
        self.received.append(Received(event["id"], event["type"], payload, headers, status))
        return status

    # the awkward parts of delivery ------------------------------------------------------
    def faults(self, duplicates: bool = False, shuffle: bool = False, delay_seconds: float = 0,
               fail_first_attempt: bool = False) -> Faults:
        """Make delivery awkward for this notebook's account (all off by default).

        duplicates: each event twice; shuffle: out of order; delay_seconds: first attempts wait;
        fail_first_attempt: the first attempt reaches your handler but counts as failed (its
        answer is "lost"), so it is retried. See helpers/emulator/faults.py.
        """
        if self.backend.mode == "emulator":
            return self.emulator.faults.set(
                account=self.account, duplicates=duplicates, shuffle=shuffle,
                delay_seconds=delay_seconds, fail_first_attempt=fail_first_attempt)
        # test mode: the same faults applied by the local re-signing loop (delay is ignored)
        self._faults = Faults(duplicates, shuffle, float(delay_seconds), fail_first_attempt)
        return self._faults

    def settle(self, timeout: float = 120.0) -> int:
        """Deliver everything still pending for this endpoint, retries included.

        On the emulator the clock jumps to each next retry instead of waiting for it, and
        deliveries happen here, in this cell, so the output lands where you expect it.
        """
        if self.backend.mode == "emulator":
            return self.emulator.deliveries.settle(self.endpoint_id, timeout=timeout)
        return self.poll()

    def pending(self) -> Table:
        """Deliveries waiting for their next attempt."""
        rows = []
        if self.backend.mode == "emulator":
            rows = [(p["event_id"], _type_of(self.emulator, self.account, p["event_id"]),
                     p["attempt"] + 1)
                    for p in self.emulator.deliveries.pending(self.account, self.endpoint_id)]
        return Table(rows, ("event", "type", "next attempt"), "waiting to be delivered")

    # Stripe test mode: poll and re-sign -------------------------------------------------
    def poll(self) -> int:
        """Test mode only: fetch new events from Stripe and deliver them (re-signed locally)."""
        if self.backend.mode == "emulator":
            return self.emulator.run_deliveries()
        batch = []
        page = stripe.Event.list(created={"gte": self._since}, limit=100)
        for event in reversed(page.data):
            if event.id in self._seen or event.type not in self.events:
                continue
            self._seen.add(event.id)
            payload = json.dumps(event.to_dict(), indent=2).encode()
            batch += [payload] * (2 if self._faults.duplicates else 1)
        if self._faults.shuffle:
            self._rng.shuffle(batch)
        for payload in batch:
            status = self._deliver_locally(payload)
            if self._faults.fail_first_attempt or not 200 <= status < 300:
                self._deliver_locally(payload)  # one retry, freshly signed
        return len(batch)

    def _deliver_locally(self, payload: bytes) -> int:
        stamp = int(time.time())
        header = deliveries.signature_header(payload, self.secret, stamp)
        return self._receive(payload, {"Stripe-Signature": header,
                                       "Content-Type": "application/json; charset=utf-8"})

    # looking at what happened -----------------------------------------------------------
    def wait_for(self, event_type: str, payment_intent: str | None = None,
                 timeout: float = 15.0) -> Received:
        """The first delivery of `event_type` (for that PaymentIntent), waiting if needed."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.received:
                obj = json.loads(item.payload)["data"]["object"]
                if item.type == event_type and payment_intent in (None, obj.get("id")):
                    return item
            if time.monotonic() > deadline:
                raise TimeoutError(f"No {event_type} delivery arrived within {timeout:.0f} s."
                                   " Is the handler connected (listener.connect(...))?")
            self.poll()
            time.sleep(0.2)

    def redeliver(self, event_id: str) -> Received:
        """Deliver an event again, freshly signed: what Stripe's at-least-once delivery does."""
        if self.backend.mode == "emulator":
            assert self.endpoint_id is not None
            deliveries.redeliver(self.emulator, self.account, event_id, self.endpoint_id)
        else:
            original = next(r for r in self.received if r.event_id == event_id)
            self._deliver_locally(original.payload)
        return self.received[-1]

    def log(self, event_id: str | None = None) -> Table:
        """Every delivery attempt to this notebook's endpoint, oldest first.

        (The emulator also records when each attempt was made and how long it took:
        `listener.emulator.deliveries.log(listener.account)`; they are left out here so the
        table is the same on every run.)
        """
        if self.backend.mode == "emulator":
            rows = [(a["event_id"], _type_of(self.emulator, self.account, a["event_id"]),
                     a["attempt"], a["status"] if a["status"] is not None else "no answer",
                     "yes" if a["ok"] else "no", (a["excerpt"] or "")[:70])
                    for a in self.emulator.deliveries.log(self.account, event_id=event_id,
                                                          endpoint_id=self.endpoint_id)]
        else:
            rows = [(r.event_id, r.type, 1, r.status, "yes" if r.status == 200 else "no", "")
                    for r in self.received if event_id in (None, r.event_id)]
        return Table(rows, ("event", "type", "attempt", "HTTP status", "delivered", "answer"),
                     "delivery log")

    def timeline(self, payment_intent: str) -> Any:
        """A picture of one payment: its events, and each delivery attempt to this endpoint."""
        from .timeline import Timeline, for_payment

        if self.backend.mode == "emulator":
            return for_payment(self.emulator, self.account, payment_intent, self.endpoint_id)
        events, attempts = [], []
        for r in self.received:
            obj = json.loads(r.payload)["data"]["object"]
            if payment_intent not in (obj.get("id"), obj.get("payment_intent")):
                continue
            if all(e["id"] != r.event_id for e in events):
                events.append({"id": r.event_id, "type": r.type})
            attempt = sum(1 for a in attempts if a["event_id"] == r.event_id) + 1
            attempts.append({"event_id": r.event_id, "attempt": attempt, "status": r.status,
                             "ok": r.status is not None and 200 <= r.status < 300})
        return Timeline(events, attempts, f"PaymentIntent {payment_intent}")

    def close(self) -> None:
        """Disable the endpoint so nothing more is queued for this notebook."""
        if self.backend.mode == "emulator" and self.endpoint_id:
            stripe.WebhookEndpoint.modify(self.endpoint_id, disabled=True)
            self.emulator.faults.clear(self.account)


def _type_of(emulator: Any, account: str, event_id: str) -> str:
    event = emulator.store.get(account, event_id, "event")
    return event["type"] if event else "?"


def listen(events: Sequence[str] = LESSON_EVENTS) -> Listener:
    """A webhook endpoint for this notebook (see `Listener`)."""
    return Listener(events)
