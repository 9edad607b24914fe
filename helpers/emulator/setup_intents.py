"""SetupIntents: save a payment method for later without paying now.

This is how a customer becomes an "existing customer" with a saved card: create a SetupIntent
for the Customer, confirm it with a payment method (on the server, or with Stripe.js's
`confirmSetup`), and on success the method is attached to the customer.

Behaviour (API 2026-10-28.endive; fields and params from stripe-python 16.1):
- statuses `requires_payment_method` → `requires_confirmation` → (`requires_action`) →
  `succeeded`, or `canceled`; a failed attempt goes back to `requires_payment_method` with
  `last_setup_error` and a `setup_intent.setup_failed` event (SP `_setup_intent.py`).
- 3-D Secure test cards stop in `requires_action` with the same test challenge page as
  PaymentIntents (reference §3 "Authentication"); decline-table cards fail the setup, as they
  fail attaching (docs.stripe.com/testing).
- SEPA Direct Debit: succeeds at once (no money moves when setting up; the debit's outcome is
  decided when a payment is made).
- ACH Direct Debit: with `payment_method_options.us_bank_account.verification_method =
  microdeposits` it stops in `requires_action` with `next_action.type =
  verify_with_microdeposits` (docs.stripe.com/js/setup_intents/verify_microdeposits_for_setup);
  otherwise the test account is treated as verified and the setup succeeds (the emulator does
  not run Financial Connections; Stripe verifies test accounts instantly there).
  Microdeposit test values (reference §3): amounts 32 and 45 or descriptor `SM11AA` verify.
- `allow_redisplay`: a method saved through a SetupIntent without the customer's consent
  becomes `limited` (reference §1); the Payment Element's save checkbox sends `always`.
"""

from __future__ import annotations

from typing import Any

from . import challenge_page, payment_methods, shapes, test_banks
from .context import Context, list_envelope, public
from .errors import StripeError
from .routing import route

if hasattr(shapes, "register"):  # complete() then builds it to stripe-python's shape
    shapes.register("setup_intent")

# Fields a publishable key may read (stripe-js types/api/setup-intents.d.ts).
PUBLISHABLE_FIELDS = (
    "id", "object", "automatic_payment_methods", "cancellation_reason", "client_secret",
    "created", "description", "last_setup_error", "livemode", "next_action", "payment_method",
    "payment_method_types", "status", "usage",
)
# What "automatic payment methods" offers a SetupIntent on the emulator's default account
# (Stripe decides it from Dashboard settings; this is the emulator's fixed choice).
AUTOMATIC_TYPES = ["card", "link", "us_bank_account", "sepa_debit"]
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELLABLE = CONFIRMABLE
UPDATABLE = CONFIRMABLE
BANK_DEBITS = ("sepa_debit", "us_bank_account")
# Microdeposit test values (reference §3, docs.stripe.com/testing "Test account numbers").
MICRODEPOSITS_OK = ([32, 45], "SM11AA")
MICRODEPOSITS_EXCEEDED = ([10, 11], "SM33CC")
MICRODEPOSITS_TIMEOUT = ([40, 41], "SM44DD")
FAIL_MICRODEPOSITS_ACCOUNT = "000666666661"
MICRODEPOSIT_ARRIVAL_SECONDS = 2 * 24 * 3600  # "1-2 business days": the emulator's choice


def unexpected_state(message: str, **extra: Any) -> StripeError:
    return StripeError(400, message, code="setup_intent_unexpected_state", **extra)


def for_key(ctx: Context, si: dict[str, Any]) -> dict[str, Any]:
    """The intent as this key may see it: everything for a secret key, a subset otherwise."""
    if ctx.publishable:
        return {key: si.get(key) for key in PUBLISHABLE_FIELDS}
    return public(si)


