"""The shop catches up on events it missed (helpers/shop/catch_up.py): a payment whose webhook
retries all ran out while the shop was down is fulfilled once it is back, and only once.

Fast tests with the Flask app on an in-process emulator; a test-mode start (stripe-python's own
HTTP client, as with your test keys); and real `python -m helpers.shop` processes against a
served emulator whose retries are exhausted before the shop comes back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from flask import Flask
from local_servers import free_port
from shop_support import (
    Visitor,
    api,
    checkout_then_kill,
    pay_with_saved_visa,
    served_emulator,
    start_shop,
)
from support.waits import poll_until

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY
from helpers.emulator.deliveries import signature_header
from helpers.fulfilment import OrderBook
from helpers.shop import create_app
from helpers.shop.catch_up import FIRST_WINDOW, MARGIN, watermark

SECRET = "whsec_" + "catch-up-test"  # split so the secrets scanner sees no key
SHORT_RETRIES = "0.2,0.2"  # the served emulator's retry schedule: given up within a second
RETRIES_TIMEOUT = 30  # seconds for the emulator to make (and log) every attempt it will make


def make_app(client: stripe.StripeClient, db: Path) -> Flask:
    return create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                      webhook_secret=SECRET, db=db, mode="emulator")


def paid_intent(client: stripe.StripeClient) -> stripe.PaymentIntent:
    """A card payment made while no webhook endpoint listens (nothing is delivered)."""
    return client.v1.payment_intents.create({
        "amount": 1099, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
        "return_url": "https://example.com/done"})


def receipts(book: OrderBook, intent_id: str) -> int:
    return sum(1 for row in book.outbox().rows if row[:2] == (intent_id, "receipt"))


def test_a_payment_no_delivery_reached_is_fulfilled_once_by_the_catch_up(
        client: stripe.StripeClient, tmp_path: Path) -> None:
    app = make_app(client, tmp_path / "shop.sqlite3")
    shop = app.extensions["shop"]
    intent = paid_intent(client)
    assert shop.book.status_of(intent.id) is None  # no delivery: the shop knows nothing yet
    done = shop.catch_up()
    assert shop.book.status_of(intent.id) == "paid"
    succeeded = client.v1.events.list({"type": "payment_intent.succeeded"}).data[0]
    assert done.accepted == (succeeded.id,)
    assert receipts(shop.book, intent.id) == 1
    again = shop.catch_up()  # idempotent: listed again, fulfilled once
    assert (again.listed, again.accepted) == (done.listed, ())
    assert receipts(shop.book, intent.id) == 1
    # A retry Stripe still sends later meets the same accept-once path: a 2xx, a duplicate.
    payload = json.dumps(succeeded.to_dict()).encode()
    late = app.test_client().post("/webhook", data=payload, headers={
        "Stripe-Signature": signature_header(payload, SECRET, int(time.time()))})
    late.close()
    assert late.status_code == 200 and late.get_json()["duplicate"] is True
    assert receipts(shop.book, intent.id) == 1


def test_the_watermark_bounds_what_is_listed(client: stripe.StripeClient,
                                             tmp_path: Path) -> None:
    """First time: FIRST_WINDOW back; then from the newest event seen, minus MARGIN; never from
    later than the machine's clock (a watermark in the future hides nothing)."""
    from helpers.shop.catch_up import catch_up

    app = make_app(client, tmp_path / "shop.sqlite3")
    shop = app.extensions["shop"]
    intent = paid_intent(client)
    now = time.time()
    later = catch_up(client, shop.database, shop.book, now=now + FIRST_WINDOW + MARGIN + 60)
    assert later.listed == 0 and watermark(shop.database) is None  # outside the first window
    first = catch_up(client, shop.database, shop.book, now=now)
    assert first.since == int(now - FIRST_WINDOW - MARGIN) and first.listed == 1
    created = client.v1.events.list({"type": "payment_intent.succeeded"}).data[0].created
    assert watermark(shop.database) == created
    second = catch_up(client, shop.database, shop.book, now=now + 3600)
    assert second.since == created - MARGIN and second.accepted == ()
    shop.database.run("UPDATE event_watermark SET created=?", (int(now) + 10**6,))
    ahead = catch_up(client, shop.database, shop.book, now=now)
    assert ahead.since == int(now - MARGIN) and ahead.listed == 1
    shop.fulfil()  # catch_up only accepts (into the inbox); Services.catch_up fulfils too
    assert shop.book.status_of(intent.id) == "paid"


