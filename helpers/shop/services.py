"""What the routes use, built once per app by `create_app` (kept in `app.extensions["shop"]`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe

from ..fulfilment import OrderBook
from .accounts import Accounts
from .catch_up import CatchUp, catch_up
from .db import Database
from .orders import Orders

log = logging.getLogger("helpers.shop")


@dataclass
class Services:
    stripe: stripe.StripeClient  # holds the secret key: server side only
    publishable_key: str
    webhook_secret: str
    stripe_js_url: str
    mode: str  # "emulator" or "stripe" (test mode): shown on the pages
    accounts: Accounts
    orders: Orders
    book: OrderBook  # fulfilment: orders paid, e-mails to send, exactly once
    database: Database  # the shop's own tables (the catch-up's watermark among them)

    def fulfil(self) -> None:
        """Handle every accepted event (the slow part, after the 2xx has gone)."""
        try:
            for event_id, outcome in self.book.process_inbox():
                log.info("%s: %s", event_id, outcome)
        except Exception:  # the events stay in the inbox: the next delivery or restart retries
            log.exception("fulfilment stopped; the inbox keeps what is left")

    def catch_up(self) -> CatchUp:
        """Fetch the events missed while no delivery reached the shop (from the Events API,
        since the last catch-up: see `catch_up`), then fulfil them. Safe to run any time, as
        often as you like; raises stripe.StripeError if Stripe cannot be reached."""
        done = catch_up(self.stripe, self.database, self.book)
        if done.accepted:
            log.info("caught up on %d missed event(s)", len(done.accepted))
        self.fulfil()
        return done
