"""Events, webhook endpoints and signed deliveries; idempotency keys."""

from __future__ import annotations

import json

import pytest
import stripe

from helpers.emulator import Emulator

RETURN_URL = "https://example.com/done"


def pay(client: stripe.StripeClient, token: str = "pm_card_visa", **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create({"amount": 1099, "currency": "usd", "confirm": True,
                                             "payment_method": token, "return_url": RETURN_URL,
                                             **extra})


def test_a_payment_records_its_events(client: stripe.StripeClient) -> None:
    intent = pay(client)
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert types == ["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]
    succeeded = client.v1.events.list({"type": "payment_intent.succeeded"}).data
    assert len(succeeded) == 1 and succeeded[0].data.object.id == intent.id
    assert succeeded[0].request.id.startswith("req_")
    assert client.v1.events.retrieve(succeeded[0].id).type == "payment_intent.succeeded"


def test_webhook_secret_is_returned_only_at_creation(client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create({"url": "https://example.com/hook",
                                                   "enabled_events": ["*"]})
    assert endpoint.secret.startswith("whsec_")
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True}).status == "disabled"
    assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True


def receiver(emulator: Emulator, client: stripe.StripeClient, answers: list[int],
             events: list[str]):
    got: list[tuple[bytes, dict]] = []

    def receive(payload: bytes, headers: dict) -> int:
        got.append((payload, headers))
        return answers.pop(0) if answers else 200

    url = emulator.add_receiver(f"test-{len(events)}", receive)
    endpoint = client.v1.webhook_endpoints.create({"url": url, "enabled_events": events})
    return endpoint, got


def test_deliveries_are_signed_and_verify_with_stripe_python(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    endpoint, got = receiver(emulator, client, [], ["payment_intent.succeeded"])
    intent = pay(client)
    assert len(got) == 1
    payload, headers = got[0]
    event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], endpoint.secret)
    assert event.type == "payment_intent.succeeded" and event.data.object.id == intent.id
    assert set(dict(p.split("=", 1) for p in headers["Stripe-Signature"].split(","))) == \
        {"t", "v1", "v0"}
    tampered = payload.replace(b"1099", b"1000")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, headers["Stripe-Signature"], endpoint.secret)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], "whsec_" + "other")


def test_endpoints_changed_by_another_process_are_seen_at_the_next_event(tmp_path) -> None:
    """Two emulators on one file, as the kernel and the server are: what one does to the
    webhook endpoints, the other's very next event honours (its endpoint cache must not)."""
    from helpers.emulator import DEFAULT_SECRET_KEY, EmulatorHTTPClient

    def make_client(emulator: Emulator) -> stripe.StripeClient:
        return stripe.StripeClient(DEFAULT_SECRET_KEY, http_client=EmulatorHTTPClient(emulator),
                                   base_addresses={"api": "http://emulator.invalid"})

    here, there = Emulator(tmp_path / "shared.sqlite3"), Emulator(tmp_path / "shared.sqlite3")
    got: list[str] = []
    for emulator in (here, there):
        url = emulator.add_receiver("shared", lambda payload, headers: got.append(
            json.loads(payload)["data"]["object"]["name"]) or 200)
    near, far = make_client(here), make_client(there)

    near.v1.customers.create({"name": "before any endpoint"})
    endpoint = far.v1.webhook_endpoints.create({"url": url,
                                                "enabled_events": ["customer.created"]})
    near.v1.customers.create({"name": "after the far create"})
    far.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})
    near.v1.customers.create({"name": "after the far disable"})
    near.v1.webhook_endpoints.update(endpoint.id, {"disabled": False})
    near.v1.customers.create({"name": "after the near enable"})
    far.v1.webhook_endpoints.delete(endpoint.id)
    near.v1.customers.create({"name": "after the far delete"})
    assert got == ["after the far create", "after the near enable"]


def test_failed_deliveries_are_retried_then_counted_down(
        emulator: Emulator, client: stripe.StripeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60,60,60")
    endpoint, got = receiver(emulator, client, [500, 503], ["payment_intent.succeeded"])
    pay(client)
    event = client.v1.events.list({"type": "payment_intent.succeeded"}).data[0]
    assert len(got) == 1 and event.pending_webhooks == 1
    emulator.advance_clock(61)
    assert len(got) == 2  # second attempt, still failing
    emulator.advance_clock(61)
    assert len(got) == 3
    assert client.v1.events.retrieve(event.id).pending_webhooks == 0
    attempts = emulator.deliveries.log(emulator.account_of(client._requestor.api_key))
    assert [(a["attempt"], a["status"], a["ok"]) for a in attempts] == \
        [(1, 500, 0), (2, 503, 0), (3, 200, 1)]
    # every attempt is signed afresh, and each one verifies
    for payload, headers in got:
        stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], endpoint.secret)
    assert json.loads(got[0][0])["id"] == json.loads(got[2][0])["id"]


