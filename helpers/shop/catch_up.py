"""Catching up on missed events: what Stripe recommends when webhook deliveries did not arrive.

Stripe retries a failed delivery for up to three days live, three times over a few hours in
test mode, and the kit's emulator compresses those retries to about 17 s. A shop down for
longer never receives the events of the payments made meanwhile, however long it keeps its
endpoint. So at each start (and whenever you call it) the shop lists the events it handles from
the Events API and feeds each one through the same accept-once path as `POST /webhook`: see
"Process undelivered webhook events", https://docs.stripe.com/webhooks/process-undelivered-events

- No signature to check: these events come from the API itself, fetched with the secret key
  over TLS, so they are as authentic as a signed delivery (a signature protects a request that
  *someone else* sends to your URL; here the shop asked Stripe).
- Not filtered with `delivery_success=false` (events still pending, or failed, at some webhook
  endpoint), although that guide uses it: with `stripe listen` forwarding (how test mode reaches
  a shop on your computer) no webhook endpoint delivers to the shop, so Stripe's delivery status
  says nothing about what the shop received. An event the shop already has costs one duplicate
  check in `OrderBook.accept`, and the watermark keeps the list short.
- The watermark, in the shop's database: the newest `created` seen by the last catch-up (the
  API's own clock). The next one lists from there minus MARGIN (events of the same moment, a
  list that is a little behind); never from later than this machine's clock minus MARGIN (a
  clock moved forward, or an emulator database replaced); the very first one, FIRST_WINDOW back
  (Stripe keeps events for 30 days). Events accepted by `/webhook` do not move it: one whose
  delivery failed while a later one succeeded would be skipped.
- Idempotent: `OrderBook.accept` stores an event id once and the fulfilment handles it once, so
  running it twice, or while Stripe's own retries arrive, fulfils nothing twice. (Stripe keeps
  retrying an event it could not deliver even after the shop has caught up on it: `/webhook`
  answers those duplicates with a 2xx, which stops them.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import stripe

from ..fulfilment import OrderBook
from .db import Database
from .webhook_endpoint import EVENTS

FIRST_WINDOW = 3 * 24 * 3600  # seconds back, the first time: Stripe's live retry period
MARGIN = 300  # seconds: events created in the same moment, and clocks a little apart


@dataclass(frozen=True)
class CatchUp:
    """What one catch-up did: `since` (the `created[gte]` listed from), `listed` (events the
    API returned), `accepted` (ids new to the shop, now in its inbox to fulfil)."""

    since: int
    listed: int
    accepted: tuple[str, ...]


def watermark(db: Database) -> int | None:
    """The newest event `created` the last catch-up saw, or None before the first one."""
    rows = db.run("SELECT created FROM event_watermark")
    return rows[0][0] if rows else None


def catch_up(client: stripe.StripeClient, db: Database, book: OrderBook, *,
             now: float | None = None) -> CatchUp:
    """List the handled event types created since the watermark, oldest first, and
    `book.accept` each one (the caller fulfils the inbox after). Raises stripe.StripeError if
    Stripe cannot be reached: nothing is lost, the watermark stays where it was."""
    now = time.time() if now is None else now
    mark = watermark(db)
    since = int(min(now, mark if mark is not None else now - FIRST_WINDOW) - MARGIN)
    listed = list(client.v1.events.list(
        {"types": EVENTS, "created": {"gte": since}, "limit": 100}).auto_paging_iter())
    # Newest first from the API; handled oldest first, as the deliveries would have come.
    listed.reverse()
    listed.sort(key=lambda event: event.created)
    accepted = tuple(event.id for event in listed if book.accept(event))
    newest = max((event.created for event in listed), default=None)
    if newest is not None and (mark is None or newest > mark):
        db.run("INSERT OR REPLACE INTO event_watermark VALUES (1, ?)", (newest,))
    return CatchUp(since, len(listed), accepted)
