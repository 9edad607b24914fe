"""Lesson 04's exercise: write the webhook handler (`POST /webhook`) yourself.

The checker plays Stripe. It makes real PaymentIntents through the API (emulator or Stripe test
mode alike), wraps them in events, signs each body the way Stripe does
(`stripe.WebhookSignature.generate_signature_header`: HMAC-SHA256 with a fresh secret) and
calls your `handle_webhook(payload, sig_header, secret, orders)` with genuine, repeated,
out-of-order, forged, tampered, re-serialised, stale, future-dated and non-JSON deliveries. It
reads the outcome from the `helpers.orders.Orders` store it passed you. Each scenario gets its
own store, so a hint names one mistake.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe

from ..orders import Orders
from .core import Run, Stop, Verdict, describe_error, exercise, run

EXERCISE = "04-webhook-handler"
RETURN_URL = "https://example.com/order/complete"
STALE_SECONDS = 600  # a recorded delivery replayed ten minutes later
FUTURE_SECONDS = 3600  # a signature dated an hour ahead
ACH_MANDATE = {"customer_acceptance": {"type": "offline"}}


@dataclass
class Intents:
    """Real PaymentIntents, as the event payloads carry them (plain dicts)."""

    paid: dict[str, Any]  # a card payment that succeeded
    declined: dict[str, Any]  # a card payment declined, before its retry
    retried: dict[str, Any]  # the same PaymentIntent, paid by a second card
    debit: dict[str, Any]  # a US bank debit in `processing`
    debit_settled: dict[str, Any]  # that debit once it settles (the same object, succeeded)
    opened: dict[str, Any]  # just created: nothing paid yet


@dataclass
class Delivery:
    body: bytes
    header: str
    label: str


class Stripe:
    """Signs events with one endpoint secret, as Stripe signs each delivery attempt afresh."""

    def __init__(self) -> None:
        self.secret = "whsec_" + secrets.token_hex(16)
        self.clock = int(time.time())

    def event(self, event_type: str, obj: dict[str, Any], created_offset: int = 0
              ) -> dict[str, Any]:
        return {"id": "evt_" + secrets.token_hex(12), "object": "event",
                "api_version": stripe.api_version, "created": self.clock + created_offset,
                "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None}, "type": event_type}

    def deliver(self, event: dict[str, Any], label: str, *, secret: str | None = None,
                at: int | None = None) -> Delivery:
        body = json.dumps(event, indent=2).encode()  # Stripe's bodies are pretty-printed JSON
        return Delivery(body, self.sign(body, secret=secret, at=at), label)

    def sign(self, body: bytes, *, secret: str | None = None, at: int | None = None) -> str:
        return stripe.WebhookSignature.generate_signature_header(
            body.decode(errors="replace"), secret or self.secret,
            timestamp=int(time.time()) if at is None else at)


@exercise(EXERCISE, "Write the webhook handler", [
    "Start with `event = stripe.Webhook.construct_event(payload, sig_header, secret)` inside"
    " try/except: `ValueError` (not JSON) and `stripe.SignatureVerificationError` (not signed"
    " with your secret, or too old) both mean 400. Before acting on an event, ask"
    " `orders.seen(event.id)`; after acting, `orders.remember(event.id)`.",
    "construct_event refuses old timestamps but not future ones: read `t` from `sig_header`"
    " (comma-separated `key=value` pairs) and answer 400 when it is more than 300 s ahead of"
    " `time.time()`. A seen event gets 200 and nothing else. Otherwise, with"
    " `pi = event.data.object.id`: leave a 'paid' order alone; `succeeded` → `set_status(pi,"
    " 'paid')` and `send_receipt(pi)`; `processing` → 'pending'; `payment_failed` → 'failed';"
    " any other type: nothing. Then remember the event and return 200.",
])
def check_webhook_handler(answer: Any) -> Verdict:
    if not callable(answer):
        return Verdict(False, f"`handle_webhook` should be a function; it is a"
                       f" {type(answer).__name__}. Define it with"
                       " `def handle_webhook(payload, sig_header, secret, orders):`.")
    try:
        intents = _make_intents()
    except stripe.StripeError as error:
        return Verdict(False, "The checker could not make its test payments:"
                       f" {describe_error(error)}. Run the notebook's first cell"
                       " (helpers.start()) and try again.")
    stripe_ = Stripe()
    try:
        for scenario in (_genuine, _rejections, _three_events, _out_of_order, _ignored):
            verdict = scenario(answer, stripe_, intents)
            if verdict is not None:
                return verdict
    except Stop as stop:
        return stop.verdict
    return Verdict(True, "Your handler verifies the raw body and refuses forged, tampered,"
                   " re-serialised, stale, future-dated and non-JSON deliveries with 400; it"
                   " fulfils each payment once however often its event arrives, marks bank"
                   " debits pending and declines failed, never moves a paid order back, and"
                   " answers 200 to events it does not act on.")


# ----------------------------------------------------------------------------- the payments


def _make_intents() -> Intents:
    """The payments the events are about. Their own events may reach a handler the notebook
    has connected (the emulator delivers right after each request); what it prints then is
    not the verdict, so it is kept out of the check cell."""
    with contextlib.redirect_stdout(io.StringIO()):
        return _payments()


def _payments() -> Intents:
    def create(**params: Any) -> Any:
        return stripe.PaymentIntent.create(amount=1099, currency="usd", **params)

    paid = create(payment_method="pm_card_visa", confirm=True, return_url=RETURN_URL)
    retried = create()
    try:
        stripe.PaymentIntent.confirm(retried.id, payment_method="pm_card_chargeDeclined",
                                     return_url=RETURN_URL)
    except stripe.CardError:
        pass  # the decline is the point
    declined = stripe.PaymentIntent.retrieve(retried.id)
    retried = stripe.PaymentIntent.confirm(retried.id, payment_method="pm_card_visa",
                                           return_url=RETURN_URL)
    debit = create(payment_method="pm_usBankAccount_success", confirm=True,
                   return_url=RETURN_URL, mandate_data=ACH_MANDATE)
    debit_settled = copy.deepcopy(debit.to_dict())
    debit_settled.update(status="succeeded", amount_received=debit_settled["amount"])
    opened = create()
    return Intents(paid.to_dict(), declined.to_dict(), retried.to_dict(), debit.to_dict(),
                   debit_settled, opened.to_dict())


# ---------------------------------------------------------------------------- the scenarios


def _call(answer: Callable[..., Any], delivery: Delivery, secret: str, orders: Orders
          ) -> tuple[Run, list[tuple[str, ...]]]:
    """Your handler on one delivery; what it returned or raised, and what it wrote.

    Remembering an event id again is harmless, so `remember` calls do not count as writes.
    """
    before = len(orders.changes)
    result = run(answer, delivery.body, delivery.header, secret, orders)
    return result, [c for c in orders.changes[before:] if c[0] != "remember"]


def _status_problem(result: Run, delivery: Delivery) -> Verdict | None:
    """A verdict if the handler raised or returned something that is not an HTTP status."""
    if result.raised:
        error = result.error
        if isinstance(error, TypeError) and "argument" in str(error):
            return Verdict(False, "Stripe's delivery could not be passed to your function:"
                           f" {describe_error(error)}. It is called as"
                           " `handle_webhook(payload, sig_header, secret, orders)`.")
        return Verdict(False, f"On {delivery.label} your handler raised"
                       f" {describe_error(error)}. A web server turns that into a 500, and"
                       " Stripe retries the delivery for days: answer with a status instead.")
    value = result.value
    if isinstance(value, bool) or not isinstance(value, int):
        return Verdict(False, f"On {delivery.label} your handler returned {value!r}. Return the"
                       " HTTP status as an int: 200 when the delivery is handled, 400 when it"
                       " is refused.")
    return None


def _answered(answer: Callable[..., Any], delivery: Delivery, stripe_: Stripe, orders: Orders
              ) -> tuple[int, list[tuple[str, ...]]]:
    """The HTTP status your handler answered and what it wrote (`_call`); `Stop` with
    `_status_problem`'s verdict if it raised or returned something that is not a status."""
    result, changes = _call(answer, delivery, stripe_.secret, orders)
    problem = _status_problem(result, delivery)
    if problem is not None:
        raise Stop(problem)
    return result.value, changes