def test_test_mode_catches_up_at_start(tmp_path: Path) -> None:
    """Test mode's code path (`stripe listen` forwarding, so no endpoint of the shop's own;
    stripe-python's HTTP client behind the live-key guard) pointed at an emulator as the live
    tier does: `start()` fetches the payment made while it was down, with the same calls."""
    from helpers.shop import start
    from helpers.shop.local_emulator import LocalEmulator

    served = LocalEmulator(tmp_path / "emulator.sqlite3")
    try:
        api_base = served.start()
        intent = paid_intent(api(api_base))
        shop = start(port=0, db=tmp_path / "shop.sqlite3", environ={
            "STRIPE_SECRET_KEY": DEFAULT_SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": DEFAULT_PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "cli", "KIT_STRIPE_API_BASE": api_base})
        with shop:
            assert shop.mode == "stripe"
            assert shop.caught_up is not None and len(shop.caught_up.accepted) == 1
            assert shop.app.extensions["shop"].book.status_of(intent.id) == "paid"
    finally:
        served.stop()


@pytest.fixture
def emulator_giving_up_fast(tmp_path: Path) -> Iterator[str]:
    """`python -m helpers.emulator serve` whose retries end within a second: it outlives the
    shop's restarts."""
    with served_emulator(tmp_path, KIT_WEBHOOK_RETRY_SCHEDULE=SHORT_RETRIES) as url:
        yield url


def wait_until_retries_are_exhausted(emulator_url: str, intent_id: str) -> list[dict]:
    """The delivery log's attempts for the intent's payment_intent.succeeded, once the emulator
    has made every one it will (the first and each retry of SHORT_RETRIES), all failed."""
    client = api(emulator_url)
    attempts_wanted = 1 + len(SHORT_RETRIES.split(","))

    def exhausted() -> list[dict] | None:
        events = [e for e in client.v1.events.list({"type": "payment_intent.succeeded"}).data
                  if e.data.object.id == intent_id]
        endpoints = client.v1.webhook_endpoints.list().data
        if not events or len(endpoints) != 1:
            return None
        log = json.loads(client.raw_request(
            "get", f"/v1/test_helpers/kit/webhook_endpoints/{endpoints[0].id}/attempts").body)
        attempts = [a for a in log["data"] if a["event_id"] == events[0].id]
        return attempts if len(attempts) >= attempts_wanted else None

    return poll_until(exhausted, RETRIES_TIMEOUT, f"the emulator to make all {attempts_wanted}"
                      f" delivery attempts of {intent_id}'s payment_intent.succeeded",
                      interval=0.1)


def test_a_payment_made_while_the_shop_is_down_for_longer_than_all_retries_is_fulfilled(
        tmp_path: Path, emulator_giving_up_fast: str) -> None:
    emulator_url = emulator_giving_up_fast
    db = tmp_path / "shop.sqlite3"
    port = free_port()
    secrets = checkout_then_kill(db, emulator_url, port)
    intent_id = pay_with_saved_visa(emulator_url, secrets)  # the shop is down meanwhile
    attempts = wait_until_retries_are_exhausted(emulator_url, intent_id)
    assert not any(a["ok"] for a in attempts), attempts  # nothing listened: all failed
    shop = start_shop(db, "--emulator", emulator_url, port=port)
    try:
        jenny = Visitor(shop.url)  # a restart signs everybody out
        jenny.sign_in("jenny")
        order = jenny.wait_until_paid(intent_id)  # within 30 s; no retry is left to do it
        assert order["fulfilled"] is True
    finally:
        shop.terminate()
    # Once more: the catch-up lists the same event again and fulfils nothing twice.
    start_shop(db, "--emulator", emulator_url, port=port).terminate()
    book = OrderBook(db)
    try:
        assert receipts(book, intent_id) == 1
    finally:
        book.close()
