"""PaymentMethods: test tokens, card details, attach/detach, update and list."""

from __future__ import annotations

import hashlib
from typing import Any

from . import test_banks, test_cards
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


def _new_pm(ctx: Context, kind: str, details: dict[str, Any], params: dict[str, Any],
            kit: dict[str, Any]) -> dict[str, Any]:
    pm = {
        "id": ctx.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": params.get("allow_redisplay") or "unspecified",
        "billing_details": _billing_details(params.get("billing_details")),
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "type": kind,
        kind: details,
        "_kit": kit,
    }
    return ctx.save(pm)


def _new_card_pm(ctx: Context, card: test_cards.TestCard, exp_month: int, exp_year: int,
                 params: dict[str, Any]) -> dict[str, Any]:
    return _new_pm(ctx, "card", _card_object(ctx, card, exp_month, exp_year), params,
                   {"number": card.number})


def _fingerprint(ctx: Context, value: str) -> str:
    return hashlib.sha256(f"{ctx.account}:{value}".encode()).hexdigest()[:16]


def _ach_pm(ctx: Context, account_number: str, params: dict[str, Any]) -> dict[str, Any]:
    details = params.get("us_bank_account") or {}
    return _new_pm(ctx, "us_bank_account", {
        "account_holder_type": details.get("account_holder_type") or "individual",
        "account_type": details.get("account_type") or "checking",
        "bank_name": "STRIPE TEST BANK",
        "financial_connections_account": None,
        "fingerprint": _fingerprint(ctx, account_number),
        "last4": account_number[-4:],
        "networks": {"preferred": "ach", "supported": ["ach"]},
        "routing_number": details.get("routing_number") or test_banks.ACH_ROUTING_NUMBER,
        "status_details": None,
    }, params, {"ach": account_number})


def _sepa_pm(ctx: Context, iban: str, params: dict[str, Any],
             generated_from: dict[str, Any] | None = None) -> dict[str, Any]:
    iban = iban.replace(" ", "").upper()
    return _new_pm(ctx, "sepa_debit", {
        "bank_code": iban[4:12], "branch_code": "", "country": iban[:2],
        "fingerprint": _fingerprint(ctx, iban),
        "generated_from": generated_from or {"charge": None, "setup_attempt": None},
        "last4": iban[-4:],
    }, params, {"iban": iban})


def generated_sepa_debit(ctx: Context, source: dict[str, Any], charge_id: str | None) -> dict:
    """iDEAL/Bancontact saved for later become a SEPA Direct Debit method (reference §1);
    `charge_id` is None when a SetupIntent saved it (no charge)."""
    params = {"billing_details": source.get("billing_details") or {}}
    return _sepa_pm(ctx, "DE89370400440532013000", params,
                    {"charge": charge_id, "setup_attempt": None})


TEST_BILLING = {"name": "Jenny Rosen", "email": "jenny.rosen@example.com"}


def from_test_token(ctx: Context, token: str) -> dict[str, Any] | None:
    """`pm_card_visa` and friends become a fresh PaymentMethod each time, as on Stripe."""
    if token in test_banks.ACH_BY_TOKEN:
        number, _ = test_banks.ACH_BY_TOKEN[token]
        return _ach_pm(ctx, number, {"billing_details": TEST_BILLING})
    sepa = test_banks.sepa_iban_for_token(token)
    if sepa is not None:
        return _sepa_pm(ctx, sepa[0], {"billing_details": TEST_BILLING})
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


def test_bank_of(pm: dict[str, Any]) -> test_banks.TestBankAccount | None:
    kit = pm.get("_kit") or {}
    if "ach" in kit:
        entry = test_banks.ACH_ACCOUNTS.get(kit["ach"])
        return entry[1] if entry else test_banks.TestBankAccount("succeed")
    if "iban" in kit:
        return test_banks.sepa_outcome(kit["iban"])
    return None


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
    if not kind:
        raise StripeError(400, "Missing required param: type.", code="parameter_missing",
                          param="type")
    makers = {"card": _create_card, "us_bank_account": _create_us_bank_account,
              "sepa_debit": _create_sepa_debit, "ideal": _create_redirect,
              "bancontact": _create_redirect, "link": _create_link}
    if kind in test_banks.DISCONTINUED_TYPES:
        raise StripeError(400, test_banks.DISCONTINUED_MESSAGE,
                          code="payment_method_invalid_parameter", param="type")
    if kind not in makers:
        raise StripeError(
            400, f"The payment method type {kind!r} is not supported by the offline emulator;"
            f" it supports {', '.join(makers)}.",
            code="payment_method_invalid_parameter", param="type")
    return makers[kind](ctx, params)


def _require(params: dict[str, Any], *path: str) -> Any:
    value: Any = params
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    if value in (None, ""):
        name = path[0] + "".join(f"[{p}]" for p in path[1:])
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing",
                          param=name)
    return value


def _create_us_bank_account(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    routing = str(_require(params, "us_bank_account", "routing_number"))
    account = str(_require(params, "us_bank_account", "account_number"))
    _require(params, "billing_details", "name")
    if not routing.isdigit() or len(routing) != 9:
        raise StripeError(400, "Routing number must have 9 digits.", code="routing_number_invalid",
                          param="us_bank_account[routing_number]")
    if not account.isdigit() or not 4 <= len(account) <= 17:
        raise StripeError(400, "Account number must be 4 to 17 digits.",
                          code="account_number_invalid", param="us_bank_account[account_number]")
    return _ach_pm(ctx, account, params)


def _create_sepa_debit(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    iban = str(_require(params, "sepa_debit", "iban")).replace(" ", "").upper()
    _require(params, "billing_details", "name")
    _require(params, "billing_details", "email")
    if not _iban_ok(iban):
        raise StripeError(400, "The IBAN you entered is invalid.", code="invalid_bank_account_iban",
                          param="sepa_debit[iban]")
    return _sepa_pm(ctx, iban, params)


def _iban_ok(iban: str) -> bool:
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged if ch.isalnum())
    return len(digits) > 0 and int(digits) % 97 == 1


def _create_redirect(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    kind = params["type"]
    given = params.get(kind) or {}
    if kind == "ideal":
        bank = given.get("bank")
        if bank and bank not in test_banks.IDEAL_BANKS:
            raise StripeError(400, f"Invalid ideal[bank]: must be one of"
                              f" {', '.join(test_banks.IDEAL_BANKS)}", param="ideal[bank]")
        details = {"bank": bank or None, "bic": None}
    else:
        details = {}
    return _new_pm(ctx, kind, details, params, {})


def _create_link(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    email = (params.get("billing_details") or {}).get("email") or "jenny.rosen@example.com"
    return _new_pm(ctx, "link", {"email": email}, params, {})


def _create_card(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
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