def _genuine(answer: Callable[..., Any], stripe_: Stripe, intents: Intents) -> Verdict | None:
    orders = Orders()
    event = stripe_.event("payment_intent.succeeded", intents.paid)
    first = stripe_.deliver(event, "a genuine payment_intent.succeeded delivery")
    status, changes = _answered(answer, first, stripe_, orders)
    if 400 <= status < 500:
        return Verdict(False, "Your handler refused a genuine, correctly signed delivery"
                       f" (it answered {status}). Verify the raw `payload` bytes as"
                       " received, with `sig_header` and `secret`: parsing or re-encoding the"
                       " body first changes the bytes the signature covers.")
    if not 200 <= status < 300:
        return Verdict(False, f"Your handler answered {status} to a genuine delivery;"
                       " Stripe counts anything but 2xx as a failure and retries. Answer 200.")
    pi = intents.paid["id"]
    if orders.status(pi) != "paid":
        wrong = [c for c in changes if c[0] == "set_status"]
        if wrong:
            return Verdict(False, "After payment_intent.succeeded the order's status should be"
                           f" 'paid'; your handler set it to {wrong[-1][2]!r}.")
        return Verdict(False, "Your handler answered 200 but recorded no order: after"
                       " payment_intent.succeeded, set the order (the PaymentIntent's id,"
                       " `event.data.object.id`) to 'paid'.")
    if orders.receipts.count(pi) != 1:
        return Verdict(False, "The order is 'paid', but no receipt went out: fulfil it with"
                       " `orders.send_receipt(...)`." if not orders.receipts else
                       f"One payment, {orders.receipts.count(pi)} receipts: send one.")
    again = stripe_.deliver(event, "a repeat delivery of the same event")
    status, changes = _answered(answer, again, stripe_, orders)
    if orders.receipts.count(pi) > 1:
        return Verdict(False, "Stripe delivered the same payment_intent.succeeded twice (it"
                       " delivers at least once) and your handler sent a second receipt."
                       " Deduplicate by event id: `orders.seen(event.id)` before acting,"
                       " `orders.remember(event.id)` after.")
    if not 200 <= status < 300:
        return Verdict(False, f"Your handler answered {status} to a repeat delivery. A"
                       " repeat is not an error: answer 200, or Stripe keeps retrying it.")
    if changes:
        return Verdict(False, "A repeat delivery of an event you already handled changed your"
                       f" store again ({_describe(changes)}). It should change nothing:"
                       " check `orders.seen(event.id)` first.")
    return None


