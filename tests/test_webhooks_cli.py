"""`trigger` (Python and CLI) and `listen --forward-to`, on the kit DB and on `serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from local_servers import free_port, running, wait_for_port
from support.waits import poll_until, read_line

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator
from helpers.emulator.triggers import SUPPORTED, trigger
from helpers.fulfilment import OrderBook

ROOT = Path(__file__).resolve().parents[1]
STATUS_AFTER = {"payment_intent.succeeded": "succeeded",
                "payment_intent.payment_failed": "requires_payment_method",
                "payment_intent.processing": "processing",
                "payment_intent.requires_action": "requires_action",
                "payment_intent.canceled": "canceled"}


@pytest.mark.parametrize("name", sorted(STATUS_AFTER))
def test_trigger_drives_real_objects(name: str, emulator: Emulator,
                                     client: stripe.StripeClient) -> None:
    event = trigger(name, emulator)
    assert event.type == name
    intent = client.v1.payment_intents.retrieve(event.data.object.id)
    assert intent.status == event.data.object.status == STATUS_AFTER[name]
    assert client.v1.customers.retrieve(intent.customer).name == "Trigger Customer"
    assert event.request.id is not None  # it came from an API request, not from thin air
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert "payment_intent.created" in types and "customer.created" in types


# What each of the other triggers' events carries, and the state it is in.
CARRIED = {
    "payment_intent.created": ("payment_intent", "requires_payment_method"),
    "payment_intent.amount_capturable_updated": ("payment_intent", "requires_capture"),
    "charge.succeeded": ("charge", "succeeded"),
    "charge.failed": ("charge", "failed"),
    "charge.pending": ("charge", "pending"),
    "charge.captured": ("charge", "succeeded"),
    "charge.refunded": ("charge", "succeeded"),
    "customer.created": ("customer", None),
    "customer.updated": ("customer", None),
    "customer.deleted": ("customer", None),
    "payment_method.attached": ("payment_method", None),
    "payment_method.detached": ("payment_method", None),
    "setup_intent.created": ("setup_intent", "requires_payment_method"),
    "setup_intent.succeeded": ("setup_intent", "succeeded"),
    "setup_intent.setup_failed": ("setup_intent", "requires_payment_method"),
    "setup_intent.requires_action": ("setup_intent", "requires_action"),
    "setup_intent.canceled": ("setup_intent", "canceled"),
}


def test_every_trigger_is_checked() -> None:
    assert set(SUPPORTED) == set(STATUS_AFTER) | set(CARRIED)


@pytest.mark.parametrize("name", sorted(CARRIED))
def test_other_triggers_carry_their_object(name: str, emulator: Emulator) -> None:
    from helpers.emulator import routing

    needs = {"setup_intent": ("POST", "/v1/setup_intents"),
             "charge.refunded": ("POST", "/v1/refunds")}
    for prefix, (method, path) in needs.items():
        if name.startswith(prefix) and routing.match(method, path) is None:
            pytest.skip(f"{path} is not served by this emulator yet")
    event = trigger(name, emulator)
    kind, status = CARRIED[name]
    carried = event.data.object
    assert event.type == name and carried.object == kind
    assert getattr(carried, "status", None) == status
    assert event.request.id is not None
    if name == "charge.refunded":
        assert carried.refunded is True and carried.amount_refunded == carried.amount
    if name == "payment_method.attached":
        assert carried.customer is not None
    if name == "payment_method.detached":
        assert carried.customer is None


def test_trigger_covers_every_event_the_notebooks_mention() -> None:
    pattern = re.compile(r"\b((?:payment_intent|charge|customer|payment_method|setup_intent"
                         r"|refund)\.[a-z_]+)\b")
    mentioned = set()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        mentioned |= set(pattern.findall(notebook.read_text(encoding="utf-8")))
    # attribute reads such as customer.id or payment_intent.status are not events
    events = {name for name in mentioned
              if name.split(".")[1] in {"created", "updated", "deleted", "succeeded",
                                        "processing", "payment_failed", "requires_action",
                                        "canceled", "amount_capturable_updated", "pending",
                                        "failed", "captured", "refunded", "attached",
                                        "detached", "setup_failed"}}
    assert "payment_intent.succeeded" in events  # the search finds what it should
    assert events <= set(SUPPORTED), sorted(events - set(SUPPORTED))


def test_trigger_refuses_unknown_events(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="supported events"):
        trigger("invoice.paid", emulator)


def run_cli(*args: str, env: dict | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.emulator", *args], cwd=ROOT,
                          env=env or os.environ.copy(), capture_output=True, text=True,
                          timeout=timeout)


def test_cli_trigger_on_the_kits_database(tmp_path: Path) -> None:
    db = tmp_path / "kit.sqlite3"
    done = run_cli("trigger", "payment_intent.payment_failed", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "Trigger succeeded! payment_intent.payment_failed [evt_" in done.stdout
    emulator = Emulator(db, deterministic=False)
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    assert [e["type"] for e in emulator.store.list(account, "event")][0] == \
        "payment_intent.payment_failed"
    emulator.store.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running("helpers.emulator", "serve", "--db", str(tmp_path / "served.sqlite3")) as base:
        yield base


def test_cli_trigger_and_listen_against_a_served_emulator(server: str, tmp_path: Path) -> None:
    receiver_port = free_port()
    forward_to = f"http://127.0.0.1:{receiver_port}/webhook"
    listen = subprocess.Popen(
        [sys.executable, "-m", "helpers.emulator", "listen", "--forward-to", forward_to,
         "--api-base", server, "--events", "payment_intent.succeeded,payment_intent.canceled",
         "--max-deliveries", "2", "--timeout", "45"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    receiver = None
    try:
        ready = read_line(listen, 60, "listen's banner") + read_line(listen, 60, "listen's Ready!")
        secret = re.search(r"(whsec_\w+)", ready).group(1)
        assert "Ready!" in ready and "(^C to quit)" in ready
        # your server (helpers.shop), taking the events listen forwards, signed with its secret
        receiver = subprocess.Popen(
            [sys.executable, "-m", "helpers.shop", "--port", str(receiver_port),
             "--emulator", server, "--webhook-secret", secret,
             "--db", str(tmp_path / "orders.sqlite3")], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_for_port(receiver_port)
        for name in ("payment_intent.succeeded", "payment_intent.canceled"):
            done = run_cli("trigger", name, "--api-base", server)
            assert done.returncode == 0, done.stderr
            assert f"Trigger succeeded! {name}" in done.stdout
        out, err = listen.communicate(timeout=60)
        lines = [line for line in out.splitlines() if line.startswith("-->")]
        assert len(lines) == 2, out + err
        assert re.match(r"--> payment_intent\.succeeded \[evt_\w+\]  <-- \[200\] POST "
                        + re.escape(forward_to), lines[0])
        assert "payment_intent.canceled" in lines[1] and "[200]" in lines[1]
        book = OrderBook(tmp_path / "orders.sqlite3")
        poll_until(book.statuses, 20, "the shop to fulfil (just after answering 200)")
        assert list(book.statuses().values()) == ["paid"]
        # listen removed its endpoint when it stopped
        api = stripe.StripeClient(DEFAULT_SECRET_KEY, base_addresses={"api": server})
        assert api.v1.webhook_endpoints.list().data == []
    finally:
        if listen.poll() is None:
            listen.kill()
        if receiver is not None:
            receiver.terminate()
            receiver.wait(10)


def test_listen_reports_a_failing_endpoint_and_its_retries(tmp_path: Path) -> None:
    env = {**os.environ, "KIT_WEBHOOK_RETRY_SCHEDULE": "0.5,0.5"}
    db = str(tmp_path / "kit.sqlite3")
    port = free_port()  # nobody listens there
    listen = subprocess.Popen(
        [sys.executable, "-m", "helpers.emulator", "listen", "--forward-to",
         f"http://127.0.0.1:{port}/webhook", "--db", db, "--events",
         "payment_intent.succeeded", "--max-deliveries", "3", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        read_line(listen, 60, "listen's banner")
        read_line(listen, 60, "listen's Ready!")
        assert run_cli("trigger", "payment_intent.succeeded", "--db", db, env=env).returncode == 0
        out, _ = listen.communicate(timeout=45)
        lines = [line for line in out.splitlines() if line.startswith("-->")]
        assert len(lines) == 3
        assert all("[ERR]" in line for line in lines)
        assert "(attempt 2)" in lines[1] and "(attempt 3)" in lines[2]
    finally:
        if listen.poll() is None:
            listen.kill()


@pytest.mark.parametrize("forward_to", ["http://a b/", "http://127.0.0.1:4242/\r\nX: y",
                                        "inprocess://lesson"])
def test_listen_refuses_an_unusable_forward_url(forward_to: str, tmp_path: Path) -> None:
    env = {**os.environ, "KIT_EMULATOR_DB": str(tmp_path / "kit.sqlite3")}
    done = run_cli("listen", "--forward-to", forward_to, "--timeout", "1", env=env)
    assert done.returncode == 2 and "is not a usable http(s) URL" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
