"""Webhook delivery: real HTTP POSTs, retries on the emulator's movable clock (and once in real
time), faults, pending_webhooks."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest
import stripe
from support.waits import poll_until

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, EmulatorHTTPClient, reset_emulator
from helpers.emulator.deliveries import DEFAULT_RETRY_SCHEDULE, retry_schedule


def make_client(emulator: Emulator, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, http_client=EmulatorHTTPClient(emulator),
                               base_addresses={"api": "http://emulator.invalid"},
                               max_network_retries=0)


LESSON = ["payment_intent.succeeded", "payment_intent.processing",
          "payment_intent.payment_failed"]


class Endpoint:
    """A real HTTP endpoint on 127.0.0.1 that records each POST and answers `status`."""

    def __init__(self, status: int = 200, port: int = 0) -> None:
        self.status = status
        self.got: list[tuple[float, bytes, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((time.monotonic(), body, dict(self.headers)))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"ok" if outer.status < 300 else b"boom")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """An emulator with background deliveries on, as a learner's kernel has it."""
    monkeypatch.delenv("KIT_WEBHOOK_RETRY_SCHEDULE", raising=False)
    monkeypatch.setenv("KIT_BACKGROUND_DELIVERIES", "1")
    emulator = Emulator(":memory:", deterministic=False)
    reset_emulator(emulator)
    yield emulator
    emulator.deliveries.stop_background()
    reset_emulator(None)
    emulator.store.close()


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """This file's emulator (conftest's `client` uses it): deterministic mode, so its clock
    stands still and no background thread sends anything. Time moves, and retries fall due,
    only when a test moves the clock: what is sent when is decided by the test, never by how
    busy the machine is."""
    monkeypatch.delenv("KIT_WEBHOOK_RETRY_SCHEDULE", raising=False)
    monkeypatch.delenv("KIT_BACKGROUND_DELIVERIES", raising=False)
    emulator = Emulator(":memory:", deterministic=True)
    assert emulator.deliveries.background is False
    reset_emulator(emulator)
    yield emulator
    reset_emulator(None)
    emulator.store.close()


def pay(client: stripe.StripeClient, token: str = "pm_card_visa") -> str:
    try:
        return client.v1.payment_intents.create({
            "amount": 1099, "currency": "usd", "confirm": True, "payment_method": token,
            "return_url": "https://example.com/done"}).id
    except stripe.CardError as error:
        return error.error.payment_intent["id"]


def nothing_left_to_send(emulator: Emulator, account: str) -> bool:
    """The delivery queue's own word that no (re)try is waiting: nothing pending, nothing due."""
    return emulator.deliveries.pending(account) == [] and emulator.deliveries.next_due() is None


@pytest.mark.slow
def test_a_real_endpoint_gets_every_retry_within_a_minute(live_emulator: Emulator) -> None:
    """The one real-time test (a smoke test): the background thread, with nobody calling
    run_deliveries, sends every retry to a real HTTP endpoint on the wall clock. Its bounds are
    deliberately wide (never early by more than 0.5 s, all within a minute); the schedule's
    exact order and count are checked on the movable clock by the tests below."""
    endpoint = Endpoint(status=500)
    try:
        client = make_client(live_emulator, DEFAULT_SECRET_KEY)
        we = client.v1.webhook_endpoints.create({"url": endpoint.url, "enabled_events": LESSON})
        account = live_emulator.account_of(DEFAULT_SECRET_KEY)
        started = time.monotonic()
        pay(client)
        expected = 1 + len(DEFAULT_RETRY_SCHEDULE)
        poll_until(lambda: len(live_emulator.deliveries.log(account)) >= expected
                   and nothing_left_to_send(live_emulator, account), 60,
                   f"the background thread to log all {expected} attempts and give up")
        assert len(endpoint.got) == expected  # three retries, then it gives up
        assert endpoint.got[-1][0] - started < 60
        gaps = [b[0] - a[0] for a, b in zip(endpoint.got, endpoint.got[1:], strict=False)]
        for gap, planned in zip(gaps, DEFAULT_RETRY_SCHEDULE, strict=True):
            assert gap >= planned - 0.5, (gaps, DEFAULT_RETRY_SCHEDULE)
        stamps = set()
        for _, body, headers in endpoint.got:
            event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], we.secret)
            assert event.type == "payment_intent.succeeded"
            stamps.add(headers["Stripe-Signature"].split(",")[0])
        assert len(stamps) > 1  # signed afresh with a new timestamp per attempt
        log = live_emulator.deliveries.log(account)
        assert [(a["attempt"], a["status"], a["ok"]) for a in log] == \
            [(n, 500, 0) for n in range(1, expected + 1)]
        assert all(a["excerpt"] == "boom" and a["duration_ms"] >= 0 for a in log)
        event = client.v1.events.retrieve(log[0]["event_id"])
        assert event.pending_webhooks == 1  # never delivered
    finally:
        endpoint.close()