REJECTIONS = (
    ("forged", "a delivery signed with another secret (a forgery)",
     "verify every delivery with `stripe.Webhook.construct_event(payload, sig_header,"
     " secret)` before trusting anything in it"),
    ("forged-repeat", "a forgery that repeats the id of an event you already handled",
     "verify the signature first: until construct_event has checked it, nothing in the body"
     " is Stripe's, not even the event id, so look up `orders.seen(event.id)` only after"),
    ("tampered", "a body whose amount was changed after it was signed",
     "verify the exact bytes you received: construct_event refuses a changed body"),
    ("reserialised", "a body parsed and re-encoded as JSON (same content, other bytes)",
     "the signature covers the exact bytes, so a re-encoded body must fail verification"),
    ("stale", f"a genuine delivery replayed {STALE_SECONDS // 60} minutes later",
     "keep construct_event's default tolerance (300 s): without it a recorded delivery can"
     " be replayed forever"),
    ("future", "a delivery whose signature is dated an hour in the future",
     "construct_event (stripe-python 16.1) refuses old timestamps only: read `t` from"
     " `sig_header` and answer 400 when it is more than 300 s ahead of `time.time()`"),
    ("not-json", "a correctly signed body that is not JSON",
     "construct_event raises ValueError for a body that is not JSON: answer 400"),
    ("no-header", "a request without a Stripe-Signature header",
     "an empty header makes construct_event raise stripe.SignatureVerificationError:"
     " answer 400"),
)


