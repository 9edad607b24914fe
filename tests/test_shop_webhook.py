"""The shop's `POST /webhook`: verify the raw body, take each event once, answer 2xx fast, and
set aside (never crash on) what is signed but cannot be handled."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import stripe
from flask import Flask
from werkzeug.test import TestResponse

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY
from helpers.emulator.deliveries import sign, signature_header
from helpers.fulfilment import OrderBook
from helpers.shop import create_app
from helpers.shop.webhooks import construct_event

SECRET = "whsec_" + "shop-webhook-test"  # split so the secrets scanner sees no key


def make_app(client: stripe.StripeClient, db: Path) -> Flask:
    return create_app(stripe_client=client, publishable_key=DEFAULT_PUBLISHABLE_KEY,
                      webhook_secret=SECRET, db=db, mode="emulator")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "shop.sqlite3"


@pytest.fixture
def app(client: stripe.StripeClient, db: Path) -> Flask:
    return make_app(client, db)


def book(app: Flask) -> OrderBook:
    return app.extensions["shop"].book


def event(event_id: str = "evt_1", kind: str = "succeeded", pi: str = "pi_1",
          created: int = 100) -> dict:
    return {"id": event_id, "object": "event", "type": f"payment_intent.{kind}",
            "created": created,
            "data": {"object": {"id": pi, "object": "payment_intent", "amount": 1099,
                                "currency": "usd", "customer": "cus_1"}}}


def body_of(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


def deliver(app: Flask, payload: bytes, header: str | None = "sign",
            at: int | None = None) -> TestResponse:
    """POST as Stripe does; `header="sign"` signs `payload` with the endpoint's secret."""
    if header == "sign":
        header = signature_header(payload, SECRET, int(time.time()) if at is None else at)
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    response = app.test_client().post("/webhook", data=payload, headers=headers)
    response.close()  # as a server does once the answer is sent: the fulfilment runs now
    return response


def rejection(name: str) -> tuple[bytes, str | None]:
    """A delivery that must be refused, made when the test runs (timestamps are "now")."""
    body = body_of(event())
    now = int(time.time())
    good = signature_header(body, SECRET, now)
    return {
        "tampered body": (body.replace(b"1099", b"1"), good),
        "wrong secret": (body, signature_header(body, "whsec_" + "someone-else", now)),
        "stale timestamp": (body, f"t={now - 301},v1={sign(body, SECRET, now - 301)}"),
        "future timestamp": (body, f"t={now + 310},v1={sign(body, SECRET, now + 310)}"),
        "extra spaces": (body, good.replace(",", ", ")),
        "missing header": (body, None),
        "empty header": (body, ""),
        "re-serialised body": (json.dumps(json.loads(body)).encode(), good),
    }[name]


@pytest.mark.parametrize("name", ["tampered body", "wrong secret", "stale timestamp",
                                  "future timestamp", "extra spaces", "missing header",
                                  "empty header", "re-serialised body"])
def test_a_delivery_that_fails_verification_gets_a_json_400(app: Flask, name: str) -> None:
    body, header = rejection(name)
    response = deliver(app, body, header)
    assert response.status_code == 400 and response.is_json
    assert "signature" in response.get_json()["error"]["message"]
    assert book(app).count("processed_events") == 0 and book(app).count("inbox") == 0


def test_within_the_tolerance_either_way_is_accepted(app: Flask) -> None:
    now = int(time.time())
    assert deliver(app, body_of(event("evt_past")), at=now - 250).status_code == 200
    assert deliver(app, body_of(event("evt_future", pi="pi_2")), at=now + 250).status_code == 200
    assert book(app).statuses() == {"pi_1": "paid", "pi_2": "paid"}


def test_the_future_check_is_against_the_tolerance() -> None:
    payload = body_of(event())
    header = signature_header(payload, SECRET, 2_000)
    assert construct_event(payload, header, SECRET, tolerance=0, now=1_000).id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError, match="future"):
        construct_event(payload, header, SECRET, tolerance=999, now=1_000)


def test_a_signed_event_is_fulfilled_once(app: Flask) -> None:
    payload = body_of(event())
    first = deliver(app, payload)
    assert first.status_code == 200
    assert first.get_json() == {"received": True, "event": "evt_1", "duplicate": False}
    again = deliver(app, payload)  # Stripe delivers at least once
    assert again.get_json() == {"received": True, "event": "evt_1", "duplicate": True}
    assert book(app).statuses() == {"pi_1": "paid"}
    assert book(app).count("outbox") == 1 and book(app).count("inbox") == 0


