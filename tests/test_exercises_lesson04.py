"""Exercise 04-webhook-handler: the reference handler passes; each kind of mistake gets its hint.

The wrong answers are the reference handler with one thing changed (`make_handler(...)`), so
each test shows that the checker notices exactly that thing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from exercise_support import mistake_id, run_solution

import helpers
from helpers.exercises import check
from helpers.orders import Orders
from helpers.reference_receiver import Receiver

EXERCISE = "04-webhook-handler"


pytestmark = pytest.mark.usefixtures("backend")  # the notebook's set-up, on this test's emulator


def reference() -> Callable[..., int]:
    return run_solution(EXERCISE, {"stripe": stripe})["handle_webhook"]


def make_handler(*, verify: bool = True, catch: tuple[type[Exception], ...] | None = None,
                 tolerance: int | None = 300, future: bool = True, dedup: str = "id",
                 paid_is_final: bool = True, ignored_status: int = 200,
                 receipt_on_processing: bool = False, reserialise: bool = False,
                 use_event_id: bool = False, returns: Any = 200) -> Callable[..., Any]:
    """The reference handler, with one deliberate mistake switched on."""
    caught = (ValueError, stripe.SignatureVerificationError) if catch is None else catch

    def handle_webhook(payload: bytes, sig_header: str, secret: str, orders: Orders) -> Any:
        body = json.dumps(json.loads(payload)).encode() if reserialise else payload
        if dedup == "before_verify":  # trusts the unverified body's id
            try:
                unverified = json.loads(payload).get("id")
            except ValueError:
                unverified = None
            if unverified and orders.seen(unverified):
                return 200
        if verify:
            try:
                event = stripe.Webhook.construct_event(body, sig_header, secret,
                                                       tolerance=tolerance)  # type: ignore[arg-type]
            except caught:
                return 400
        else:
            event = stripe.Event.construct_from(json.loads(payload), "sk_test")
        if future:
            stamp = [p[2:] for p in sig_header.split(",") if p.startswith("t=")][0]
            if int(stamp) > time.time() + 300:
                return 400
        if dedup == "id" and orders.seen(event.id):
            return 200
        pi = event.id if use_event_id else event.data.object.id
        current = orders.status(pi)
        known = event.type in ("payment_intent.succeeded", "payment_intent.processing",
                               "payment_intent.payment_failed")
        if not known:
            return ignored_status
        if not (paid_is_final and current == "paid"):
            if event.type == "payment_intent.succeeded":
                if not (dedup == "status" and current == "paid"):
                    orders.set_status(pi, "paid")
                    orders.send_receipt(pi)
            elif event.type == "payment_intent.processing":
                orders.set_status(pi, "pending")
                if receipt_on_processing:
                    orders.send_receipt(pi)
            else:
                orders.set_status(pi, "failed")
        orders.remember(event.id)
        return returns

    return handle_webhook


def verdict_for(answer: Any) -> Any:
    verdict = check(EXERCISE, answer)
    assert "Traceback" not in repr(verdict)
    return verdict


def test_the_reference_solution_passes() -> None:
    verdict = verdict_for(reference())
    assert verdict.ok, verdict.message
    assert repr(verdict).startswith("✓")


def test_the_switchable_handler_with_no_mistake_passes() -> None:
    """Guards the wrong-answer tests below: each differs from a passing handler by one thing."""
    assert verdict_for(make_handler()).ok


def test_the_shipped_stub_gets_a_nudge() -> None:
    def handle_webhook(payload: bytes, sig_header: str, secret: str, orders: Orders) -> int:
        # verify, deduplicate, act
        ...

    verdict = verdict_for(handle_webhook)
    assert not verdict.ok and "has no code yet" in verdict.message


@pytest.mark.parametrize("mistake, expected", [
    (dict(verify=False), "signed with another secret"),
    (dict(catch=(ValueError,)), "let stripe.SignatureVerificationError escape"),
    (dict(tolerance=None), "replayed 10 minutes later"),
    (dict(future=False), "refuses old timestamps only"),
    (dict(catch=(stripe.SignatureVerificationError,)), "let ValueError escape"),
    (dict(reserialise=True), "refused a genuine, correctly signed delivery"),
    (dict(dedup="none", paid_is_final=False), "sent a second receipt"),
    (dict(dedup="none"), "repeat delivery of payment_intent.processing changed your store"),
    (dict(dedup="status"), "repeat delivery of payment_intent.processing changed your store"),
    (dict(dedup="before_verify"), "repeats the id of an event you already handled"),
    (dict(paid_is_final=False), "moved the paid order back"),
    (dict(ignored_status=400), "an event it does not act on. Answer 200"),
    (dict(receipt_on_processing=True), "Only payment_intent.succeeded means the money"),
    (dict(use_event_id=True), "is not a PaymentIntent id"),
    (dict(returns=None), "Return the HTTP status as an int"),
], ids=mistake_id)
def test_each_mistake_fails_with_its_own_hint(mistake: dict[str, Any], expected: str) -> None:
    verdict = verdict_for(make_handler(**mistake))
    assert not verdict.ok
    assert expected in verdict.message, verdict.message


def test_a_handler_that_crashes_on_every_delivery_gets_a_clean_verdict() -> None:
    def handle_webhook(payload: bytes, sig_header: str, secret: str, orders: Orders) -> int:
        return payload["type"]  # type: ignore[index]

    verdict = verdict_for(handle_webhook)
    assert not verdict.ok and "TypeError" in verdict.message and "500" in verdict.message


def test_wrong_arguments_and_non_functions_are_explained() -> None:
    def two_arguments(payload: bytes, headers: dict) -> int:
        return 200

    assert "handle_webhook(payload, sig_header, secret, orders)" in \
        verdict_for(two_arguments).message
    assert "should be a function" in verdict_for({"status": 200}).message


def test_messages_carry_no_ids_so_stored_outputs_stay_stable() -> None:
    first = verdict_for(make_handler(dedup="none", paid_is_final=False)).message
    second = verdict_for(make_handler(dedup="none", paid_is_final=False)).message
    assert first == second and "pi_" not in first and "evt_" not in first


def test_the_orders_store_explains_slips() -> None:
    orders = Orders()
    with pytest.raises(ValueError, match="not an order status"):
        orders.set_status("pi_123", "succeeded")
    with pytest.raises(ValueError, match="not a PaymentIntent id"):
        orders.send_receipt("evt_123")
    orders.set_status("pi_123", "paid")
    orders.remember("evt_1")
    assert orders.seen("evt_1") and not orders.seen("evt_2")
    assert "pi_123" in repr(orders) and "1 events handled" in repr(orders)


def test_the_kit_receiver_refuses_future_and_forged_signatures_and_fulfils_once() -> None:
    book = helpers.OrderBook()
    receiver = Receiver("whsec_test", book, printing=False)
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", confirm=True,
                                         payment_method="pm_card_visa",
                                         return_url="https://example.com/done")
    body = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                       "created": int(time.time()), "data": {"object": intent.to_dict()}},
                      indent=2).encode()

    def signed(at: int | None = None, secret: str = "whsec_test") -> dict[str, str]:
        return {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
            body.decode(), secret, timestamp=at)}

    assert receiver(body, signed(at=int(time.time()) + 3600)) == 400
    assert receiver(body, signed(secret="whsec_other")) == 400
    assert receiver(b"not json", {"Stripe-Signature": ""}) == 400
    array = b"[1, 2]"
    assert receiver(array, {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
        array.decode(), "whsec_test")}) == 400
    assert receiver(body, signed()) == 200 and receiver(body, signed()) == 200
    assert book.status_of(intent.id) == "paid" and book.count("outbox") == 1
    assert "fulfilled, then duplicate" in repr(receiver.outcomes())
