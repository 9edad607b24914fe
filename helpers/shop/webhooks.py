"""Verifying a webhook delivery: `stripe.Webhook.construct_event`, plus the two checks it lacks.

construct_event checks the signature (HMAC-SHA256 of the exact raw body) and refuses a
timestamp older than the tolerance (300 s), so a captured delivery cannot be replayed later.
stripe-python 16.1 does not refuse a timestamp in the *future*, though: a signature dated
tomorrow would stay replayable until then. And a body that is correctly signed but is JSON
without being an object (an array, a string) makes it fail with an AttributeError, and one
nested a few hundred levels deep with a RecursionError (json.loads, then stripe-python's
object conversion, recurse once per level). All are handled here so that the route answers a
clear 400 (the signed ones set aside in quarantine), never a 500.
"""

from __future__ import annotations

import time

import stripe

TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 seconds


class NotAnEvent(ValueError):
    """Signed, so it came from someone holding the secret, but not an event we can take."""


def signed_at(header: str) -> int | None:
    """The `t=` of a Stripe-Signature header, or None if there is none to read."""
    for part in header.split(","):
        key, _, value = part.partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def construct_event(payload: bytes, header: str, secret: str, tolerance: int = TOLERANCE,
                    now: float | None = None) -> stripe.Event:
    """The verified event; raises SignatureVerificationError, ValueError (not JSON) or
    NotAnEvent (signed JSON that is not an event object with an id). `now` is for tests; a
    tolerance of 0 turns the timestamp checks off, as in stripe-python."""
    timestamp = signed_at(header)
    now = time.time() if now is None else now
    if tolerance and timestamp is not None and timestamp > now + tolerance:  # 0: no check
        raise stripe.SignatureVerificationError(
            "Timestamp outside the tolerance zone (in the future)", header, payload)
    try:
        event = stripe.Webhook.construct_event(payload, header, secret, tolerance=tolerance)
    except (AttributeError, TypeError) as error:
        # The signature was checked first and is good; then the JSON was not an object.
        raise NotAnEvent("the signed body is JSON but not an event object") from error
    except RecursionError as error:  # signed too: the signature is checked before parsing
        raise NotAnEvent("the signed body is nested too deeply to be an event") from error
    if not isinstance(getattr(event, "id", None), str) or not event.id:
        raise NotAnEvent("the signed event has no id")
    return event