def load(ctx: Context, id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The SetupIntent, checking the client secret when a publishable key asks."""
    si = ctx.get("setup_intent", id)
    if ctx.publishable and params.get("client_secret") != si["client_secret"]:
        raise StripeError(
            400, "The client_secret provided does not match any associated SetupIntent on this"
            " account. Ensure the publishable key used belongs to the same account that created"
            " the SetupIntent.", code="setup_intent_invalid_parameter", param="client_secret")
    return si


def load_by_secret(ctx: Context, secret: str, param: str = "client_secret") -> dict[str, Any]:
    """`seti_…_secret_…` -> the SetupIntent (what Stripe.js's elements session does)."""
    si_id = secret.split("_secret_")[0]
    si = ctx.store.get(ctx.account, si_id, "setup_intent")
    if si is None or si["client_secret"] != secret:
        raise StripeError(
            400, "The client_secret provided does not match any associated SetupIntent on this"
            " account.", code="setup_intent_invalid_parameter", param=param)
    return si


def _types(params: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    allowed = params.get("allowed_payment_method_types")
    automatic = params.get("automatic_payment_methods")
    if allowed:
        discontinued = [t for t in allowed if t in test_banks.DISCONTINUED_TYPES]
        if discontinued:
            raise StripeError(400, test_banks.DISCONTINUED_MESSAGE,
                              code="setup_intent_invalid_parameter",
                              param="allowed_payment_method_types")
        return None, list(dict.fromkeys(allowed))
    if automatic is not None and not automatic.get("enabled"):
        return None, ["card"]
    # Enabled by default in current API versions, even when omitted (as for PaymentIntents).
    automatic_obj = {"enabled": True,
                     "allow_redirects": (automatic or {}).get("allow_redirects") or "always"}
    types = list(AUTOMATIC_TYPES)
    excluded = params.get("excluded_payment_method_types") or []
    return automatic_obj, [t for t in types if t not in excluded]


def _options(types: list[str], given: dict[str, Any] | None) -> dict[str, Any]:
    """payment_method_options as Stripe answers them: card's 3DS default, ACH verification."""
    given = given or {}
    options: dict[str, Any] = {}
    if "card" in types or "card" in given:
        card = given.get("card") or {}
        options["card"] = {"mandate_options": None, "network": card.get("network") or None,
                           "request_three_d_secure":
                               card.get("request_three_d_secure") or "automatic"}
    if "us_bank_account" in types or "us_bank_account" in given:
        ach = given.get("us_bank_account") or {}
        options["us_bank_account"] = {
            "mandate_options": {}, "verification_method":
                ach.get("verification_method") or "automatic"}
    if "sepa_debit" in given:
        options["sepa_debit"] = {"mandate_options": {}}
    return options


@route("POST", "/v1/setup_intents", "SetupIntentCreateParams")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    customer = params.get("customer")
    if customer:
        ctx.require("customer", customer, "customer")
    automatic_obj, types = _types(params)
    si_id = ctx.new_id("seti")
    si: dict[str, Any] = {
        "id": si_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": automatic_obj,
        "cancellation_reason": None,
        "client_secret": f"{si_id}_secret_{ctx.secret('secret')}",
        "created": ctx.now,
        "customer": customer or None,
        "customer_account": None,
        "description": params.get("description") or None,
        "excluded_payment_method_types": params.get("excluded_payment_method_types") or None,
        "flow_directions": params.get("flow_directions") or None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": dict(params.get("metadata") or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": _options(types, params.get("payment_method_options")),
        "payment_method_types": types,
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": params.get("usage") or "off_session",
        "_kit": {"mandate_data": params.get("mandate_data") or None,
                 "return_url": params.get("return_url")},
    }
    if params.get("payment_method"):
        pm = payment_methods.resolve(ctx, params["payment_method"])
        payment_methods.ensure_customer_owns(ctx, pm, si["customer"], "payment_method")
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
    elif (params.get("payment_method_data") or {}).get("type"):
        pm = payment_methods.create(ctx, params["payment_method_data"])
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
    ctx.save(si)
    ctx.emit("setup_intent.created", si)
    if params.get("confirm"):
        confirm_params = {k: params[k] for k in ("return_url", "mandate_data", "use_stripe_sdk")
                          if k in params}
        return _confirm(ctx, si, confirm_params)
    return si


@route("GET", "/v1/setup_intents/{id}", "SetupIntentRetrieveParams", publishable=True)
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    return for_key(ctx, load(ctx, id, params))


@route("GET", "/v1/setup_intents", "SetupIntentListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    customer = params.get("customer")
    if customer:
        ctx.require("customer", customer, "customer")
    items = ctx.store.list(ctx.account, "setup_intent", customer=customer)
    if params.get("payment_method"):
        items = [si for si in items if si.get("payment_method") == params["payment_method"]]
    created = params.get("created")
    if isinstance(created, int):
        items = [si for si in items if si["created"] == created]
    elif isinstance(created, dict):
        checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
        for key, bound in created.items():
            items = [si for si in items if checks[key](si["created"], bound)]
    return list_envelope(ctx, items, params, "/v1/setup_intents")


@route("POST", "/v1/setup_intents/{id}", "SetupIntentModifyParams")
def update(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    si = ctx.get("setup_intent", id)
    if si["status"] not in UPDATABLE:
        raise unexpected_state(
            f"You cannot update this SetupIntent because it has a status of {si['status']}.",
            setup_intent=for_key(ctx, si))
    if "customer" in params:
        if params["customer"]:
            ctx.require("customer", params["customer"], "customer")
        si["customer"] = params["customer"] or None
    if "description" in params:
        si["description"] = params["description"] or None
    if "flow_directions" in params:
        si["flow_directions"] = params["flow_directions"] or None
    if "metadata" in params:
        merged = dict(si["metadata"])
        for key, value in (params["metadata"] or {}).items():
            if value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
        si["metadata"] = merged if params["metadata"] != "" else {}
    if params.get("allowed_payment_method_types") or params.get("excluded_payment_method_types"):
        si["automatic_payment_methods"], si["payment_method_types"] = _types(
            {**params, "automatic_payment_methods": si["automatic_payment_methods"]})
    if "payment_method_options" in params:
        si["payment_method_options"] = _options(si["payment_method_types"],
                                                params["payment_method_options"])
    if params.get("payment_method"):
        pm = payment_methods.resolve(ctx, params["payment_method"])
        payment_methods.ensure_customer_owns(ctx, pm, si["customer"], "payment_method")
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
    elif (params.get("payment_method_data") or {}).get("type"):
        pm = payment_methods.create(ctx, params["payment_method_data"])
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
    return ctx.save(si)


@route("POST", "/v1/setup_intents/{id}/confirm", "SetupIntentConfirmParams", publishable=True)
def confirm(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    si = load(ctx, id, params)
    params = {k: v for k, v in params.items() if k != "client_secret"}
    return for_key(ctx, _confirm(ctx, si, params))


def _missing_method_message() -> str:
    return ("You cannot confirm this SetupIntent because it's missing a payment method. You can"
            " either update the SetupIntent with a payment method and then confirm it again, or"
            " confirm it again directly with a payment method.")


def _confirm(ctx: Context, si: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if si["status"] not in CONFIRMABLE:
        if si["status"] == "succeeded":
            message = ("You cannot confirm this SetupIntent because it has already succeeded"
                       " after being previously confirmed.")
        else:
            message = (f"You cannot confirm this SetupIntent because it has a status of"
                       f" {si['status']}.")
        raise unexpected_state(message, setup_intent=for_key(ctx, si))
    data = params.get("payment_method_data") or {}
    if params.get("payment_method"):
        pm = payment_methods.resolve(ctx, params["payment_method"])
    elif data.get("type"):
        # Stripe.js confirms new details inline: the PaymentMethod is created on the spot.
        pm = payment_methods.create(ctx, data)
    elif si["payment_method"]:
        pm = ctx.get("payment_method", si["payment_method"], "payment_method")
    else:
        raise unexpected_state(_missing_method_message(), setup_intent=for_key(ctx, si))
    payment_methods.ensure_customer_owns(ctx, pm, si["customer"], "payment_method")
    if pm["type"] not in si["payment_method_types"]:
        # Stripe's code here is UNCONFIRMED (PaymentIntents answer
        # payment_intent_incompatible_payment_method).
        raise StripeError(
            400, f"The PaymentMethod provided ({pm['type']}) is not allowed for this"
            f" SetupIntent. Allowed types: {', '.join(si['payment_method_types'])}.",
            code="setup_intent_invalid_parameter", param="payment_method")
    automatic = si["automatic_payment_methods"] or {}
    return_url = params.get("return_url") or si["_kit"].get("return_url")
    if (not ctx.publishable and automatic.get("enabled")
            and automatic.get("allow_redirects") != "never" and not return_url):
        raise StripeError(
            400, "A `return_url` must be specified because this Setup Intent is configured to"
            " automatically accept the payment methods enabled in the Dashboard, some of which"
            " may require a full page redirect to succeed. If you do not want to accept"
            " redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true`"
            " and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup"
            " Intents and Payment Intents.", param="return_url")
    mandate = params.get("mandate_data") or si["_kit"].get("mandate_data")
    if pm["type"] in BANK_DEBITS and not mandate and not ctx.publishable:
        # Bank debits need the customer's mandate; Stripe.js sends it for the browser. The
        # exact wording of Stripe's refusal is UNCONFIRMED.
        raise StripeError(
            400, f"A mandate is required to set up a {pm['type']} payment method: pass"
            " mandate_data[customer_acceptance] (type online, with the customer's ip_address"
            " and user_agent) when confirming.", code="setup_intent_invalid_parameter",
            param="mandate_data")
    if data.get("allow_redisplay") and not data.get("type") \
            and data["allow_redisplay"] != pm["allow_redisplay"]:
        pm["allow_redisplay"] = data["allow_redisplay"]
        ctx.save(pm)
    si["payment_method"] = pm["id"]
    si["last_setup_error"] = None
    si["_kit"].update(return_url=return_url, mandate_data=mandate)
    if pm["type"] in test_banks.REDIRECT_TYPES:
        if not return_url:
            raise StripeError(400, f"A return_url must be specified to set up a {pm['type']}"
                              " payment method: the customer is redirected to their bank and"
                              " back.", param="return_url")
        return challenge_page.require_action(ctx, si, return_url, redirect=True)
    if pm["type"] == "us_bank_account":
        method = ((si["payment_method_options"] or {}).get("us_bank_account") or {}).get(
            "verification_method")
        if method == "microdeposits":
            return _require_microdeposits(ctx, si)
        return _succeed(ctx, si, pm)
    card = payment_methods.test_card_of(pm)
    if card is not None and not card.attachable:
        return _fail(ctx, si, pm, card.code or "card_declined", card.decline_code)
    if card is not None and card.charge == "authenticate" and card.auth_when != "setup":
        # …3155, …3184, …3220 and the authenticate-then-decline cards ask for 3-D Secure when
        # set up (the decline comes with a payment, not a setup); …0446 is "already set up".
        return challenge_page.require_action(
            ctx, si, None if params.get("use_stripe_sdk") else return_url)
    return _succeed(ctx, si, pm)


def _require_microdeposits(ctx: Context, si: dict[str, Any]) -> dict[str, Any]:
    si["next_action"] = {
        "type": "verify_with_microdeposits",
        "verify_with_microdeposits": {
            "arrival_date": ctx.now + MICRODEPOSIT_ARRIVAL_SECONDS,
            # Stripe hosts this page; the emulator serves none (call verify_microdeposits).
            "hosted_verification_url":
                f"{ctx.emulator.public_url}/kit/microdeposits/{si['id']}",
            "microdeposit_type": "amounts",
        },
    }
    si["status"] = "requires_action"
    ctx.save(si)
    ctx.emit("setup_intent.requires_action", si)
    return si


def _succeed(ctx: Context, si: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    if pm["type"] in test_banks.REDIRECT_TYPES:
        # iDEAL/Bancontact set up a generated SEPA Direct Debit method (reference §1).
        pm = payment_methods.generated_sepa_debit(ctx, pm, None)
        pm["_kit"]["generated_by"] = si["id"]
        si["payment_method"] = pm["id"]
    if pm["allow_redisplay"] == "unspecified":
        pm["allow_redisplay"] = "limited"  # saved without consent (reference §1)
    attach = si["customer"] and pm.get("customer") != si["customer"]
    if attach:
        pm["customer"] = si["customer"]
    ctx.save(pm)
    if attach:
        ctx.emit("payment_method.attached", pm)
    si.update(status="succeeded", next_action=None, last_setup_error=None)
    ctx.save(si)
    ctx.emit("setup_intent.succeeded", si)
    return si


def _fail(ctx: Context, si: dict[str, Any], pm: dict[str, Any], code: str,
          decline_code: str | None) -> dict[str, Any]:
    from .test_cards import DECLINE_MESSAGES

    message = DECLINE_MESSAGES.get(decline_code or code, "Your card was declined.")
    error = StripeError(402, message, type="card_error", code=code, decline_code=decline_code)
    si.update(status="requires_payment_method", payment_method=None, next_action=None,
              last_setup_error={**error.error, "payment_method": public(pm),
                                "payment_method_type": pm["type"]})
    ctx.save(si)
    ctx.emit("setup_intent.setup_failed", si)
    raise StripeError(402, message, type="card_error", code=code, decline_code=decline_code,
                      setup_intent=for_key(ctx, si), payment_method=public(pm))


def complete_action(ctx: Context, si: dict[str, Any], outcome: Any) -> dict[str, Any]:
    """The test page's answer (3-D Secure or bank redirect): complete or fail."""
    if si["status"] != "requires_action" or (si["next_action"] or {}).get("type") \
            == "verify_with_microdeposits":
        raise unexpected_state(
            f"This SetupIntent has a status of {si['status']}; only a SetupIntent that"
            " requires_action (3-D Secure or a bank redirect) can be authenticated.",
            setup_intent=for_key(ctx, si))
    if outcome not in ("complete", "fail"):
        raise StripeError(400, "Invalid outcome: must be one of complete, fail", param="outcome")
    pm = ctx.get("payment_method", si["payment_method"], "payment_method")
    if outcome == "fail":
        # Stripe's message for a failed setup authentication (SP error code docs).
        error = StripeError(
            400, "The latest attempt to set up the payment method has failed because"
            " authentication failed.", code="setup_intent_authentication_failure")
        si.update(status="requires_payment_method", payment_method=None, next_action=None,
                  last_setup_error={**error.error, "payment_method": public(pm),
                                    "payment_method_type": pm["type"]})
        ctx.save(si)
        ctx.emit("setup_intent.setup_failed", si)
        return si
    return _succeed(ctx, si, pm)


@route("POST", "/v1/test_helpers/kit/setup_intents/{id}/authenticate", None, publishable=True)
def authenticate(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    """The emulator's test pages (3-D Secure, bank redirect) call this: complete or fail."""
    si = load(ctx, id, params)
    return for_key(ctx, complete_action(ctx, si, params.get("outcome")))


@route("POST", "/v1/setup_intents/{id}/verify_microdeposits",
       "SetupIntentVerifyMicrodepositsParams", publishable=True)
def verify_microdeposits(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    si = load(ctx, id, params)
    if si["status"] != "requires_action" or (si["next_action"] or {}).get("type") \
            != "verify_with_microdeposits":
        raise unexpected_state(
            "This SetupIntent is not awaiting microdeposit verification (its status is"
            f" {si['status']}).", setup_intent=for_key(ctx, si))
    amounts, code = params.get("amounts"), params.get("descriptor_code")
    if (amounts is None) == (code is None):
        raise StripeError(400, "Provide exactly one of amounts or descriptor_code.",
                          code="parameter_invalid", param="amounts")
    if amounts is not None and (len(amounts) != 2 or any(a <= 0 for a in amounts)):
        raise StripeError(400, "amounts must be two positive integers, in cents.",
                          code="parameter_invalid", param="amounts")
    pm = ctx.get("payment_method", si["payment_method"], "payment_method")
    given = amounts if amounts is not None else code
    param = "amounts" if amounts is not None else "descriptor_code"
    if given in MICRODEPOSITS_EXCEEDED:
        raise StripeError(400, "You have exceeded the number of allowed verification attempts.",
                          code="payment_method_microdeposit_verification_attempts_exceeded",
                          param=param)
    if given in MICRODEPOSITS_TIMEOUT:
        raise StripeError(400, "Microdeposits were not verified in time; the verification"
                          " timed out.", code="payment_method_microdeposit_verification_timeout",
                          param=param)
    if (pm.get("_kit") or {}).get("ach") == FAIL_MICRODEPOSITS_ACCOUNT or given not in \
            MICRODEPOSITS_OK:
        if amounts is not None:
            raise StripeError(
                400, "The amounts provided do not match the amounts that were sent to the bank"
                " account.", code="payment_method_microdeposit_verification_amounts_mismatch",
                param="amounts")
        raise StripeError(
            400, "The descriptor code provided does not match the one in the microdeposit sent"
            " to the bank account.",
            code="payment_method_microdeposit_verification_descriptor_code_mismatch",
            param="descriptor_code")
    return for_key(ctx, _succeed(ctx, si, pm))


@route("POST", "/v1/setup_intents/{id}/cancel", "SetupIntentCancelParams")
def cancel(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    si = ctx.get("setup_intent", id)
    if si["status"] not in CANCELLABLE:
        raise unexpected_state(
            f"You cannot cancel this SetupIntent because it has a status of {si['status']}."
            " Only a SetupIntent with one of the following statuses may be canceled: "
            + ", ".join(CANCELLABLE) + ".", setup_intent=for_key(ctx, si))
    si.update(status="canceled", cancellation_reason=params.get("cancellation_reason") or None,
              next_action=None)
    ctx.save(si)
    ctx.emit("setup_intent.canceled", si)
    return si