def test_a_late_event_never_moves_an_order_back(app: Flask) -> None:
    deliver(app, body_of(event("evt_s", "succeeded", created=110)))
    deliver(app, body_of(event("evt_p", "processing", created=100)))
    assert book(app).statuses() == {"pi_1": "paid"}
    deliver(app, body_of(event("evt_f2", "payment_failed", pi="pi_2", created=200)))
    deliver(app, body_of(event("evt_p2", "processing", pi="pi_2", created=200)))
    assert book(app).status_of("pi_2") == "payment_failed"  # same second: the failure wins


def test_a_body_that_is_not_json_gets_a_json_400(app: Flask) -> None:
    response = deliver(app, b"this is not json")
    assert response.status_code == 400 and response.is_json
    assert "not JSON" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("poison,reason", [
    ({"id": "evt_poison", "object": "customer"}, "no event type"),
    ({"id": "evt_poison", "object": "event", "type": "payment_intent.succeeded",
      "created": 1}, "no data.object"),
])
def test_a_signed_poison_event_is_quarantined_and_blocks_nothing(app: Flask, poison: dict,
                                                                 reason: str) -> None:
    response = deliver(app, body_of(poison))
    assert response.status_code == 200  # taken: Stripe must not retry it for days
    assert book(app).quarantined().rows == [("evt_poison", reason)]
    assert deliver(app, body_of(event())).status_code == 200
    assert book(app).statuses() == {"pi_1": "paid"}


@pytest.mark.parametrize("poison,reason", [
    ([event()], "not an event object"),
    ("evt_1", "not an event object"),
    ({"object": "event", "type": "payment_intent.succeeded"}, "has no id"),
])
def test_signed_json_that_is_not_an_event_gets_a_json_400(app: Flask, poison: object,
                                                          reason: str) -> None:
    response = deliver(app, body_of(poison))
    assert response.status_code == 400 and response.is_json
    assert reason in response.get_json()["error"]["message"]
    assert len(book(app).quarantined()) == 1
    assert deliver(app, body_of(event())).status_code == 200
    assert book(app).statuses() == {"pi_1": "paid"}


def test_a_restart_with_poison_in_the_inbox(client: stripe.StripeClient, db: Path) -> None:
    before = OrderBook(db)  # what a crashed shop left: accepted, never handled
    before.accept({"id": "evt_poison", "object": "customer"})
    before.accept(event("evt_1"))
    before._db.execute("INSERT INTO inbox(event_id, body) VALUES ('evt_torn', '[1, 2')")
    before.close()
    app = make_app(client, db)  # the restart handles the inbox first, and survives it
    assert book(app).count("inbox") == 0
    assert book(app).statuses() == {"pi_1": "paid"}
    assert {row[0] for row in book(app).quarantined().rows} == {"evt_poison", "evt_torn"}
    assert deliver(app, body_of(event("evt_2", pi="pi_2"))).status_code == 200
    assert book(app).status_of("pi_2") == "paid"


def test_only_post(app: Flask) -> None:
    response = app.test_client().get("/webhook")
    assert response.status_code == 405 and response.is_json


def nested(depth: int) -> bytes:
    """An event whose data.object holds a value nested `depth` levels deep."""
    deep = "[" * depth + "]" * depth
    return (b'{"id": "evt_deep", "object": "event", "type": "payment_intent.succeeded",'
            b' "created": 1, "data": {"object": {"id": "pi_deep", "object": "payment_intent",'
            b' "deep": ' + deep.encode() + b"}}}")


@pytest.mark.parametrize("depth", [5_000, 600])  # json.loads gives up; stripe-python's objects
def test_a_signed_body_nested_too_deeply_is_a_json_400_and_quarantined(app: Flask,
                                                                       depth: int) -> None:
    response = deliver(app, nested(depth))
    assert response.status_code == 400 and response.is_json
    assert "nested too deeply" in response.get_json()["error"]["message"]
    [(_, reason)] = book(app).quarantined().rows
    assert reason == "the signed body is nested too deeply to be an event"
    assert deliver(app, body_of(event())).status_code == 200  # nothing else is blocked
    assert book(app).statuses() == {"pi_1": "paid"}


def test_an_unsigned_deep_body_is_refused_before_it_is_parsed(app: Flask) -> None:
    response = deliver(app, nested(5_000), header="t=1,v1=00")
    assert response.status_code == 400 and "signature" in response.get_json()["error"]["message"]
    assert len(book(app).quarantined()) == 0