def test_idempotent_replay_and_mismatch(client: stripe.StripeClient) -> None:
    first = client.v1.customers.create({"name": "Ann"}, {"idempotency_key": "key-1"})
    replay = client.v1.customers.create({"name": "Ann"}, {"idempotency_key": "key-1"})
    assert replay.id == first.id
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.customers.create({"name": "Bob"}, {"idempotency_key": "key-1"})


def test_a_replay_answers_what_the_first_request_answered(
        client: stripe.StripeClient) -> None:
    """Even after the object changed since; with expand[] too (its answer is no event's)."""
    customer = client.v1.customers.create({"name": "Ann"})
    for options, extra in (({"idempotency_key": "pi-1"}, {}),
                           ({"idempotency_key": "pi-2"}, {"expand": ["customer"]})):
        params = {"amount": 1099, "currency": "usd", "customer": customer.id, **extra}
        first = client.v1.payment_intents.create(params, options)
        client.v1.payment_intents.update(first.id, {"metadata": {"order": "42"}})
        replay = client.v1.payment_intents.create(params, options)
        assert replay.last_response.headers["Idempotent-Replayed"] == "true"
        assert replay.to_dict() == first.to_dict()
        assert replay.metadata.to_dict() == {}
        assert client.v1.payment_intents.retrieve(first.id).metadata.to_dict() == {"order": "42"}


def test_a_key_kept_by_an_older_kit_still_replays(emulator: Emulator) -> None:
    """Databases written before this version hold fingerprints of the old form."""
    import hashlib

    from helpers.emulator import DEFAULT_SECRET_KEY

    params = {"name": "Ann"}
    legacy = hashlib.sha256(json.dumps(["POST", "/v1/customers", params],
                                       sort_keys=True).encode()).hexdigest()
    kept = '{"id": "cus_keptbyolderkit", "object": "customer", "name": "Ann"}'
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    with emulator.store.transaction():
        emulator.store.save_idempotent_result(account, "old-key", legacy, 200, kept, 0)
    replay = emulator.request("POST", "/v1/customers", params, DEFAULT_SECRET_KEY,
                              {"Idempotency-Key": "old-key"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body["id"] == "cus_keptbyolderkit"
    other = emulator.request("POST", "/v1/customers", {"name": "Bob"}, DEFAULT_SECRET_KEY,
                             {"Idempotency-Key": "old-key"})
    assert other.status == 400 and other.body["error"]["type"] == "idempotency_error"


def test_a_declined_payment_replays_its_402(client: stripe.StripeClient) -> None:
    options = {"idempotency_key": "decline-1"}
    params = {"amount": 1099, "currency": "usd", "confirm": True, "return_url": RETURN_URL,
              "payment_method": "pm_card_visa_chargeDeclined"}
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            client.v1.payment_intents.create(params, options)
    assert len(client.v1.payment_intents.list().data) == 1


def test_events_are_listed_by_delivery_success(
        emulator: Emulator, client: stripe.StripeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`delivery_success=false`: events still pending or failed at some endpoint; `true`: the
    others (Stripe's EventListParams; the emulator used to ignore it and list everything)."""
    monkeypatch.setenv("KIT_WEBHOOK_RETRY_SCHEDULE", "60,60")
    for name, answers, event_type in (
            ("never-ok", [500, 500, 500], "payment_intent.succeeded"),  # never a 2xx
            ("ok-at-retry", [500, 200], "charge.succeeded")):  # a 2xx at the first retry
        url = emulator.add_receiver(name, lambda payload, headers, answers=answers:
                                    answers.pop(0))
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": [event_type]})
    pay(client)

    def listed(delivered: bool) -> list[str]:
        return sorted(e.type for e in client.v1.events.list(
            {"delivery_success": delivered, "limit": 100}).auto_paging_iter())

    everything = sorted(e.type for e in client.v1.events.list({"limit": 100}).data)
    # (payment_intent.created goes to no endpoint: nothing pending, so it counts as delivered)
    assert listed(False) == ["charge.succeeded", "payment_intent.succeeded"]  # still pending
    assert listed(True) == ["payment_intent.created"]
    emulator.advance_clock(61)  # charge.succeeded's retry answers 200
    assert listed(False) == ["payment_intent.succeeded"]
    assert listed(True) == ["charge.succeeded", "payment_intent.created"]
    emulator.advance_clock(61)  # payment_intent.succeeded's last retry fails too: given up
    assert not emulator.deliveries.pending(emulator.account_of(client._requestor.api_key))
    assert listed(False) == ["payment_intent.succeeded"]
    assert sorted(listed(False) + listed(True)) == everything
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.raw_request("get", "/v1/events", delivery_success="maybe")
    assert (refused.value.code, refused.value.param) == (
        "parameter_invalid_boolean", "delivery_success")
