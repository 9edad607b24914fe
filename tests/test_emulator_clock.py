"""One clock per account: moving account A's time never moves account B's."""

from __future__ import annotations

import json

import pytest
import stripe

from helpers.emulator import Emulator
from helpers.emulator.core import FIXED_EPOCH

KEY_A = "sk_test_emulator_clock_a"
KEY_B = "sk_test_emulator_clock_b"
SESSION_LIFETIME = 30 * 60


@pytest.fixture
def a(client_for) -> stripe.StripeClient:
    return client_for(KEY_A)


@pytest.fixture
def b(client_for) -> stripe.StripeClient:
    return client_for(KEY_B)


def session_secrets(client: stripe.StripeClient) -> tuple[str, str]:
    customer = client.v1.customers.create({"name": "Jenny Rosen"})
    intent = client.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                               "customer": customer.id})
    session = client.v1.customer_sessions.create({
        "customer": customer.id,
        "components": {"payment_element": {"enabled": True}}})
    return intent.client_secret, session.client_secret


def session_loads(emulator: Emulator, publishable: str, secrets: tuple[str, str]) -> int:
    return emulator.request("GET", "/v1/elements/sessions", {
        "client_secret": secrets[0], "customer_session_client_secret": secrets[1]},
        publishable).status


def test_advancing_one_account_through_the_api_leaves_the_other_alone(
        emulator: Emulator, a: stripe.StripeClient, b: stripe.StripeClient) -> None:
    a_secrets, b_secrets = session_secrets(a), session_secrets(b)
    b_before = b.raw_request("get", "/v1/test_helpers/kit/clock")
    moved = a.raw_request("post", "/v1/test_helpers/kit/clock/advance",
                          seconds=SESSION_LIFETIME + 60)
    a_now = json.loads(moved.body)
    b_after = json.loads(b.raw_request("get", "/v1/test_helpers/kit/clock").body)
    assert a_now["offset_seconds"] == SESSION_LIFETIME + 60
    assert b_after["offset_seconds"] == 0
    assert b_after["now"] - json.loads(b_before.body)["now"] < 60  # only real time passed
    assert session_loads(emulator, "pk_test_emulator_clock_a", a_secrets) == 400  # expired
    assert session_loads(emulator, "pk_test_emulator_clock_b", b_secrets) == 200  # still valid


def test_processing_settles_on_its_own_accounts_clock(
        emulator: Emulator, a: stripe.StripeClient, b: stripe.StripeClient) -> None:
    params = {"amount": 2000, "currency": "usd", "confirm": True,
              "payment_method": "pm_usBankAccount_success",
              "return_url": "https://shop.example/done"}
    a_intent, b_intent = (c.v1.payment_intents.create(params) for c in (a, b))
    emulator.advance_clock(3600, emulator.account_of(KEY_A))
    assert a.v1.payment_intents.retrieve(a_intent.id).status == "succeeded"
    assert b.v1.payment_intents.retrieve(b_intent.id).status == "processing"
    emulator.advance_clock(3600, emulator.account_of(KEY_B))
    assert b.v1.payment_intents.retrieve(b_intent.id).status == "succeeded"


def test_webhook_retries_follow_their_accounts_clock(
        emulator: Emulator, a: stripe.StripeClient, b: stripe.StripeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60,60")
    got: dict[str, list[str]] = {"a": [], "b": []}
    for name, client in (("a", a), ("b", b)):
        def failing(payload: bytes, headers: dict, name: str = name) -> int:
            got[name].append(json.loads(payload)["id"])
            return 500
        url = emulator.add_receiver(f"clock-{name}", failing)
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["customer.created"]})
        client.v1.customers.create({"name": name})
    assert [len(got["a"]), len(got["b"])] == [1, 1]  # the first attempts
    emulator.advance_clock(61, emulator.account_of(KEY_A))
    assert [len(got["a"]), len(got["b"])] == [2, 1]  # only A's retry fell due
    emulator.advance_clock(61, emulator.account_of(KEY_B))
    assert [len(got["a"]), len(got["b"])] == [2, 2]


def test_settling_an_endpoint_moves_only_its_accounts_clock(
        emulator: Emulator, a: stripe.StripeClient, b: stripe.StripeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60")
    url = emulator.add_receiver("clock-settle", lambda payload, headers: 500)
    endpoint = a.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
    a.v1.customers.create({"name": "a"})
    emulator.deliveries.settle(endpoint.id)
    clock = emulator.clock
    assert clock.offset_for(emulator.account_of(KEY_A)) >= 60
    assert clock.offset_for(emulator.account_of(KEY_B)) == 0


def test_moving_every_account_still_works(emulator: Emulator) -> None:
    """`advance_clock(seconds)` with no account moves them all (a single-learner kernel)."""
    a_account, b_account = emulator.account_of(KEY_A), emulator.account_of(KEY_B)
    emulator.advance_clock(100, a_account)
    emulator.advance_clock(50)
    assert emulator.clock.offset_for(a_account) == 150
    assert emulator.clock.offset_for(b_account) == 50


def test_deterministic_mode_keeps_its_fixed_start_per_account() -> None:
    emulator = Emulator(":memory:", deterministic=True)
    try:
        a_account, b_account = emulator.account_of(KEY_A), emulator.account_of(KEY_B)
        assert emulator.clock.now(a_account) == emulator.clock.now(b_account) == FIXED_EPOCH
        emulator.advance_clock(120, a_account)
        assert emulator.clock.now(a_account) == FIXED_EPOCH + 120
        assert emulator.clock.now(b_account) == FIXED_EPOCH
        emulator.reset(a_account)
        assert emulator.clock.now(a_account) == FIXED_EPOCH
    finally:
        emulator.store.close()


def test_the_clock_is_kept_in_the_database(tmp_path) -> None:
    """Another process sharing the file sees the move (a CLI, the served emulator)."""
    db = tmp_path / "clock.sqlite3"
    first, second = Emulator(db, deterministic=True), Emulator(db, deterministic=True)
    try:
        account = first.account_of(KEY_A)
        first.advance_clock(300, account)
        second.clock._read_at = float("-inf")  # skip the refresh interval
        assert second.clock.now(account) == FIXED_EPOCH + 300
        assert second.clock.now(second.account_of(KEY_B)) == FIXED_EPOCH
    finally:
        first.store.close()
        second.store.close()
