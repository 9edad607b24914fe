"""What a customer (or time) does in test mode, done from a notebook.

3-D Secure challenges and bank redirects need a person to click "Complete" or "Fail"; bank
debits need time to settle. On the emulator both are one call (its clock can move); in Stripe
test mode they happen in a browser and in real time, so these helpers say what to do instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import stripe

from .backend import current, publishable_client
from .emulator import get_emulator
from .stripejs import intent_id

FINAL = ("succeeded", "requires_payment_method", "canceled", "requires_capture")


def complete_authentication(client_secret: str, outcome: str = "complete") -> stripe.PaymentIntent:
    """Answer a 3-D Secure challenge or a test bank page: `complete` or `fail`.

    Emulator only: in Stripe test mode, open `next_action.redirect_to_url.url` in a browser
    and press the button there.
    """
    if outcome not in ("complete", "fail"):
        raise ValueError("outcome must be 'complete' or 'fail'")
    if current().mode != "emulator":
        raise RuntimeError("In Stripe test mode the customer answers the challenge in a browser:"
                           " open the PaymentIntent's next_action.redirect_to_url.url and press"
                           " the button there.")
    client = publishable_client()
    raw = client.raw_request(
        "post", f"/v1/test_helpers/kit/payment_intents/{intent_id(client_secret)}/authenticate",
        client_secret=client_secret, outcome=outcome)
    return client.deserialize(raw, api_mode="V1")


def wait_until_settled(payment_intent: str, timeout: float = 300,
                       final: Iterable[str] = FINAL) -> stripe.PaymentIntent:
    """Wait until a processing payment settles, and return it.

    On the emulator nothing waits: its clock moves forward until the payment settles. In
    Stripe test mode this polls the API until the status changes (or `timeout` seconds pass).
    """
    final = tuple(final)
    intent = stripe.PaymentIntent.retrieve(payment_intent)
    if current().mode == "emulator":
        emulator = get_emulator()
        moved = 0
        while intent.status not in final and moved < timeout:
            emulator.advance_clock(5)
            moved += 5
            intent = stripe.PaymentIntent.retrieve(payment_intent)
        return intent
    deadline = time.monotonic() + timeout
    while intent.status not in final and time.monotonic() < deadline:
        time.sleep(2)
        intent = stripe.PaymentIntent.retrieve(payment_intent)
    return intent