def _rejections(answer: Callable[..., Any], stripe_: Stripe, intents: Intents
                ) -> Verdict | None:
    event = stripe_.event("payment_intent.succeeded", intents.retried)
    genuine = stripe_.deliver(event, "")
    now = int(time.time())
    tampered_body = json.dumps(event, indent=2).replace(
        f'"amount": {event["data"]["object"]["amount"]}', '"amount": 1', 1).encode()
    not_json = b"<html><body>Hello from someone who has your secret</body></html>"
    bodies = {
        "forged": (genuine.body, stripe_.sign(genuine.body, secret="whsec_" +
                                              secrets.token_hex(16))),
        "forged-repeat": (genuine.body, stripe_.sign(genuine.body, secret="whsec_" +
                                                     secrets.token_hex(16))),
        "tampered": (tampered_body, genuine.header),
        "reserialised": (json.dumps(json.loads(genuine.body)).encode(), genuine.header),
        "stale": (genuine.body, stripe_.sign(genuine.body, at=now - STALE_SECONDS)),
        "future": (genuine.body, stripe_.sign(genuine.body, at=now + FUTURE_SECONDS)),
        "not-json": (not_json, stripe_.sign(not_json)),
        "no-header": (genuine.body, ""),
    }
    for key, label, advice in REJECTIONS:
        body, header = bodies[key]
        orders = Orders()
        if key == "forged-repeat":
            orders.remember(event["id"])  # the genuine event was handled before
        delivery = Delivery(body, header, label)
        result, changes = _call(answer, delivery, stripe_.secret, orders)
        if result.raised:
            error = result.error
            caught = ("stripe.SignatureVerificationError"
                      if isinstance(error, stripe.SignatureVerificationError) else
                      "ValueError" if isinstance(error, ValueError) else None)
            if caught:
                return Verdict(False, f"On {label} your handler let {caught} escape (a web"
                               " server answers 500, and Stripe retries). Catch it and"
                               " answer 400.")
            return _status_problem(result, delivery)
        problem = _status_problem(result, delivery)
        if problem is not None:
            return problem
        if not 400 <= result.value < 500 or changes:
            did = f" and {_describe(changes)}" if changes else ""
            return Verdict(False, f"Your handler accepted {label}: it answered"
                           f" {result.value}{did}. It should answer 400 and change nothing:"
                           f" {advice}.")
    return None


