"""Receiving webhook events in a notebook: a listener that hands raw, signed bytes to your code.

On the emulator, a real WebhookEndpoint is created and the emulator signs and delivers every
matching event to your handler in-process (raw body + `Stripe-Signature` header), retrying when
it fails. In Stripe test mode a notebook has no public URL, so the listener polls the Events
API and **re-signs each event locally** with its own secret, then calls the same handler: your
verification code runs unchanged, but those signatures come from this kit, not from Stripe.

`trigger(event_type)` makes an event happen on the same backend (see
`helpers.emulator.triggers`), so the listener hears it in both modes.
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
TEST_MODE_POLL_SECONDS = 0.5  # Stripe's test-mode rate limit is well above 2 requests a second
QUIET_POLLS = 2  # test-mode settle(): stop after this many polls in a row find nothing new
TEST_MODE_PROCESSING_SECONDS = 60.0  # test-mode settle(): how long to wait for bank debits
_names = itertools.count(1)


@dataclass
class Received:
    """One delivery your handler got: the exact bytes and headers, and what it answered."""

    event_id: str
    type: str
    payload: bytes
    headers: dict[str, str]
    status: int | None
    answer: str = ""  # test mode: why an attempt failed (the handler's exception, a lost answer)


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
            # Like a new endpoint, hear only what happens from now on: events already listed
            # (an earlier notebook's, on the same test account) are marked as seen.
            self._since = int(time.time()) - 5
            self._seen: set[str] = {event.id for event in stripe.Event.list(
                created={"gte": self._since}, limit=100).data}
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
            except Exception as exc:  # your handler crashed: Stripe sees a 500 and retries
                self.received.append(Received(event["id"], event["type"], payload, headers,
                                              500, f"{type(exc).__name__}: {exc}"[:200]))
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

        On the emulator the clock jumps to each next retry (and to each bank debit's
        settlement) instead of waiting for it, and deliveries happen here, in this cell, so the
        output lands where you expect it. Stripe's clock cannot jump: in test mode this polls
        the Events API until it has been quiet for a moment and no payment it heard of is
        still processing, for at most `timeout` seconds (60 for payments still processing:
        Stripe settles bank debits on its own schedule). A payment still processing then is
        named in one line, and a later `settle()` or `wait_for()` delivers its outcome.
        """
        if self.backend.mode == "emulator":
            return self.emulator.deliveries.settle(self.endpoint_id, timeout=timeout)
        started = time.monotonic()
        delivered, quiet = 0, 0
        while time.monotonic() - started < timeout:
            found = self.poll()
            delivered += found
            quiet = 0 if found else quiet + 1
            if quiet >= QUIET_POLLS and (not self.processing() or time.monotonic() - started
                                         >= min(timeout, TEST_MODE_PROCESSING_SECONDS)):
                break
            time.sleep(TEST_MODE_POLL_SECONDS)
        waiting = self.processing()
        if waiting:
            print(f"Stripe test mode: {len(waiting)} payment(s) still processing after"
                  f" {time.monotonic() - started:.0f} s ({', '.join(waiting)}); Stripe settles"
                  " them on its own schedule, and a later settle() or wait_for() delivers the"
                  " outcome.")
        return delivered

    def processing(self) -> list[str]:
        """PaymentIntents whose `processing` event arrived but whose outcome has not (yet).

        Only known when this listener hears both outcomes (succeeded and payment_failed).
        """
        if not {"payment_intent.succeeded", "payment_intent.payment_failed"} <= set(self.events):
            return []
        state: dict[str, str] = {}
        for r in self.received:
            intent = json.loads(r.payload)["data"]["object"].get("id", "")
            if r.type == "payment_intent.processing":
                state.setdefault(intent, "processing")
            elif r.type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
                state[intent] = "final"
        return [intent for intent, now in state.items() if now == "processing"]

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
        """Test mode: fetch new events from Stripe and deliver them, re-signed locally.

        Returns the number of delivery attempts. A failed attempt (not 2xx, the handler
        crashed, or its answer "lost" by `fail_first_attempt`) is retried at once, freshly
        signed, up to as many times as Stripe's test mode retries (the emulator's schedule
        compressed to nothing). Until a handler is connected nothing is fetched, so no event
        is lost.
        """
        if self.backend.mode == "emulator":
            return self.emulator.run_deliveries()
        if self.handler is None:
            return 0
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
        attempts = 0
        for payload in batch:
            for attempt in range(1 + len(deliveries.retry_schedule())):
                status = self._deliver_locally(payload)
                attempts += 1
                if attempt == 0 and self._faults.fail_first_attempt:
                    lost = self.received[-1]  # it reached the handler; the answer is "lost"
                    lost.answer = deliveries.LOST_ANSWER.format(status=lost.status)
                    lost.status = None
                    continue
                if status is not None and 200 <= status < 300:
                    break
        return attempts

    def _deliver_locally(self, payload: bytes) -> int | None:
        """One signed delivery to the handler; its HTTP status, or None if it crashed."""
        stamp = int(time.time())
        header = deliveries.signature_header(payload, self.secret, stamp)
        try:
            return self._receive(payload, {"Stripe-Signature": header,
                                           "Content-Type": "application/json; charset=utf-8"})
        except Exception:  # recorded by _receive as a 500; Stripe would simply retry
            return None

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
            time.sleep(0.2 if self.backend.mode == "emulator" else TEST_MODE_POLL_SECONDS)

    def redeliver(self, event_id: str) -> Received:
        """Deliver an event again, freshly signed: what Stripe's at-least-once delivery does."""
        if self.backend.mode == "emulator":
            assert self.endpoint_id is not None
            deliveries.redeliver(self.emulator, self.account, event_id, self.endpoint_id)
        else:
            original = next((r for r in self.received if r.event_id == event_id), None)
            if original is None:
                raise ValueError(f"This listener has not received {event_id} yet, so it has"
                                 " nothing to redeliver (see listener.log()).")
            self._deliver_locally(original.payload)
        return self.received[-1]

    def log(self, event_id: str | None = None) -> Table:
        """Every delivery attempt to this notebook's endpoint, oldest first.

        (The emulator also records when each attempt was made and how long it took:
        `listener.emulator.deliveries.log(listener.account)`; they are left out here so the
        table is the same on every run.)
        """
        rows: list[tuple[Any, ...]] = []
        if self.backend.mode == "emulator":
            rows = [(a["event_id"], _type_of(self.emulator, self.account, a["event_id"]),
                     a["attempt"], a["status"] if a["status"] is not None else "no answer",
                     "yes" if a["ok"] else "no", (a["excerpt"] or "")[:70])
                    for a in self.emulator.deliveries.log(self.account, event_id=event_id,
                                                          endpoint_id=self.endpoint_id)]
        else:
            counts: dict[str, int] = {}
            for r in self.received:
                counts[r.event_id] = counts.get(r.event_id, 0) + 1
                if event_id in (None, r.event_id):
                    ok = r.status is not None and 200 <= r.status < 300
                    rows.append((r.event_id, r.type, counts[r.event_id],
                                 r.status if r.status is not None else "no answer",
                                 "yes" if ok else "no", r.answer[:70]))
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


def trigger(event_type: str) -> stripe.Event:
    """Make `event_type` happen on this notebook's backend, like `stripe trigger`; returns it.

    Real API calls (a Customer, a PaymentIntent confirmed with the test payment method that
    leads to the event), so a listener hears it on the emulator and in Stripe test mode alike.
    Supported: see `helpers.emulator.triggers.SUPPORTED`.
    """
    from .emulator.triggers import trigger as run

    return run(event_type)
