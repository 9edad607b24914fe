"""A refund that changes sends `refund.updated` and `charge.refund.updated`, as Stripe lists
them (docs.stripe.com/api/refunds, "Events"): on the events list and to webhook endpoints."""

from __future__ import annotations

import json

import stripe

from helpers.emulator import Emulator
from helpers.emulator.test_banks import SETTLE_SECONDS


def refunded(client: stripe.StripeClient, token: str = "pm_card_visa") -> stripe.Refund:
    pi = client.v1.payment_intents.create({
        "amount": 1000, "currency": "usd", "payment_method": token, "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    return client.v1.refunds.create({"payment_intent": pi.id})


def test_updating_a_refund_lists_both_events(client: stripe.StripeClient) -> None:
    refund = refunded(client)
    client.v1.refunds.update(refund.id, {"metadata": {"note": "late parcel"}})
    for event_type in ("refund.updated", "charge.refund.updated"):
        events = client.v1.events.list({"type": event_type}).data
        assert len(events) == 1, event_type
        event = events[0]
        assert event.data.object.object == "refund" and event.data.object.id == refund.id
        assert event.data.object.metadata.to_dict() == {"note": "late parcel"}
        assert event.data.previous_attributes.metadata.to_dict() == {}
        assert event.request.id.startswith("req_")  # caused by the update request


def test_a_pending_refund_settling_sends_charge_refund_updated(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    refund = refunded(client, "pm_card_pendingRefund")
    emulator.advance_clock(SETTLE_SECONDS + 1)
    events = client.v1.events.list({"type": "charge.refund.updated"}).data
    assert len(events) == 1
    assert events[0].data.object.status == "succeeded"
    assert events[0].data.previous_attributes.status == "pending"
    assert events[0].data.object.id == refund.id


def test_charge_refund_updated_is_delivered_to_a_webhook_endpoint(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    got: list[tuple[bytes, dict]] = []

    def receive(payload: bytes, headers: dict) -> int:
        got.append((payload, headers))
        return 200

    url = emulator.add_receiver("refund-events", receive)
    endpoint = client.v1.webhook_endpoints.create({
        "url": url, "enabled_events": ["charge.refund.updated"]})
    refund = refunded(client)
    assert got == []  # creating a refund is not an update
    client.v1.refunds.update(refund.id, {"metadata": {"note": "late parcel"}})
    assert len(got) == 1
    payload, headers = got[0]
    event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"],
                                           endpoint.secret)
    assert event.type == "charge.refund.updated"
    assert json.loads(payload)["data"]["object"]["id"] == refund.id