def _three_events(answer: Callable[..., Any], stripe_: Stripe, intents: Intents
                  ) -> Verdict | None:
    orders = Orders()
    debit, declined = intents.debit["id"], intents.declined["id"]
    processing = stripe_.event("payment_intent.processing", intents.debit)
    failed = stripe_.event("payment_intent.payment_failed", intents.declined)
    steps = [
        (processing, "a payment_intent.processing delivery (a bank debit started)"),
        (processing, "a repeat delivery of that payment_intent.processing"),
        (failed, "a payment_intent.payment_failed delivery (a declined card)"),
    ]
    for number, (event, label) in enumerate(steps):
        delivery = stripe_.deliver(event, label)
        status, changes = _answered(answer, delivery, stripe_, orders)
        if not 200 <= status < 300:
            return Verdict(False, f"Your handler answered {status} to {label}; it"
                           " should handle it and answer 200.")
        if orders.receipts:
            return Verdict(False, f"Your handler sent a receipt on {label}. Only"
                           " payment_intent.succeeded means the money is yours: fulfil on"
                           " that event alone.")
        if number == 1 and changes:
            return Verdict(False, "A repeat delivery of payment_intent.processing changed your"
                           f" store again ({_describe(changes)}). Deduplicate by event id:"
                           " an event you have handled (`orders.seen(event.id)`) changes"
                           " nothing.")
    if orders.status(debit) != "pending":
        return Verdict(False, "After payment_intent.processing the order should be 'pending'"
                       " (the bank debit started, the money is not there yet); your handler"
                       f" left it {orders.status(debit)!r}.")
    if orders.status(declined) != "failed":
        return Verdict(False, "After payment_intent.payment_failed the order should be"
                       f" 'failed'; your handler left it {orders.status(declined)!r}.")
    return None


def _out_of_order(answer: Callable[..., Any], stripe_: Stripe, intents: Intents
                  ) -> Verdict | None:
    cases = [
        (intents.retried, intents.declined, "payment_intent.payment_failed",
         "the earlier decline's payment_intent.payment_failed arrived after"
         " payment_intent.succeeded"),
        (intents.debit_settled, intents.debit, "payment_intent.processing",
         "a bank debit's payment_intent.processing arrived after its payment_intent.succeeded"),
    ]
    for settled, earlier, late_type, story in cases:
        orders = Orders()
        pi = settled["id"]
        succeeded = stripe_.event("payment_intent.succeeded", settled)
        late = stripe_.event(late_type, earlier, created_offset=-5)  # it happened first
        for event, label in ((succeeded, "a payment_intent.succeeded delivery"),
                             (late, f"a late {late_type} delivery")):
            delivery = stripe_.deliver(event, label)
            status, _ = _answered(answer, delivery, stripe_, orders)
            if not 200 <= status < 300:
                return Verdict(False, f"Your handler answered {status} to {label}"
                               " that arrived out of order. Stripe does not promise any order:"
                               " handle it (answer 200) without undoing a payment.")
        if orders.status(pi) != "paid":
            return Verdict(False, f"Out of order: {story}, and your handler moved the paid"
                           f" order back to {orders.status(pi)!r}. 'paid' is final: a later"
                           " event about the same PaymentIntent must leave it paid.")
        if orders.receipts.count(pi) != 1:
            return Verdict(False, f"Out of order: {story}, and the customer got"
                           f" {orders.receipts.count(pi)} receipts for one payment.")
    return None


def _ignored(answer: Callable[..., Any], stripe_: Stripe, intents: Intents) -> Verdict | None:
    orders = Orders()
    event = stripe_.event("payment_intent.created", intents.opened)
    delivery = stripe_.deliver(event, "a payment_intent.created delivery (an event you do not"
                               " act on)")
    status, changes = _answered(answer, delivery, stripe_, orders)
    if not 200 <= status < 300:
        return Verdict(False, f"Your handler answered {status} to"
                       " payment_intent.created, an event it does not act on. Answer 200"
                       " anyway: anything else makes Stripe retry it (and, after days of"
                       " failures, disable your endpoint).")
    if changes:
        return Verdict(False, "payment_intent.created (nothing paid yet) changed your orders"
                       f" ({_describe(changes)}). Act on succeeded, processing and"
                       " payment_failed only.")
    return None


def _describe(changes: list[tuple[str, ...]]) -> str:
    """'called set_status(…, 'pending'), send_receipt(…)' without ids (messages are stable)."""
    names = []
    for change in changes[:3]:
        if change[0] == "set_status":
            names.append(f"set_status(…, {change[2]!r})")
        else:
            names.append(f"{change[0]}(…)")
    return "called " + ", ".join(names) + (", …" if len(changes) > 3 else "")
