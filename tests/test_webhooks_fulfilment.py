"""Exactly-once fulfilment under at-least-once, out-of-order delivery."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import pytest
import stripe

from helpers.emulator import Emulator
from helpers.emulator.deliveries import signature_header
from helpers.fulfilment import OrderBook

LESSON = ["payment_intent.succeeded", "payment_intent.processing",
          "payment_intent.payment_failed"]
KINDS = {  # payment method -> the order status it must end in
    "pm_card_visa": "paid",
    "pm_card_chargeDeclined": "payment_failed",
    "pm_usBankAccount_success": "paid",  # processing first, succeeded after settling
}


def event(event_id: str, kind: str, pi: str = "pi_1", created: int = 100,
          error: str | None = None) -> dict:
    obj = {"id": pi, "object": "payment_intent", "amount": 1099, "currency": "usd",
           "customer": "cus_1", "last_payment_error": {"message": error} if error else None}
    return {"id": event_id, "object": "event", "type": f"payment_intent.{kind}",
            "created": created, "data": {"object": obj}}


def pay(client: stripe.StripeClient, token: str) -> str:
    params = {"amount": 1099, "currency": "usd", "confirm": True, "payment_method": token,
              "return_url": "https://example.com/done"}
    if token.startswith("pm_usBankAccount"):
        params["mandate_data"] = {"customer_acceptance": {"type": "offline"}}
    try:
        return client.v1.payment_intents.create(params).id
    except stripe.CardError as error:
        return error.error.payment_intent["id"]


@pytest.mark.slow
def test_one_thousand_payments_with_every_fault_give_one_right_row_each(
        emulator: Emulator, client: stripe.StripeClient, tmp_path: Path) -> None:
    orders = OrderBook(tmp_path / "orders.sqlite3")
    outcomes: list[str] = []
    endpoint: dict = {}

    def handle(payload: bytes, headers: dict) -> int:
        verified = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"],
                                                  endpoint["secret"])
        outcomes.append(orders.handle(verified))
        return 200

    url = emulator.add_receiver("thousand", handle)
    endpoint["secret"] = client.v1.webhook_endpoints.create(
        {"url": url, "enabled_events": LESSON}).secret
    emulator.faults.set(duplicates=True, shuffle=True, fail_first_attempt=True)
    tokens = list(KINDS)
    expected = {}
    for n in range(1000):
        token = tokens[n % 3]
        expected[pay(client, token)] = KINDS[token]
    emulator.deliveries.settle()
    assert orders.statuses() == expected  # exactly one row per payment, each one right
    lesson_events = {e.id for e in client.v1.events.list({"limit": 100}).auto_paging_iter()
                     if e.type in LESSON}
    bank_debits = sum(1 for n in range(1000) if tokens[n % 3].startswith("pm_usBank"))
    assert len(lesson_events) == 1000 + bank_debits  # + one `processing` per bank debit
    processed = {row[0] for row in orders._query("SELECT event_id FROM processed_events")}
    assert processed == lesson_events  # no event lost
    # every event arrived at least 3 times (2 copies, each first answer "lost"), worked once
    assert len(outcomes) >= 3 * len(lesson_events)
    assert outcomes.count("fulfilled") == sum(1 for s in expected.values() if s == "paid")
    assert orders.count("outbox") >= len(expected)
    receipts = orders._query("SELECT COUNT(*) FROM outbox WHERE kind='receipt'")[0][0]
    assert receipts == outcomes.count("fulfilled")


def test_late_and_repeated_events_never_move_an_order_back() -> None:
    orders = OrderBook()
    assert orders.handle(event("evt_s", "succeeded", created=110)) == "fulfilled"
    assert orders.handle(event("evt_p", "processing", created=100)) == \
        "kept paid (late processing)"
    assert orders.handle(event("evt_f", "payment_failed", created=120, error="x")) == \
        "kept paid (late payment_failed)"
    assert orders.handle(event("evt_s", "succeeded", created=110)) == "duplicate"
    assert orders.status_of("pi_1") == "paid" and orders.count("outbox") == 1
    # a bank debit that failed: the late `processing` must not hide the failure
    assert orders.handle(event("evt_f2", "payment_failed", pi="pi_2", created=130,
                               error="The bank account has been closed.")) == \
        "customer invited to retry"
    assert orders.handle(event("evt_p2", "processing", pi="pi_2", created=100)) == \
        "kept payment_failed (late processing)"
    assert orders.status_of("pi_2") == "payment_failed"
    message = orders._query("SELECT message FROM outbox WHERE payment_intent='pi_2'")[0][0]
    assert "The bank account has been closed." in message
    # and a customer who retries after a decline moves on
    assert orders.handle(event("evt_p3", "processing", pi="pi_2", created=140)) == \
        "order pending"
    assert orders.status_of("pi_2") == "pending"


def test_accept_then_process_inbox_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    first = OrderBook(path)
    assert first.accept(event("evt_1", "succeeded")) is True
    assert first.accept(event("evt_1", "succeeded")) is False
    first.close()  # the process stops before doing the work
    second = OrderBook(path)
    assert second.count("inbox") == 1 and second.count("orders") == 0
    assert second.process_inbox() == [("evt_1", "fulfilled")]
    assert second.count("inbox") == 0
    assert second.accept(event("evt_1", "succeeded")) is False  # already handled


def test_concurrent_deliveries_of_one_event_fulfil_once_threads(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    shared = OrderBook(path)
    books = [shared] * 4 + [OrderBook(path) for _ in range(4)]  # one connection and several
    events = [event(f"evt_{n}", "succeeded", pi=f"pi_{n}") for n in range(50)]
    results: list[str] = []
    barrier = threading.Barrier(len(books))

    def worker(book: OrderBook) -> None:
        barrier.wait()
        for item in events:
            results.append(book.handle(item))

    threads = [threading.Thread(target=worker, args=(b,)) for b in books]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("fulfilled") == 50
    assert results.count("duplicate") == 50 * (len(books) - 1)
    assert shared.count("orders") == 50 and shared.count("outbox") == 50


def _process_worker(path: str, start, queue) -> None:
    book = OrderBook(path)
    start.wait(60)  # both processes have opened the book: they start together
    queue.put([book.handle(event(f"evt_{n}", "succeeded", pi=f"pi_{n}")) for n in range(100)])


def test_concurrent_deliveries_of_one_event_fulfil_once_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "orders.sqlite3")
    OrderBook(path).close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start = context.Barrier(2)
    workers = [context.Process(target=_process_worker, args=(path, start, queue))
               for _ in range(2)]
    for w in workers:
        w.start()
    results = queue.get(timeout=60) + queue.get(timeout=60)
    for w in workers:
        w.join(30)
        assert w.exitcode == 0
    assert results.count("fulfilled") == 100 and results.count("duplicate") == 100
    book = OrderBook(path)
    assert book.count("orders") == 100 and book.count("outbox") == 100


@pytest.mark.parametrize("header", [
    None,                                   # missing header
    "t=1,v1=" + "0" * 64,                   # wrong signature, stale
])
def test_a_rejected_delivery_fulfils_nothing(header: str | None) -> None:
    orders = OrderBook()
    payload = json.dumps(event("evt_x", "succeeded")).encode()
    with pytest.raises((stripe.SignatureVerificationError, ValueError)):
        stripe.Webhook.construct_event(payload, header or "", "whsec_test")
    assert orders.count("orders") == 0
    good = signature_header(payload, "whsec_test", int(time.time()))
    orders.handle(stripe.Webhook.construct_event(payload, good, "whsec_test"))
    assert orders.count("orders") == 1


@pytest.mark.parametrize("first,second", [("payment_failed", "processing"),
                                          ("processing", "payment_failed")])
def test_a_failure_and_a_processing_of_the_same_second_end_failed(first: str,
                                                                  second: str) -> None:
    """Equal `created`: the later state in the PaymentIntent's life (the failure) wins,
    whichever event arrives first."""
    orders = OrderBook()
    orders.handle(event("evt_a", first, created=100, error="The bank account has been closed."))
    orders.handle(event("evt_b", second, created=100, error="The bank account has been closed."))
    assert orders.status_of("pi_1") == "payment_failed"
    # and a later `processing` (the customer retried) still moves the order on
    assert orders.handle(event("evt_c", "processing", created=101)) == "order pending"


POISON = [
    ({"id": "evt_poison", "object": "customer"}, "no event type"),
    ({"id": "evt_poison", "object": "event", "type": "payment_intent.succeeded",
      "created": 1}, "no data.object"),
    ({"id": "evt_poison", "object": "event", "type": "payment_intent.succeeded", "created": 1,
      "data": {"object": {"id": "pi_9", "object": "payment_intent", "amount": "1099",
                          "currency": "usd"}}}, "data.object has no amount or currency"),
    ({"id": "evt_poison", "object": "event", "type": "payment_intent.payment_failed",
      "created": 1, "data": {"object": {"id": "pi_9", "object": "payment_intent",
                                        "amount": 1099, "currency": "usd",
                                        "last_payment_error": "declined"}}},
     "data.object.last_payment_error is not an object"),
]


@pytest.mark.parametrize("poison,reason", POISON)
def test_a_poison_event_is_quarantined_and_blocks_nothing(poison: dict, reason: str) -> None:
    orders = OrderBook()
    assert orders.handle(poison) == f"quarantined ({reason})"
    assert orders.handle(poison) == "duplicate"  # a redelivery is not quarantined twice
    assert orders.quarantined().rows == [("evt_poison", reason)]
    assert orders.handle(event("evt_1", "succeeded")) == "fulfilled"
    assert orders.statuses() == {"pi_1": "paid"}


@pytest.mark.parametrize("poison,reason", [([{"id": "evt_1"}], "not a JSON object"),
                                           ({"object": "event"}, "no event id")])
def test_what_has_no_id_is_quarantined_at_once(poison: object, reason: str) -> None:
    orders = OrderBook()
    assert orders.accept(poison) is False
    assert orders.handle(poison) == f"quarantined ({reason})"
    assert orders.quarantined().rows == [("", reason), ("", reason)]
    assert orders.count("inbox") == 0 and orders.count("processed_events") == 0


def test_a_restart_with_poison_in_the_inbox_handles_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    first = OrderBook(path)
    assert first.accept({"id": "evt_poison", "object": "customer"}) is True
    assert first.accept(event("evt_1", "succeeded")) is True
    first._db.execute("INSERT INTO inbox(event_id, body) VALUES ('evt_torn', '{\"id\": \"evt_t')")
    first.close()  # stopped before the work
    second = OrderBook(path)  # the restart
    done = dict(second.process_inbox())
    assert done["evt_poison"] == "quarantined (no event type)"
    assert done["evt_1"] == "fulfilled"
    assert done["evt_torn"].startswith("quarantined (could not be handled: JSONDecodeError")
    assert second.count("inbox") == 0 and second.count("quarantine") == 2
    assert second.statuses() == {"pi_1": "paid"}
    assert second.process_inbox() == []  # nothing left to trip over


def test_an_inbox_copy_of_a_handled_event_is_cleared() -> None:
    """accept() and handle() racing can leave a copy in the inbox: it goes as a duplicate."""
    orders = OrderBook()
    orders.handle(event("evt_1", "succeeded"))
    orders._db.execute("INSERT INTO inbox(event_id, body) VALUES (?,?)",
                       ("evt_1", json.dumps(event("evt_1", "succeeded"))))
    assert orders.process_inbox() == [("evt_1", "duplicate")]
    assert orders.count("inbox") == 0 and orders.count("outbox") == 1
