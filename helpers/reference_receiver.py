"""The kit's own webhook handler, which notebook 04's demos run on until you write yours.

It is what a `POST /webhook` route does with a delivery: verify the raw body, then hand the event
to the kit's `OrderBook` (helpers/fulfilment.py), which deduplicates by event id and never moves
a paid order back, in one SQLite transaction. Notebook 04 asks you to write the same handler
yourself (exercise 04-webhook-handler), so its code is here, not in the notebook.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import stripe

from .display import Table, plain
from .fulfilment import OrderBook

TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 s, in the past and (checked here) the future


class Receiver:
    """`receiver(payload, headers) -> HTTP status`, printing what it did with each delivery.

    `printing = False` keeps it quiet; `outcomes()` then summarises every delivery per event.
    """

    def __init__(self, secret: str, book: OrderBook, printing: bool = True) -> None:
        self.secret = secret
        self.book = book
        self.printing = printing
        self.handled: list[tuple[str, str, str, str]] = []  # event id, type, intent, outcome

    def __repr__(self) -> str:
        return f"Receiver({self.book!r}, {len(self.handled)} deliveries handled)"

    def __call__(self, payload: bytes, headers: Mapping[str, str]) -> int:
        header = headers.get("Stripe-Signature", "")
        try:
            event = stripe.Webhook.construct_event(payload, header, self.secret)
            _not_from_the_future(header)
        except ValueError:
            self._say("rejected: the body is not JSON")
            return 400
        except stripe.SignatureVerificationError as error:
            self._say(f"rejected: {error.user_message}")
            return 400
        except (AttributeError, TypeError):  # signed, but JSON that is not an object
            self._say("rejected: the body is JSON but not an event")
            return 400
        outcome = self.book.handle(event)  # dedup, fulfilment, quarantine: one transaction
        fields = plain(event) if isinstance(plain(event), dict) else {}
        obj = (fields.get("data") or {}).get("object") or {}
        intent = str(obj.get("id", "?")) if isinstance(obj, dict) else "?"
        kind = str(fields.get("type", "?"))
        self.handled.append((str(fields.get("id", "?")), kind, intent, outcome))
        self._say(f"{kind:30} {intent}: {outcome}")
        return 200

    def _say(self, line: str) -> None:
        if self.printing:
            print(line)

    def outcomes(self, payment_intents: list[str] | None = None) -> Table:
        """Per event (first delivery first): its deliveries and what each one did."""
        order: list[str] = []
        by_event: dict[str, list[tuple[str, str, str, str]]] = {}
        for item in self.handled:
            if payment_intents is not None and item[2] not in payment_intents:
                continue
            if item[0] not in by_event:
                order.append(item[0])
            by_event.setdefault(item[0], []).append(item)
        rows = []
        for event_id in order:
            items = by_event[event_id]
            rows.append((items[0][1], items[0][2], len(items), _summary([i[3] for i in items])))
        return Table(rows, ("event", "payment_intent", "deliveries", "what the handler did"),
                     "every delivery, grouped by event")


def _not_from_the_future(header: str) -> None:
    """construct_event (stripe-python 16.1) refuses old timestamps only; refuse future ones."""
    stamps = [part[2:] for part in header.split(",") if part.startswith("t=")]
    if stamps and stamps[0].isdigit() and int(stamps[0]) > time.time() + TOLERANCE:
        raise stripe.SignatureVerificationError(
            "Timestamp outside the tolerance zone (in the future)", header)


def _summary(outcomes: list[str]) -> str:
    """'fulfilled, then duplicate ×3'."""
    first, rest = outcomes[0], outcomes[1:]
    if not rest:
        return first
    kinds: dict[str, int] = {}
    for outcome in rest:
        kinds[outcome] = kinds.get(outcome, 0) + 1
    later = ", ".join(f"{kind} ×{count}" if count > 1 else kind for kind, count in kinds.items())
    return f"{first}, then {later}"


def receiver(secret: str, book: OrderBook, printing: bool = True) -> Any:
    """The kit's handler for a listener: `listener.connect(receiver(secret, book))`."""
    return Receiver(secret, book, printing)
