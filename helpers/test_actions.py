"""What a customer (or time) does in test mode, done from a notebook.

3-D Secure challenges and bank redirects need a person to click "Complete" or "Fail"; bank
debits need time to settle. On the emulator both are one call (its clock can move). In Stripe
test mode neither can be done from Python (Stripe has no API for the kit's test helpers), so
these helpers never call one there: they say in one line what happens instead and return the
PaymentIntent as it is, so a notebook runs top to bottom in both modes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import stripe

from .backend import current, publishable_client
from .emulator import get_emulator
from .stripejs import intent_id

FINAL = ("succeeded", "requires_payment_method", "canceled", "requires_capture")
OUTCOMES = ("complete", "fail")
EMULATOR_SETTLE_SECONDS = 300  # emulator clock seconds moved at most (nothing waits)
TEST_MODE_SETTLE_SECONDS = 60.0  # real seconds of polling in Stripe test mode
POLL_SECONDS = 2.0


def _page_link(url: str | None) -> str:
    """Where the test page is, without its query (which carries the client secret)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f" ({parts.scheme}://{parts.netloc}{parts.path}{'?…' if parts.query else ''})"


def complete_authentication(client_secret: str, outcome: str = "complete"
                            ) -> stripe.PaymentIntent:
    """Answer a 3-D Secure challenge or a test bank page: `complete` or `fail`.

    On the emulator this presses the button and returns the updated PaymentIntent. In Stripe
    test mode a person presses it in a browser: this prints what to do (open
    `next_action.redirect_to_url.url`) and returns the PaymentIntent unchanged, read with the
    secret key; run the next cell once the page has been answered.
    """
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be 'complete' or 'fail'")
    pi_id = intent_id(client_secret)
    if current().mode != "emulator":
        intent = stripe.PaymentIntent.retrieve(pi_id)
        if intent.status != "requires_action":
            print(f"Stripe test mode: {pi_id} is {intent.status}, so there is no test page to"
                  " answer.")
            return intent
        redirect = getattr(intent.next_action, "redirect_to_url", None)
        url = getattr(redirect, "url", None)
        verb = "completes" if outcome == "complete" else "fails"
        if url:
            print(f"Stripe test mode: open {pi_id}'s next_action.redirect_to_url.url"
                  f"{_page_link(url)} in a browser, press the button that {verb} the test on"
                  " Stripe's page, then run the next cell.")
        else:  # e.g. use_stripe_sdk: confirmed without a return_url, Stripe.js shows the page
            print(f"Stripe test mode: {pi_id} waits for the customer (next_action"
                  f" {intent.next_action.type}); in a browser Stripe.js shows the test page, where"
                  f" the button that {verb} the test is pressed; then run the next cell.")
        return intent
    client = publishable_client()
    raw = client.raw_request(
        "post", f"/v1/test_helpers/kit/payment_intents/{pi_id}/authenticate",
        client_secret=client_secret, outcome=outcome)
    return client.deserialize(raw, api_mode="V1")


def wait_until_settled(payment_intent: str | Any, timeout: float | None = None,
                       final: Iterable[str] = FINAL) -> stripe.PaymentIntent:
    """Wait until a processing payment settles, and return it.

    On the emulator nothing waits: its clock moves forward (at most `timeout` clock seconds,
    default 300) until the payment settles. In Stripe test mode this polls the API every 2 s
    for `timeout` real seconds (default 60); a payment still processing then is returned as
    it is, with one line saying so, because Stripe settles bank debits on its own schedule.
    """
    pi_id = payment_intent if isinstance(payment_intent, str) else payment_intent.id
    final = tuple(final)
    intent = stripe.PaymentIntent.retrieve(pi_id)
    if current().mode == "emulator":
        limit = EMULATOR_SETTLE_SECONDS if timeout is None else timeout
        emulator = get_emulator()
        account = emulator.account_of(current().secret_key)  # only this notebook's clock moves
        moved = 0
        while intent.status not in final and moved < limit:
            emulator.advance_clock(5, account=account)
            moved += 5
            intent = stripe.PaymentIntent.retrieve(pi_id)
        return intent
    limit = TEST_MODE_SETTLE_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + limit
    while intent.status not in final and time.monotonic() < deadline:
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        intent = stripe.PaymentIntent.retrieve(pi_id)
    if intent.status not in final:
        print(f"Stripe test mode: {pi_id} is still {intent.status} after {limit:.0f} s; Stripe"
              " settles it on its own schedule. Run this cell again later, or let your webhook"
              " handler hear payment_intent.succeeded / payment_intent.payment_failed.")
    return intent
