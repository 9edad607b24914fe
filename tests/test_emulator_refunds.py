"""Refunds on the emulator, through real stripe-python: full and partial, by PaymentIntent or
charge, the refund test cards, events, and every wrong input answered in Stripe's shape."""

from __future__ import annotations

import pytest
import stripe

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator
from helpers.emulator.test_banks import SETTLE_SECONDS


def paid(client: stripe.StripeClient, token: str = "pm_card_visa",
         amount: int = 1000, **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create({
        "amount": amount, "currency": "usd", "payment_method": token, "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}, **extra})


def event_types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in reversed(client.v1.events.list({"limit": 100}).data)]


def test_full_refund_of_a_payment_intent(client: stripe.StripeClient) -> None:
    pi = paid(client)
    refund = client.v1.refunds.create({"payment_intent": pi.id, "reason": "requested_by_customer",
                                       "metadata": {"order": "42"}})
    assert refund.object == "refund" and refund.id.startswith("re_")
    assert refund.amount == 1000 and refund.status == "succeeded"
    assert refund.charge == pi.latest_charge and refund.payment_intent == pi.id
    assert refund.reason == "requested_by_customer" and refund.metadata["order"] == "42"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 1000 and charge.refunded is True
    assert event_types(client)[-2:] == ["refund.created", "charge.refunded"]
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"payment_intent": pi.id})
    assert again.value.code == "charge_already_refunded"
    assert again.value.user_message == f"Charge {pi.latest_charge} has already been refunded."


def test_partial_refunds_by_charge_add_up(emulator: Emulator,
                                          client: stripe.StripeClient) -> None:
    pi = paid(client, amount=1000)
    first = client.v1.refunds.create({"charge": pi.latest_charge, "amount": 400})
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 400 and charge.refunded is False
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"charge": pi.latest_charge, "amount": 601})
    assert too_much.value.param == "amount"
    assert "greater than unrefunded amount on charge ($6.00)" in too_much.value.user_message
    rest = client.v1.refunds.create({"payment_intent": pi.id})  # the rest: 600
    assert rest.amount == 600
    charge = client.v1.charges.retrieve(pi.latest_charge, {"expand": ["refunds"]})
    assert charge.amount_refunded == 1000 and charge.refunded is True
    assert [r.id for r in charge.refunds.data] == [rest.id, first.id]
    listed = emulator.request("GET", f"/v1/charges/{pi.latest_charge}/refunds", None,
                              DEFAULT_SECRET_KEY)
    assert [r["id"] for r in listed.body["data"]] == [rest.id, first.id]
    one = emulator.request("GET", f"/v1/charges/{pi.latest_charge}/refunds/{first.id}", None,
                           DEFAULT_SECRET_KEY)
    assert one.body["amount"] == 400
    assert client.v1.refunds.list({"charge": pi.latest_charge}).data[0].id == rest.id


def test_retrieve_update_list(client: stripe.StripeClient) -> None:
    one, two = paid(client), paid(client)
    r1 = client.v1.refunds.create({"payment_intent": one.id, "amount": 100})
    r2 = client.v1.refunds.create({"payment_intent": two.id, "amount": 200})
    assert client.v1.refunds.retrieve(r1.id).amount == 100
    updated = client.v1.refunds.update(r1.id, {"metadata": {"note": "late parcel"}})
    assert updated.metadata["note"] == "late parcel"
    assert event_types(client)[-2:] == ["refund.updated", "charge.refund.updated"]
    assert [r.id for r in client.v1.refunds.list().data] == [r2.id, r1.id]
    assert [r.id for r in client.v1.refunds.list({"payment_intent": one.id}).data] == [r1.id]
    assert [r.id for r in client.v1.refunds.list({"charge": two.latest_charge}).data] == [r2.id]
    assert client.v1.refunds.retrieve(r1.id, {"expand": ["charge"]}).charge.id == \
        one.latest_charge


def test_pending_refund_card_settles_later(emulator: Emulator,
                                           client: stripe.StripeClient) -> None:
    pi = paid(client, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": pi.id})
    assert refund.status == "pending"
    emulator.advance_clock(SETTLE_SECONDS + 1)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert event_types(client)[-2:] == ["refund.updated", "charge.refund.updated"]


def test_refund_fail_card_fails_after_looking_successful(emulator: Emulator,
                                                         client: stripe.StripeClient) -> None:
    pi = paid(client, "pm_card_refundFail")
    refund = client.v1.refunds.create({"payment_intent": pi.id})
    assert refund.status == "succeeded"  # "the refund appears successful at first"
    emulator.advance_clock(SETTLE_SECONDS + 1)
    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.status == "failed" and failed.failure_reason == "expired_or_canceled_card"
    assert event_types(client)[-3:] == ["refund.updated", "charge.refund.updated",
                                        "refund.failed"]
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 0 and charge.refunded is False
    # the money was not given back, so it can be refunded again
    assert client.v1.refunds.create({"payment_intent": pi.id}).amount == 1000


def test_cancel_is_only_for_requires_action(client: stripe.StripeClient) -> None:
    refund = client.v1.refunds.create({"payment_intent": paid(client).id})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.cancel(refund.id)
    assert refused.value.http_status == 400 and "requires_action" in refused.value.user_message


def test_a_payment_without_a_successful_charge_cannot_be_refunded(
        client: stripe.StripeClient) -> None:
    open_pi = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"payment_intent": open_pi.id})
    assert refused.value.param == "payment_intent"
    held = paid(client, capture_method="manual")
    with pytest.raises(stripe.InvalidRequestError) as uncaptured:
        client.v1.refunds.create({"charge": held.latest_charge})
    assert uncaptured.value.param == "charge"
    with pytest.raises(stripe.CardError):
        paid(client, "pm_card_chargeDeclined")
    failed = client.v1.payment_intents.list({"limit": 1}).data[0]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create({"charge": failed.latest_charge})


@pytest.mark.parametrize("params, param", [
    ({}, "payment_intent"),
    ({"payment_intent": "pi_nope"}, "payment_intent"),
    ({"charge": "ch_nope"}, "charge"),
    ({"payment_intent": "{pi}", "amount": 0}, "amount"),
    ({"payment_intent": "{pi}", "amount": -5}, "amount"),
    ({"payment_intent": "{pi}", "amount": "ten"}, "amount"),
    ({"payment_intent": "{pi}", "reason": "changed_my_mind"}, "reason"),
    ({"payment_intent": "{pi}", "colour": "red"}, "colour"),
    ({"payment_intent": "{pi}", "charge": "ch_other"}, "charge"),
])
def test_bad_input_is_a_stripe_error(emulator: Emulator, client: stripe.StripeClient,
                                     params: dict, param: str) -> None:
    pi = paid(client)
    params = {k: (pi.id if v == "{pi}" else v) for k, v in params.items()}
    answer = emulator.request("POST", "/v1/refunds", params, DEFAULT_SECRET_KEY)
    assert 400 <= answer.status < 500, answer.body
    assert answer.body["error"]["param"] == param
    assert client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 0


def test_unknown_refund_and_publishable_key(emulator: Emulator) -> None:
    missing = emulator.request("GET", "/v1/refunds/re_nope", None, DEFAULT_SECRET_KEY)
    assert missing.status == 404 and missing.body["error"]["code"] == "resource_missing"
    answer = emulator.request("POST", "/v1/refunds", {"charge": "ch_x"},
                              "pk_test_emulator_default")
    assert answer.status == 401
