"""Bank debits that sit in `processing` and settle on the clock; bank redirects (iDEAL…)."""

from __future__ import annotations

import pytest
import stripe

from helpers.emulator import Emulator

RETURN_URL = "https://shop.example/order/7/complete?ref=abc"


def intent(client: stripe.StripeClient, currency: str, token: str,
           **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create({
        "amount": 2000, "currency": currency, "confirm": True, "payment_method": token,
        "return_url": RETURN_URL, **extra})


def test_ach_success_processes_then_succeeds_when_the_clock_moves(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    pi = intent(client, "usd", "pm_usBankAccount_success")
    assert pi.status == "processing"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.status == "pending"
    assert client.v1.payment_intents.retrieve(pi.id).status == "processing"
    emulator.advance_clock(10)
    settled = client.v1.payment_intents.retrieve(pi.id)
    assert settled.status == "succeeded" and settled.amount_received == 2000
    types = [e.type for e in client.v1.events.list({"limit": 20}).data]
    assert types[:2] == ["payment_intent.succeeded", "charge.succeeded"]
    assert "payment_intent.processing" in types and "charge.pending" in types
    automatic = client.v1.events.list({"type": "payment_intent.succeeded"}).data[0]
    assert automatic.request.id is None  # settled by Stripe, not by an API request


@pytest.mark.parametrize("first_call", ["retrieve", "update"])
def test_a_clock_moved_elsewhere_settles_before_the_next_request_answers(
        emulator: Emulator, client: stripe.StripeClient, first_call: str) -> None:
    """Another process (a CLI, the server) moved the shared clock without firing timers
    here: whatever request comes next, a read or a write, answers after the debit settled."""
    pi = intent(client, "usd", "pm_usBankAccount_success")
    emulator.clock.advance(10)  # the clock alone, as another process moves it
    if first_call == "update":  # refused as Stripe refuses it: the debit has settled
        with pytest.raises(stripe.InvalidRequestError, match="status of succeeded"):
            client.v1.payment_intents.update(pi.id, {"amount": 3000})
    seen = client.v1.payment_intents.retrieve(pi.id)
    assert seen.status == "succeeded" and seen.amount_received == 2000


@pytest.mark.parametrize("token, code", [
    ("pm_usBankAccount_insufficientFunds", "insufficient_funds"),
    ("pm_usBankAccount_accountClosed", "account_closed"),
])
def test_ach_failures_return_to_requires_payment_method(
        emulator: Emulator, client: stripe.StripeClient, token: str, code: str) -> None:
    pi = intent(client, "usd", token)
    emulator.advance_clock(10)
    failed = client.v1.payment_intents.retrieve(pi.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == code
    assert client.v1.events.list({"type": "payment_intent.payment_failed"}).data


def test_ach_processing_token_stays_processing_and_can_be_canceled(
        emulator: Emulator, client: stripe.StripeClient) -> None:
    pi = intent(client, "usd", "pm_usBankAccount_processing")
    emulator.advance_clock(3600)
    assert client.v1.payment_intents.retrieve(pi.id).status == "processing"
    assert client.v1.payment_intents.cancel(pi.id).status == "canceled"


def test_sepa_delayed_scenarios_need_three_minutes(emulator: Emulator,
                                                   client: stripe.StripeClient) -> None:
    quick = intent(client, "eur", "pm_success_de")
    slow = intent(client, "eur", "pm_failedDelayed_de")
    emulator.advance_clock(10)
    assert client.v1.payment_intents.retrieve(quick.id).status == "succeeded"
    assert client.v1.payment_intents.retrieve(slow.id).status == "processing"
    emulator.advance_clock(200)
    assert client.v1.payment_intents.retrieve(slow.id).status == "requires_payment_method"


def test_bank_methods_need_their_currency(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="not allowed"):
        intent(client, "usd", "pm_success_de")


def test_sepa_and_ach_creation_validate_details(publishable_client: stripe.StripeClient) -> None:
    made = publishable_client.v1.payment_methods.create({
        "type": "sepa_debit", "sepa_debit": {"iban": "DE89 3704 0044 0532 0130 00"},
        "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"}})
    assert made.sepa_debit.last4 == "3000" and made.sepa_debit.country == "DE"
    with pytest.raises(stripe.InvalidRequestError, match="IBAN"):
        publishable_client.v1.payment_methods.create({
            "type": "sepa_debit", "sepa_debit": {"iban": "DE00370400440532013000"},
            "billing_details": {"name": "J", "email": "j@example.com"}})
    with pytest.raises(stripe.InvalidRequestError, match="billing_details\\[email\\]"):
        publishable_client.v1.payment_methods.create({
            "type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"},
            "billing_details": {"name": "J"}})
    ach = publishable_client.v1.payment_methods.create({
        "type": "us_bank_account", "billing_details": {"name": "Jenny Rosen"},
        "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789",
                            "account_holder_type": "individual"}})
    assert ach.us_bank_account.last4 == "6789"


def test_ideal_redirects_and_saves_a_generated_sepa_debit(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"name": "Fenna"})
    ideal = client.v1.payment_methods.create({"type": "ideal", "ideal": {"bank": "ing"}})
    pi = client.v1.payment_intents.create({
        "amount": 1500, "currency": "eur", "customer": customer.id, "confirm": True,
        "payment_method": ideal.id, "return_url": RETURN_URL, "setup_future_usage": "off_session"})
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    assert "/kit/redirect/pa_nonce_" in pi.next_action.redirect_to_url.url
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.payment_intents.create({"amount": 1500, "currency": "eur", "confirm": True,
                                          "payment_method": ideal.id,
                                          "automatic_payment_methods": {
                                              "enabled": True, "allow_redirects": "never"}})


def test_the_clock_moves_through_the_api(client: stripe.StripeClient) -> None:
    pi = intent(client, "usd", "pm_usBankAccount_success")
    before = client.raw_request("get", "/v1/test_helpers/kit/clock")
    moved = client.raw_request("post", "/v1/test_helpers/kit/clock/advance", seconds=60)
    assert client.deserialize(moved, api_mode="V1").now >= \
        client.deserialize(before, api_mode="V1").now + 60
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError, match="between 1 and"):
        client.raw_request("post", "/v1/test_helpers/kit/clock/advance", seconds=-5)
