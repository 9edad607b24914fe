"""Shapes by construction: every object the emulator serves has its stripe-python class's shape.

Authority: stripe-python 16.1's resource classes (API 2026-10-28.endive), nested classes too,
refined by which Optional fields Stripe leaves out instead of sending null
(helpers/emulator/optional_fields.py). The walk covers every object the emulator has stored,
whatever its type (a resource added later is covered as soon as it is served), every response
of a broad scenario, and every expandable field of each object, expanded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator, routing
from helpers.emulator.context import public
from helpers.emulator.http_client import EmulatorHTTPClient
from helpers.emulator.shapes import (
    INCLUDABLE,
    PER_TYPE,
    RESOURCES,
    absent_when_unset,
    enum_values,
    fields,
    inner_classes,
    is_optional,
    register,
)
from helpers.emulator.test_cards import CARDS

RETURN_URL = "https://example.com/done"
NO_ID = {stripe.CustomerSession: {"id"}}  # a CustomerSession has no id
ONLY_ON_CREATE = {stripe.WebhookEndpoint: {"secret"}}


def class_for(obj: dict[str, Any]) -> type | None:
    name = obj.get("object")
    return RESOURCES.get(name) or (register(name) if isinstance(name, str) else None)


def shape_problems(obj: dict[str, Any], cls: type, where: str, *,
                   top: bool = True) -> list[str]:
    """Everything about `obj` that its class does not allow (empty when it has the shape)."""
    found: list[str] = []
    declared = fields(cls)
    absent = absent_when_unset(cls)
    qualname = cls.__qualname__
    per_type = enum_values(declared.get("type", "")) if qualname in PER_TYPE else set()
    for key, value in obj.items():
        if key not in declared:
            found.append(f"{where}.{key}: not a field of stripe.{qualname}")
            continue
        annotation = declared[key]
        if value is None:
            if not is_optional(annotation):
                found.append(f"{where}.{key}: null, but stripe.{qualname} says it never is")
            elif key in absent:
                found.append(f"{where}.{key}: null where Stripe leaves the field out")
            continue
        allowed = enum_values(annotation)
        if allowed and isinstance(value, str) and value not in allowed:
            found.append(f"{where}.{key} = {value!r}: not one of {sorted(allowed)}")
        if key in per_type and key != obj.get("type"):
            found.append(f"{where}.{key}: details of another type than {obj.get('type')!r}")
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("object"), str) and item["object"] != "list":
                inner_cls = class_for(item)
                if inner_cls is None:
                    found.append(f"{where}.{key}: unknown object {item['object']!r}")
                else:
                    found += shape_problems(item, inner_cls, f"{where}.{key}")
                continue
            if item.get("object") == "list":
                for element in item.get("data") or []:
                    element_cls = class_for(element)
                    if element_cls is not None:
                        found += shape_problems(element, element_cls, f"{where}.{key}[]")
                continue
            for inner in inner_classes(cls, annotation):
                found += shape_problems(item, inner, f"{where}.{key}", top=False)
    left_out = INCLUDABLE.get(getattr(cls, "OBJECT_NAME", "") or "", frozenset())
    expected = (set(declared) - {"deleted"} - set(left_out) - absent - per_type
                - NO_ID.get(cls, set()) - ONLY_ON_CREATE.get(cls, set()))
    if per_type and isinstance(obj.get("type"), str) and obj["type"] in per_type:
        # the own type's details: Stripe always sends them for a PaymentMethod
        if qualname == "PaymentMethod":
            expected.add(obj["type"])
    found += [f"{where}: missing field {name}" for name in sorted(expected - set(obj))]
    return found


def body_problems(label: str, body: dict[str, Any]) -> list[str]:
    if "error" in body:
        return []  # error bodies: tests/test_emulator_contract.py and test_emulator_limits.py
    if body.get("object") in ("list", "search_result"):
        return [p for item in body["data"] for p in body_problems(label, item)]
    if body.get("deleted"):
        return [] if set(body) == {"id", "object", "deleted"} else [f"{label}: deleted shape"]
    if body.get("object") in ("elements_session", "kit_clock", "kit_faults"):
        return []  # private to Stripe.js, or the kit's own
    cls = class_for(body)
    if cls is None:
        return [f"{label}: object {body.get('object')!r} has no stripe-python class"]
    if label.startswith("pk ") and cls is stripe.PaymentIntent:
        return []  # a publishable key sees a subset (test_emulator_contract.py checks it)
    return shape_problems(body, cls, f"{label} {body['object']}")


class Recorder(EmulatorHTTPClient):
    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        body, status, response_headers = super().request(method, url, headers, post_data)
        key = "pk" if "Bearer pk_" in (headers or {}).get("Authorization", "") else "sk"
        self.bodies.append((f"{key} {method.upper()} {url.split('?')[0]}", json.loads(body)))
        return body, status, response_headers


def quietly(call) -> None:
    try:
        call()
    except stripe.StripeError:
        pass


def scenario(sk: stripe.StripeClient, pk: stripe.StripeClient, emulator: Emulator) -> None:
    """Touch every resource and state the kit uses: each test card, banks, captures, events."""
    customer = sk.v1.customers.create({"name": "Jenny", "email": "jenny@example.com"})
    sk.v1.customers.update(customer.id, {"metadata": {"tier": "gold"}})
    visa = sk.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    sk.v1.payment_methods.update(visa.id, {"allow_redisplay": "always"})
    sk.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": visa.id}})
    sk.v1.customer_sessions.create({"customer": customer.id, "components": {
        "payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled", "payment_method_save": "enabled"}}}})
    sk.v1.customer_sessions.create({"customer": customer.id, "components": {
        "pricing_table": {"enabled": True}}})
    for card in CARDS:
        for token in card.tokens[:1]:
            quietly(lambda token=token, card=card: sk.v1.payment_intents.create({
                "amount": 1099, "currency": "usd", "confirm": True, "payment_method": token,
                "customer": customer.id if card.attachable else None,
                "return_url": RETURN_URL}))
    for token, currency in (("pm_usBankAccount_success", "usd"), ("pm_success_de", "eur")):
        quietly(lambda token=token, currency=currency: sk.v1.payment_intents.create({
            "amount": 2000, "currency": currency, "confirm": True, "payment_method": token,
            "return_url": RETURN_URL}))
    sk.v1.payment_intents.create({"amount": 900, "currency": "eur", "confirm": True,
                                  "payment_method_data": {"type": "ideal"},
                                  "return_url": RETURN_URL})
    manual = sk.v1.payment_intents.create({
        "amount": 5000, "currency": "usd", "capture_method": "manual", "confirm": True,
        "payment_method": "pm_card_mastercard", "return_url": RETURN_URL})
    sk.v1.payment_intents.capture(manual.id, {"amount_to_capture": 4000})
    # resources other modules serve, when they are there: covered as soon as they are
    if routing.match("POST", "/v1/refunds") is not None:
        quietly(lambda: sk.v1.refunds.create({"payment_intent": manual.id, "amount": 100}))
    if routing.match("POST", "/v1/setup_intents") is not None:
        quietly(lambda: sk.v1.setup_intents.create({
            "customer": customer.id, "payment_method": "pm_card_visa", "confirm": True,
            "return_url": RETURN_URL}))
    sk.v1.payment_intents.cancel(sk.v1.payment_intents.create(
        {"amount": 700, "currency": "eur"}).id, {"cancellation_reason": "abandoned"})
    pk.v1.payment_methods.create({"type": "card", "card": {
        "number": "5555555555554444", "exp_month": 1, "exp_year": 2040, "cvc": "123"}})
    endpoint = sk.v1.webhook_endpoints.create({"url": "https://example.com/hook",
                                               "enabled_events": ["*"]})
    sk.v1.webhook_endpoints.update(endpoint.id, {"description": "shop"})
    emulator.advance_clock(60)
    for path in ("/v1/customers", "/v1/payment_intents", "/v1/payment_methods",
                 "/v1/events", "/v1/webhook_endpoints"):
        sk.raw_request("get", path, limit=100)


@pytest.fixture
def walked(emulator: Emulator) -> tuple[Emulator, Recorder, stripe.StripeClient]:
    recorder = Recorder(emulator)

    def client(key: str) -> stripe.StripeClient:
        return stripe.StripeClient(key, http_client=recorder, max_network_retries=0,
                                   base_addresses={"api": "http://emulator.invalid"})
    sk = client(DEFAULT_SECRET_KEY)
    scenario(sk, client(DEFAULT_PUBLISHABLE_KEY), emulator)
    return emulator, recorder, sk


def stored(emulator: Emulator) -> list[dict[str, Any]]:
    """Every object the emulator keeps and serves, as it serves it (the kit's private
    records, `kit_*`, are never served; a CustomerSession is kept under its secret)."""
    rows = emulator.store.execute("SELECT account, id, type FROM objects ORDER BY seq").fetchall()
    objects = [public(emulator.store.get(row["account"], row["id"])) for row in rows]
    for obj in objects:
        if obj["object"] == "customer_session":
            del obj["id"]
    return [obj for obj in objects if not obj["object"].startswith("kit_")]


def test_every_response_has_its_classes_shape(walked) -> None:
    _, recorder, _ = walked
    found = [p for label, body in recorder.bodies for p in body_problems(label, body)]
    assert len(recorder.bodies) > 40
    assert found == [], "\n".join(sorted(set(found)))


def test_every_stored_object_of_every_type_has_its_classes_shape(walked) -> None:
    """Whatever the emulator keeps (a SetupIntent or Refund too, once served)."""
    emulator, _, _ = walked
    objects = stored(emulator)
    types = {obj["object"] for obj in objects}
    assert {"customer", "payment_intent", "payment_method", "charge", "event",
            "webhook_endpoint", "customer_session"} <= types
    found = []
    for obj in objects:
        cls = class_for(obj)
        if cls is None:
            found.append(f"{obj['object']}: no stripe-python class")
            continue
        found += shape_problems(obj, cls, f"stored {obj['object']}")
        data = obj.get("data") if obj["object"] == "event" else None
        if isinstance(data, dict) and isinstance(data.get("object"), dict):
            inner = class_for(data["object"])
            if inner is not None:
                found += shape_problems(data["object"], inner, f"event {obj['type']} object")
    assert found == [], "\n".join(sorted(set(found)))


def expandable(cls: type) -> list[str]:
    return [name for name, annotation in fields(cls).items()
            if annotation.startswith("typing.Union[str, ForwardRef(")]


def test_every_expandable_field_expands_to_its_shape(walked) -> None:
    emulator, _, sk = walked
    found, expanded = [], set()
    for obj in stored(emulator):
        cls = class_for(obj)
        path = f"/v1/{obj['object']}s/{obj.get('id')}"
        if cls is None or routing.match("GET", path) is None:
            continue
        names = [n for n in expandable(cls) if isinstance(obj.get(n), str)]
        names += [n for n in INCLUDABLE.get(obj["object"], ())]
        if not names:
            continue
        answer = emulator.request("GET", path, {"expand": names}, DEFAULT_SECRET_KEY)
        assert answer.status == 200, answer.body
        for name in names:
            value = answer.body.get(name)
            if isinstance(obj.get(name), str):
                assert isinstance(value, dict), f"{path} expand {name}: {value!r}"
            expanded.add(f"{obj['object']}.{name}")
        found += body_problems(f"GET {path} expanded", answer.body)
    assert {"payment_intent.customer", "payment_intent.latest_charge",
            "payment_intent.payment_method", "charge.payment_intent",
            "charge.customer", "payment_method.customer"} <= expanded, sorted(expanded)
    assert found == [], "\n".join(sorted(set(found)))


def test_findings_of_issue_13_stay_fixed(walked) -> None:
    """The fields the issue named: left out rather than null, or filled as Stripe fills them."""
    emulator, _, sk = walked
    objects = stored(emulator)
    charges = [o for o in objects if o["object"] == "charge"]
    for charge in charges:
        assert charge["disputed"] is False
        assert "radar_options" not in charge and "transfer" not in charge
        outcome = charge["outcome"]
        assert {"advice_code", "network_advice_code", "network_decline_code"} <= set(outcome)
        if charge["payment_method_details"]["type"] == "card":
            card = charge["payment_method_details"]["card"]
            assert {"network", "checks", "three_d_secure", "wallet"} <= set(card)
            assert card["network"] == card["brand"]
    for pm in (o for o in objects if o["object"] == "payment_method"):
        assert "radar_options" not in pm
    for event in (o for o in objects if o["object"] == "event"):
        assert "account" not in event
    for session in (o for o in objects if o["object"] == "customer_session"):
        assert set(session["components"]) == set(fields(stripe.CustomerSession.Components))
        for component in session["components"].values():
            assert isinstance(component["enabled"], bool)


@pytest.mark.parametrize("token, outcome", [
    ("pm_card_visa_chargeDeclined", ("issuer_declined", "generic_decline",
                                     "declined_by_network")),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", ("issuer_declined", "insufficient_funds",
                                                      "declined_by_network")),
    ("pm_card_radarBlock", ("blocked", "highest_risk_level", "not_sent_to_network")),
    ("pm_card_visa", ("authorized", None, "approved_by_network")),
])
def test_each_test_card_fills_outcome_as_stripe_does(client: stripe.StripeClient, token: str,
                                                      outcome: tuple) -> None:
    try:
        pi = client.v1.payment_intents.create({"amount": 1099, "currency": "usd",
                                               "confirm": True, "payment_method": token,
                                               "return_url": RETURN_URL})
        charge_id = pi.latest_charge
    except stripe.CardError as error:
        charge_id = error.error.payment_intent["latest_charge"]
    charge = client.v1.charges.retrieve(charge_id)
    assert (charge.outcome.type, charge.outcome.reason, charge.outcome.network_status) == outcome
    assert charge.outcome.seller_message


def test_the_shape_checker_can_fail() -> None:
    bad = {"id": "ch_1", "object": "charge", "disputed": None, "radar_options": None,
           "colour": "red", "outcome": {"type": "authorized", "made_up": 1}}
    found = "\n".join(shape_problems(bad, stripe.Charge, "charge"))
    assert "charge.colour: not a field" in found
    assert "charge.disputed: null, but" in found
    assert "charge.radar_options: null where Stripe leaves the field out" in found
    assert "charge.outcome.made_up: not a field" in found
    assert "charge: missing field amount" in found
    assert "charge.outcome: missing field advice_code" in found
