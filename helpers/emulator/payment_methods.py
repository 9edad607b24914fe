"""PaymentMethods: test tokens, card details, attach/detach, update and list."""

from __future__ import annotations

import hashlib
from typing import Any

from . import test_cards
from .context import Context, list_envelope
from .errors import StripeError, missing
from .routing import route

REDISPLAY_VALUES = ("always", "limited", "unspecified")
DISPLAY_BRANDS = {"amex": "american_express"}
TEST_TOKEN_EXP_YEAR = 2034


def _billing_details(params: dict[str, Any] | None) -> dict[str, Any]:
    params = params or {}
    address = params.get("address") or {}
    return {
        "address": {key: address.get(key) or None for key in
                    ("city", "country", "line1", "line2", "postal_code", "state")},
        "email": params.get("email") or None,
        "name": params.get("name") or None,
        "phone": params.get("phone") or None,
        "tax_id": None,
    }


def _card_object(ctx: Context, card: test_cards.TestCard, exp_month: int, exp_year: int,
                 country: str | None = None) -> dict[str, Any]:
    fingerprint = hashlib.sha256(f"{ctx.account}:{card.number}".encode()).hexdigest()[:16]
    return {
        "brand": card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None,
                   "cvc_check": "unchecked"},
        "country": country or card.country,
        "display_brand": DISPLAY_BRANDS.get(card.brand, card.brand),
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": fingerprint,
        "funding": card.funding,
        "generated_from": None,
        "last4": card.number[-4:],
        "networks": {"available": [card.brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": card.brand != "amex"},
        "wallet": None,
    }


def _new_card_pm(ctx: Context, card: test_cards.TestCard, exp_month: int, exp_year: int,
                 params: dict[str, Any]) -> dict[str, Any]:
    pm = {
        "id": ctx.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": params.get("allow_redisplay") or "unspecified",
        "billing_details": _billing_details(params.get("billing_details")),
        "card": _card_object(ctx, card, exp_month, exp_year),
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "type": "card",
        "_kit": {"number": card.number},
    }
    return ctx.save(pm)


def from_test_token(ctx: Context, token: str) -> dict[str, Any] | None:
    """`pm_card_visa` and friends become a fresh PaymentMethod each time, as on Stripe."""
    card = test_cards.BY_TOKEN.get(token)
    if card is None:
        return None
    # A fixed expiry keeps stored notebook outputs stable (Stripe's own choice is undocumented).
    return _new_card_pm(ctx, card, 12, TEST_TOKEN_EXP_YEAR, {})


def _year(now: int) -> int:
    import datetime

    return datetime.datetime.fromtimestamp(now, datetime.UTC).year


def resolve(ctx: Context, reference: Any, param: str = "payment_method") -> dict[str, Any]:
    """A PaymentMethod by id or test token, or Stripe's 404."""
    if isinstance(reference, str):
        pm = from_test_token(ctx, reference)
        if pm is not None:
            return pm
    return ctx.get("payment_method", reference, param)


def card_error(card: test_cards.TestCard, **extra: Any) -> StripeError:
    code = card.code or "card_declined"
    return StripeError(402, card.message, type="card_error", code=code,
                       decline_code=card.decline_code, **extra)


def test_card_of(pm: dict[str, Any]) -> test_cards.TestCard | None:
    number = (pm.get("_kit") or {}).get("number")
    return test_cards.card_for_number(number) if number else None


def attach_to(ctx: Context, reference: Any, customer: dict[str, Any], param: str) -> dict:
    pm = resolve(ctx, reference, param)
    if pm.get("customer") == customer["id"]:
        return pm
    if pm.get("customer"):
        raise StripeError(
            400, "The payment method you provided has already been attached to a customer.",
            code="payment_method_unexpected_state", param=param,
        )
    card = test_card_of(pm)
    if card is not None and not card.attachable:
        # Decline-table cards fail at attach time (docs.stripe.com/testing).
        raise card_error(card, param=param)
    pm["customer"] = customer["id"]
    ctx.save(pm)
    ctx.emit("payment_method.attached", pm)
    return pm


@route("POST", "/v1/payment_methods", "PaymentMethodCreateParams", publishable=True)
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    kind = params.get("type")
    if kind != "card":
        raise StripeError(
            400, f"The payment method type {kind!r} is not supported by the offline emulator yet;"
            " use type=card or a test token such as pm_card_visa.",
            code="payment_method_invalid_parameter", param="type",
        ) if kind else StripeError(400, "Missing required param: type.",
                                   code="parameter_missing", param="type")
    card_params = params.get("card") or {}
    token = card_params.get("token") if isinstance(card_params, dict) else None
    if token:
        raise StripeError(400, "Card tokens are not supported by the offline emulator.",
                          code="parameter_invalid", param="card[token]")
    number = str(card_params.get("number") or "").replace(" ", "")
    if not ctx.publishable:
        # Stripe refuses raw card numbers sent with a secret key.
        raise StripeError(
            400, "Sending credit card numbers directly to the Stripe API is generally unsafe. We"
            " suggest you use test tokens that map to the test card you are using, see"
            " https://stripe.com/docs/testing.", code="parameter_invalid", param="card[number]",
        )
    for name in ("number", "exp_month", "exp_year"):
        if not card_params.get(name):
            raise StripeError(400, f"Missing required param: card[{name}].",
                              code="parameter_missing", param=f"card[{name}]")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not test_cards.luhn_ok(number):
        raise StripeError(402, "Your card number is incorrect.", type="card_error",
                          code="incorrect_number", param="number")
    exp_month, exp_year = int(card_params["exp_month"]), int(card_params["exp_year"])
    if exp_year < 100:
        exp_year += 2000
    if not 1 <= exp_month <= 12:
        raise StripeError(402, "Your card's expiration month is invalid.", type="card_error",
                          code="invalid_expiry_month", param="exp_month")
    if (exp_year, exp_month) < (_year(ctx.now), 1) or exp_year > _year(ctx.now) + 50:
        raise StripeError(402, "Your card's expiration year is invalid.", type="card_error",
                          code="invalid_expiry_year", param="exp_year")
    card = test_cards.card_for_number(number)
    return _new_card_pm(ctx, card, exp_month, exp_year, params)


@route("GET", "/v1/payment_methods/{id}", "PaymentMethodRetrieveParams")
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    return resolve(ctx, id, "id")


@route("POST", "/v1/payment_methods/{id}", "PaymentMethodModifyParams")
def update(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pm = ctx.get("payment_method", id)
    previous: dict[str, Any] = {}
    if "allow_redisplay" in params:
        previous["allow_redisplay"] = pm["allow_redisplay"]
        pm["allow_redisplay"] = params["allow_redisplay"]
    if "billing_details" in params:
        previous["billing_details"] = pm["billing_details"]
        merged = {**(pm["billing_details"] or {}), **(params["billing_details"] or {})}
        pm["billing_details"] = _billing_details(merged)
    if "metadata" in params:
        previous["metadata"] = pm["metadata"]
        pm["metadata"] = {**pm["metadata"], **(params["metadata"] or {})}
    card = params.get("card") or {}
    for key in ("exp_month", "exp_year"):
        if key in card and pm["type"] == "card":
            previous.setdefault("card", dict(pm["card"]))
            pm["card"][key] = int(card[key])
    ctx.save(pm)
    ctx.emit("payment_method.updated", pm, previous)
    return pm


@route("POST", "/v1/payment_methods/{id}/attach", "PaymentMethodAttachParams")
def attach(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    if not params.get("customer"):
        raise StripeError(400, "Missing required param: customer.", code="parameter_missing",
                          param="customer")
    customer = ctx.get("customer", params["customer"], "customer")
    return attach_to(ctx, id, customer, "payment_method")


@route("POST", "/v1/payment_methods/{id}/detach", "PaymentMethodDetachParams")
def detach(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pm = ctx.get("payment_method", id)
    if not pm.get("customer"):
        raise StripeError(400, "The payment method you provided is not attached to a customer"
                          " so detachment is impossible.",
                          code="payment_method_unexpected_state", param="payment_method")
    customer = ctx.store.get(ctx.account, pm["customer"], "customer")
    if customer and customer["invoice_settings"]["default_payment_method"] == pm["id"]:
        customer["invoice_settings"]["default_payment_method"] = None
        ctx.save(customer)
    previous = {"customer": pm["customer"]}
    pm["customer"] = None
    ctx.save(pm)
    ctx.emit("payment_method.detached", pm, previous)
    return pm


@route("GET", "/v1/payment_methods", "PaymentMethodListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    customer = params.get("customer")
    if customer:
        ctx.get("customer", customer, "customer")
    items = ctx.store.list(ctx.account, "payment_method", customer=customer)
    if params.get("type"):
        items = [pm for pm in items if pm["type"] == params["type"]]
    return list_envelope(ctx, items, params, "/v1/payment_methods")


def ensure_customer_owns(ctx: Context, pm: dict[str, Any], customer: str | None,
                         param: str) -> None:
    """A PaymentMethod saved to one customer cannot pay for another."""
    if pm.get("customer") and pm["customer"] != customer:
        raise missing("payment_method", pm["id"], param)