@pytest.mark.parametrize("schedule", [None, "1,3"], ids=["default", "KIT_WEBHOOK_RETRY_SCHEDULE"])
def test_each_retry_falls_due_exactly_on_schedule_then_it_gives_up(
        emulator: Emulator, client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch,
        schedule: str | None) -> None:
    """On the movable clock: retry n is not sent half a second before its planned gap and is
    sent (once) half a second after it; after the last one nothing is pending, and a day later
    nothing more has been sent."""
    if schedule:
        monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", schedule)
    planned = retry_schedule()
    assert planned == (DEFAULT_RETRY_SCHEDULE if schedule is None else (1.0, 3.0))
    got: list[dict[str, str]] = []

    def failing(payload: bytes, headers: dict[str, str]) -> int:
        got.append(headers)
        return 500

    url = emulator.add_receiver("failing", failing)
    we = client.v1.webhook_endpoints.create({"url": url, "enabled_events": LESSON})
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    deliveries = emulator.deliveries
    pay(client)
    assert [a["attempt"] for a in deliveries.log(account)] == [1]
    for attempt, gap in enumerate(planned, start=2):
        [waiting] = deliveries.pending(account)
        assert waiting["attempt"] == attempt - 1
        assert waiting["due_at"] - emulator.clock.base_float() == pytest.approx(gap)
        emulator.advance_clock(gap - 0.5)
        assert len(deliveries.log(account)) == attempt - 1, f"retry {attempt - 1} came early"
        emulator.advance_clock(1.0)
        assert [a["attempt"] for a in deliveries.log(account)] == list(range(1, attempt + 1))
    assert nothing_left_to_send(emulator, account)
    emulator.advance_clock(24 * 3600)
    log = deliveries.log(account)
    assert [(a["attempt"], a["status"], a["ok"]) for a in log] == \
        [(n, 500, 0) for n in range(1, len(planned) + 2)]
    assert len(got) == len(log)
    assert len({h["Stripe-Signature"].split(",")[0] for h in got}) == len(got)  # signed afresh
    assert client.v1.events.retrieve(log[0]["event_id"]).pending_webhooks == 1
    assert we.id == log[0]["endpoint_id"]


