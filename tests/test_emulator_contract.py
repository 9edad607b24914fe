"""Contract: every response of every endpoint, through stripe-python, has Stripe's shape.

The authority is stripe-python's resource classes (generated from Stripe's OpenAPI spec): no
field the class does not declare, every declared field present, enum values from its Literals.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator
from helpers.emulator.http_client import EmulatorHTTPClient
from helpers.emulator.payment_intents import PUBLISHABLE_FIELDS
from helpers.emulator.shapes import (
    RESOURCES,
    absent_when_unset,
    enum_values,
    fields,
    inner_classes,
)

RETURN_URL = "https://example.com/done"


class Recorder(EmulatorHTTPClient):
    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        body, status, response_headers = super().request(method, url, headers, post_data)
        key = "pk" if "Bearer pk_" in (headers or {}).get("Authorization", "") else "sk"
        self.bodies.append((f"{key} {method.upper()} {url.split('?')[0]} -> {status}",
                            json.loads(body)))
        return body, status, response_headers


# Fields a response may leave out on purpose.
NOT_ALWAYS_THERE = {
    stripe.CustomerSession: {"id"},  # a CustomerSession has no id
    stripe.WebhookEndpoint: {"secret"},  # returned only by create
    stripe.Charge: {"refunds"},  # includable: sent only when expanded (since 2022-11-15)
    stripe.Customer: {"cash_balance", "invoice_credit_balance", "sources", "subscriptions",
                      "tax", "tax_ids"},  # includable: sent only when expanded
}


def problems(obj: Any, cls: type, where: str, top: bool, publishable: bool = False) -> list[str]:
    found: list[str] = []
    declared = fields(cls)
    for key, value in obj.items():
        if key not in declared:
            found.append(f"{where}.{key}: not a field of stripe.{cls.__qualname__}")
            continue
        annotation = declared[key]
        allowed = enum_values(annotation)
        if allowed and isinstance(value, str) and value not in allowed:
            found.append(f"{where}.{key} = {value!r}: not one of {sorted(allowed)}")
        for inner in inner_classes(cls, annotation):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict) and "object" not in item:
                    found += problems(item, inner, f"{where}.{key}", top=False)
        if isinstance(value, dict) and isinstance(value.get("object"), str) \
                and value["object"] in RESOURCES:
            found += problems(value, RESOURCES[value["object"]], f"{where}.{key}", top=True)
    if top:
        per_type = enum_values(declared.get("type", "")) if cls is stripe.PaymentMethod else set()
        expected = set(declared) - per_type - {"deleted"} - NOT_ALWAYS_THERE.get(cls, set()) \
            - absent_when_unset(cls)  # left out when unset, as Stripe does
        if publishable and cls is stripe.PaymentIntent:
            expected = set(PUBLISHABLE_FIELDS)
            found += [f"{where}: {name} leaked to a publishable key" for name in obj
                      if name not in expected]
        found += [f"{where}: missing field {name}" for name in sorted(expected - set(obj))]
    return found


def check_body(label: str, body: dict[str, Any]) -> list[str]:
    if "error" in body:
        error_fields = fields(stripe.ErrorObject)
        found = [f"{label} error.{k}: not a field of ErrorObject"
                 for k in body["error"] if k not in error_fields]
        if body["error"]["type"] not in ("api_error", "card_error", "idempotency_error",
                                         "invalid_request_error"):
            found.append(f"{label}: error type {body['error']['type']}")
        return found
    if body.get("object") == "list":
        return [p for item in body["data"] for p in check_body(label, item)]
    if body.get("deleted"):
        return [] if set(body) == {"id", "object", "deleted"} else [f"{label}: deleted shape"]
    cls = RESOURCES.get(body.get("object", ""))
    if cls is None:
        return [] if body.get("object") == "elements_session" else [f"{label}: unknown object"]
    return problems(body, cls, f"{label} {body['object']}", top=True,
                    publishable=label.startswith("pk "))


@pytest.fixture
def recorded(emulator: Emulator):
    recorder = Recorder(emulator)

    def client(key: str = DEFAULT_SECRET_KEY) -> stripe.StripeClient:
        return stripe.StripeClient(key, http_client=recorder, max_network_retries=0,
                                   base_addresses={"api": "http://emulator.invalid"})
    return client, recorder


def expect_error(call, kind=stripe.StripeError) -> None:
    with pytest.raises(kind):
        call()


def test_every_endpoint_answers_in_stripe_shape(recorded, emulator: Emulator) -> None:
    client_for, recorder = recorded
    sk, pk = client_for(), client_for(DEFAULT_PUBLISHABLE_KEY)
    customer = sk.v1.customers.create({"name": "Jenny", "email": "j@example.com"})
    sk.v1.customers.retrieve(customer.id)
    sk.v1.customers.update(customer.id, {"metadata": {"tier": "gold"}})
    sk.v1.customers.list({"limit": 3})
    visa = sk.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    sk.v1.payment_methods.update(visa.id, {"allow_redisplay": "always"})
    sk.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": visa.id}})
    sk.v1.customers.payment_methods.list(customer.id, {"type": "card"})
    sk.v1.customers.payment_methods.retrieve(customer.id, visa.id)
    sk.v1.payment_methods.list({"customer": customer.id})
    for token in ("pm_usBankAccount_success", "pm_success_de"):
        sk.v1.payment_methods.retrieve(token)
    for kind, details in (("ideal", {"ideal": {"bank": "ing"}}), ("bancontact", {})):
        sk.v1.payment_methods.create({"type": kind, **details})
    # Sofort was discontinued on 31 March 2025: no new Sofort method, in Stripe's error shape
    expect_error(lambda: sk.v1.payment_methods.create({"type": "sofort",
                                                       "sofort": {"country": "DE"}}),
                 stripe.InvalidRequestError)
    pk.v1.payment_methods.create({"type": "card", "card": {
        "number": "5555555555554444", "exp_month": 1, "exp_year": 2040, "cvc": "123"}})
    session = sk.v1.customer_sessions.create({"customer": customer.id, "components": {
        "payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled", "payment_method_save": "enabled",
            "payment_method_remove": "enabled", "payment_method_redisplay_limit": 5,
            "payment_method_allow_redisplay_filters": ["always", "limited"],
            "payment_method_save_usage": "off_session"}}}})
    pi = sk.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                       "customer": customer.id})
    emulator.request("GET", "/v1/elements/sessions", {
        "client_secret": pi.client_secret,
        "customer_session_client_secret": session.client_secret}, DEFAULT_PUBLISHABLE_KEY)
    pk.v1.payment_intents.retrieve(pi.id, {"client_secret": pi.client_secret})
    sk.v1.payment_intents.update(pi.id, {"description": "order 123"})
    sk.v1.payment_intents.confirm(pi.id, {"payment_method": visa.id, "return_url": RETURN_URL})
    sk.v1.payment_intents.retrieve(pi.id, {"expand": ["latest_charge", "customer",
                                                      "payment_method"]})
    manual = sk.v1.payment_intents.create({
        "amount": 5000, "currency": "usd", "capture_method": "manual", "confirm": True,
        "payment_method": "pm_card_mastercard", "return_url": RETURN_URL})
    sk.v1.payment_intents.capture(manual.id, {"amount_to_capture": 4000})
    sk.v1.payment_intents.cancel(sk.v1.payment_intents.create(
        {"amount": 700, "currency": "eur"}).id, {"cancellation_reason": "abandoned"})
    sk.v1.payment_intents.create({"amount": 900, "currency": "usd", "confirm": True,
                                  "payment_method": "pm_card_threeDSecure2Required",
                                  "return_url": RETURN_URL})
    sk.v1.payment_intents.create({"amount": 900, "currency": "usd", "confirm": True,
                                  "payment_method": "pm_usBankAccount_success",
                                  "return_url": RETURN_URL})
    sk.v1.payment_intents.create({"amount": 900, "currency": "eur", "confirm": True,
                                  "payment_method_data": {"type": "ideal"},
                                  "return_url": RETURN_URL})
    emulator.advance_clock(30)
    sk.v1.payment_intents.list({"limit": 100})
    endpoint = sk.v1.webhook_endpoints.create({"url": "https://example.com/hook",
                                               "enabled_events": ["payment_intent.succeeded"]})
    sk.v1.webhook_endpoints.retrieve(endpoint.id)
    sk.v1.webhook_endpoints.update(endpoint.id, {"description": "shop"})
    sk.v1.webhook_endpoints.list()
    events = sk.v1.events.list({"limit": 100})
    sk.v1.events.retrieve(events.data[0].id)
    sk.v1.charges.retrieve(manual.latest_charge)
    sk.v1.webhook_endpoints.delete(endpoint.id)
    sk.v1.payment_methods.detach(visa.id)
    expect_error(lambda: sk.v1.payment_intents.create({
        "amount": 1099, "currency": "usd", "confirm": True, "return_url": RETURN_URL,
        "payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds"}), stripe.CardError)
    expect_error(lambda: sk.v1.customers.retrieve("cus_missing"))
    expect_error(lambda: pk.v1.customers.list())
    expect_error(lambda: sk.v1.payment_intents.create({"amount": 1, "currency": "usd"}))
    sk.v1.customers.delete(customer.id)

    labels = {label.split(" -> ")[0] for label, _ in recorder.bodies}
    assert len(labels) >= 25, sorted(labels)  # the scenario really reached the endpoints
    event_types = {e.type for e in events.data}
    assert {"customer.created", "customer.updated", "payment_method.attached",
            "payment_method.updated", "payment_intent.created", "payment_intent.succeeded",
            "payment_intent.requires_action", "payment_intent.processing",
            "payment_intent.amount_capturable_updated", "payment_intent.canceled",
            "charge.succeeded", "charge.pending", "charge.captured"} <= event_types
    found = [p for label, body in recorder.bodies for p in check_body(label, body)]
    found += [f"{label}: leaks the emulator's private _kit data" for label, body in
              recorder.bodies if '"_kit"' in json.dumps(body)]
    assert found == [], "\n".join(sorted(set(p.split(" -> ")[-1] for p in found)))


def test_the_checker_can_fail() -> None:
    """A made-up field, a wrong enum and a missing field are all reported."""
    bad = {"id": "pi_1", "object": "payment_intent", "status": "paid", "colour": "red"}
    reported = "\n".join(check_body("test", bad))
    assert "colour: not a field" in reported
    assert "'paid': not one of" in reported
    assert "missing field amount" in reported
