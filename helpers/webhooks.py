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
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import stripe

from .backend import current
from .display import Table
from .emulator import deliveries, get_emulator

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
            answer = self.handler(payload, headers)
            status = int(answer[0] if isinstance(answer, tuple) else answer or 200)
        self.received.append(Received(event["id"], event["type"], payload, headers, status))
        return status

    # Stripe test mode: poll and re-sign -------------------------------------------------
    def poll(self) -> int:
        """Test mode only: fetch new events from Stripe and deliver them (re-signed locally)."""
        if self.backend.mode == "emulator":
            return self.emulator.run_deliveries()
        count = 0
        page = stripe.Event.list(created={"gte": self._since}, limit=100)
        for event in reversed(page.data):
            if event.id in self._seen or event.type not in self.events:
                continue
            self._seen.add(event.id)
            self._deliver_locally(json.dumps(event.to_dict(), indent=2).encode())
            count += 1
        return count

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

    def log(self) -> Table:
        """Every delivery attempt to this notebook's endpoint, oldest first."""
        if self.backend.mode == "emulator":
            rows = [(a["event_id"], _type_of(self.emulator, self.account, a["event_id"]),
                     a["attempt"], a["status"] if a["status"] is not None else "error",
                     "yes" if a["ok"] else "no")
                    for a in self.emulator.deliveries.log(self.account)
                    if a["endpoint_id"] == self.endpoint_id]
        else:
            rows = [(r.event_id, r.type, 1, r.status, "yes" if r.status == 200 else "no")
                    for r in self.received]
        return Table(rows, ("event", "type", "attempt", "HTTP status", "delivered"),
                     "delivery log")

    def close(self) -> None:
        """Disable the endpoint so nothing more is queued for this notebook."""
        if self.backend.mode == "emulator" and self.endpoint_id:
            stripe.WebhookEndpoint.modify(self.endpoint_id, disabled=True)


def _type_of(emulator: Any, account: str, event_id: str) -> str:
    event = emulator.store.get(account, event_id, "event")
    return event["type"] if event else "?"


def listen(events: Sequence[str] = LESSON_EVENTS) -> Listener:
    """A webhook endpoint for this notebook (see `Listener`)."""
    return Listener(events)