def test_retries_of_two_deliveries_go_out_in_the_order_they_fall_due(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    """A delivery queued later, but due sooner, goes first: A fails twice before B is queued,
    so B's second attempt (2 s after it) comes before A's third (5 s after A's second)."""
    url = emulator.add_receiver("failing", lambda payload, headers: 500)
    client.v1.webhook_endpoints.create({"url": url, "enabled_events": LESSON})
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    first = pay(client)
    emulator.advance_clock(DEFAULT_RETRY_SCHEDULE[0] + 0.5)  # A's first retry
    second = pay(client, "pm_card_chargeDeclined")
    emulator.deliveries.settle()
    subject = {e.id: e.data.object.id for e in client.v1.events.list({"limit": 100}).data}
    sent = [("A" if subject[a["event_id"]] == first else "B", a["attempt"])
            for a in emulator.deliveries.log(account)]
    assert subject and second in subject.values()
    assert sent == [("A", 1), ("A", 2), ("B", 1), ("B", 2), ("A", 3), ("B", 3), ("A", 4),
                    ("B", 4)]
    assert nothing_left_to_send(emulator, account)


def test_a_receiver_that_was_down_gets_every_event_once_back(emulator: Emulator,
                                                             client: stripe.StripeClient) -> None:
    probe = Endpoint()
    port = probe.port
    probe.close()  # nothing listens on this port now: connection refused
    client.v1.webhook_endpoints.create({"url": f"http://127.0.0.1:{port}/webhook",
                                        "enabled_events": LESSON})
    ids = [pay(client), pay(client, "pm_card_chargeDeclined"), pay(client)]
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    emulator.advance_clock(DEFAULT_RETRY_SCHEDULE[0] + 0.5)  # the first retries: still down
    log = emulator.deliveries.log(account)
    assert [a["attempt"] for a in log] == [1, 1, 1, 2, 2, 2]
    assert all(a["status"] is None and "Refused" in a["excerpt"] for a in log)
    endpoint = Endpoint(port=port)  # back up
    try:
        emulator.advance_clock(DEFAULT_RETRY_SCHEDULE[1] + 0.5)  # the second retries
        assert nothing_left_to_send(emulator, account)
        emulator.advance_clock(24 * 3600)
        got = [json.loads(body) for _, body, _ in endpoint.got]
        assert sorted(e["data"]["object"]["id"] for e in got) == sorted(ids)
        assert len({e["id"] for e in got}) == len(got) == 3
        events = client.v1.events.list({"limit": 100}).data
        assert all(e.pending_webhooks == 0 for e in events if e.type in LESSON)
    finally:
        endpoint.close()


def in_process(emulator: Emulator, client: stripe.StripeClient, events=LESSON,
               answer: int = 200):
    got: list[dict] = []

    def receive(payload: bytes, headers: dict) -> int:
        got.append(json.loads(payload))
        return answer

    url = emulator.add_receiver(f"faults-{id(got)}", receive)
    client.v1.webhook_endpoints.create({"url": url, "enabled_events": events})
    return got


def test_duplicates_deliver_each_event_twice(emulator: Emulator,
                                             client: stripe.StripeClient) -> None:
    emulator.faults.set(duplicates=True)
    got = in_process(emulator, client)
    pay(client)
    assert [e["type"] for e in got] == ["payment_intent.succeeded"] * 2
    assert got[0]["id"] == got[1]["id"]
    assert client.v1.events.retrieve(got[0]["id"]).pending_webhooks == 0


def test_delay_holds_the_first_attempt(emulator: Emulator, client: stripe.StripeClient) -> None:
    emulator.faults.set(delay_seconds=30)
    got = in_process(emulator, client)
    pay(client)
    emulator.run_deliveries()
    assert got == []
    emulator.advance_clock(31)
    assert [e["type"] for e in got] == ["payment_intent.succeeded"]


def test_shuffle_releases_a_batch_out_of_order(emulator: Emulator,
                                               client: stripe.StripeClient) -> None:
    emulator.faults.set(shuffle=True, delay_seconds=30)
    got = in_process(emulator, client, ["*"])
    for _ in range(4):
        pay(client)
    assert got == []
    emulator.advance_clock(31)
    happened = [e["id"] for e in reversed(client.v1.events.list({"limit": 100}).data)]
    arrived = [e["id"] for e in got]
    assert sorted(arrived) == sorted(happened) and arrived != happened


def test_a_lost_first_answer_is_retried(emulator: Emulator, client: stripe.StripeClient,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60,60,60")
    emulator.faults.set(fail_first_attempt=True)
    got = in_process(emulator, client)
    pay(client)
    assert len(got) == 1  # the handler did see it...
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    first = emulator.deliveries.log(account)[0]
    assert first["status"] is None and "answer was lost" in first["excerpt"]
    assert client.v1.events.retrieve(got[0]["id"]).pending_webhooks == 1
    emulator.advance_clock(61)  # ...and gets it again
    assert [e["id"] for e in got] == [got[0]["id"]] * 2
    assert client.v1.events.retrieve(got[0]["id"]).pending_webhooks == 0


def test_faults_are_shared_through_the_database_and_per_account(tmp_path) -> None:
    path = tmp_path / "emulator.sqlite3"
    one, two = Emulator(path, deterministic=False), Emulator(path, deterministic=False)
    try:
        assert not one.faults.get().any
        one.faults.set(duplicates=True, delay_seconds=2)
        assert two.faults.get("acct_x") == one.faults.get()
        two.faults.set(account="acct_y", shuffle=True)
        assert one.faults.get("acct_y").shuffle and not one.faults.get("acct_y").duplicates
        assert one.faults.get("acct_x").duplicates
        one.faults.clear()
        assert not two.faults.get("acct_x").any
        with pytest.raises(ValueError):
            one.faults.set(delay_seconds=-1)
    finally:
        one.store.close()
        two.store.close()


def test_faults_over_the_api(client: stripe.StripeClient) -> None:
    body = client.raw_request("post", "/v1/test_helpers/kit/webhook_faults", duplicates="true",
                              delay_seconds="1.5")
    assert json.loads(body.body)["duplicates"] is True
    shown = json.loads(client.raw_request("get", "/v1/test_helpers/kit/webhook_faults").body)
    assert shown["delay_seconds"] == 1.5 and shown["shuffle"] is False
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter"):
        client.raw_request("post", "/v1/test_helpers/kit/webhook_faults", reorder="true")


def test_pending_webhooks_counts_down_per_endpoint(emulator: Emulator,
                                                   client: stripe.StripeClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60")
    answers = [500]

    def flaky(payload: bytes, headers: dict) -> int:
        return answers.pop(0) if answers else 200

    for name, receiver in (("ok", lambda p, h: 200), ("flaky", flaky)):
        url = emulator.add_receiver(name, receiver)
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": LESSON})
    pay(client)
    event = client.v1.events.list({"type": "payment_intent.succeeded"}).data[0]
    assert event.pending_webhooks == 1  # two endpoints, one delivered
    emulator.advance_clock(61)
    assert client.v1.events.retrieve(event.id).pending_webhooks == 0


def test_a_disabled_endpoint_stops_its_retries(emulator: Emulator,
                                               client: stripe.StripeClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60,60,60")
    got = in_process(emulator, client, answer=500)
    pay(client)
    endpoint = client.v1.webhook_endpoints.list().data[0]
    client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})
    emulator.advance_clock(61)
    emulator.advance_clock(61)
    assert len(got) == 1
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    assert emulator.deliveries.pending(account) == []


def test_settle_fast_forwards_through_the_retries(emulator: Emulator,
                                                  client: stripe.StripeClient) -> None:
    """On a clock that stands still, settle() can only finish by moving it (waiting in real
    time would never make a retry due: the timeout turns that into a failure)."""
    got = []
    answers = [500, 502, 503]

    def receive(payload: bytes, headers: dict) -> int:
        got.append(payload)
        return answers.pop(0) if answers else 200

    url = emulator.add_receiver("settle", receive)
    endpoint = client.v1.webhook_endpoints.create({"url": url, "enabled_events": LESSON})
    pay(client)
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    emulator.deliveries.settle(endpoint.id, timeout=30)
    assert len(got) == 4
    assert [a["status"] for a in emulator.deliveries.log(account)] == [500, 502, 503, 200]
    assert emulator.clock.offset_for(account) >= sum(DEFAULT_RETRY_SCHEDULE)  # the clock jumped
    assert nothing_left_to_send(emulator, account)


def test_background_thread_stops_cleanly(live_emulator: Emulator) -> None:
    live_emulator.deliveries.start_background()
    thread = live_emulator.deliveries._thread
    assert thread is not None and thread.daemon and thread.is_alive()
    live_emulator.deliveries.stop_background()
    assert not thread.is_alive()


def test_no_background_thread_in_deterministic_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIT_BACKGROUND_DELIVERIES", raising=False)
    emulator = Emulator(":memory:", deterministic=True)
    try:
        assert emulator.deliveries.background is False
    finally:
        emulator.store.close()
