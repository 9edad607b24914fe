"""PaymentIntents: create, retrieve, update, confirm, capture, cancel, list.

The status machine follows shared/reference/stripe-behaviour.md §2: a decline is a 402 that
leaves the intent in `requires_payment_method` with `last_payment_error`; 3-D Secure cards stop
in `requires_action`; manual capture stops in `requires_capture`.
"""

from __future__ import annotations

from typing import Any

from . import (
    challenge_page,
    charges,
    payment_intent_updates,
    payment_methods,
    search,
    test_banks,
    timers,
)
from .context import Context, list_envelope, public
from .errors import StripeError, unexpected_state
from .routing import route

# Fields a publishable key may read (stripe-js types/api/payment-intents.d.ts).
PUBLISHABLE_FIELDS = (
    "id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at",
    "cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created",
    "currency", "description", "last_payment_error", "livemode", "next_action", "payment_method",
    "payment_method_types", "processing", "receipt_email", "setup_future_usage", "shipping",
    "status",
)
MINIMUM_AMOUNT = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50, "jpy": 50}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "$", "aud": "$", "jpy": "¥"}
MAXIMUM_AMOUNT = 99_999_999
# What "automatic payment methods" offers per currency on the emulator's default account.
# (Stripe decides this from Dashboard settings; this is the emulator's fixed choice.)
AUTOMATIC_TYPES = {
    "usd": ["card", "link", "us_bank_account"],
    "eur": ["card", "link", "sepa_debit", "ideal", "bancontact"],
}
CANCELLABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
               "requires_action", "processing")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def for_key(ctx: Context, pi: dict[str, Any]) -> dict[str, Any]:
    """The intent as this key may see it: everything for a secret key, a subset otherwise."""
    if ctx.publishable:
        return {key: pi.get(key) for key in PUBLISHABLE_FIELDS}
    return public(pi)


def _money(amount: int, currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    value = f"{amount / 100:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def _check_amount(amount: int, currency: str) -> None:
    """Stripe's per-currency minimum and maximum (limits.py cites them)."""
    from .limits import check_amount

    check_amount(amount, currency)


def _load(ctx: Context, id: str, params: dict[str, Any]) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    if ctx.publishable:
        secret = params.get("client_secret")
        if secret != pi["client_secret"]:
            raise StripeError(
                400, "The client_secret provided does not match any associated PaymentIntent on"
                " this account. Ensure the publishable key used belongs to the same account that"
                " created the PaymentIntent.", code="payment_intent_invalid_parameter",
                param="client_secret",
            )
    return pi


def _strip_client_secret(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Stripe.js sends `client_secret` with a publishable key; it is not a server-side param."""
    if ctx.publishable:
        return {k: v for k, v in params.items() if k != "client_secret"}
    if "client_secret" in params:
        raise StripeError(400, "Received unknown parameter: client_secret",
                          code="parameter_unknown", param="client_secret")
    return params


@route("POST", "/v1/payment_intents", "PaymentIntentCreateParams")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    currency = str(params["currency"]).lower()
    amount = params["amount"]
    _check_amount(amount, currency)
    customer = params.get("customer")
    if customer:
        ctx.require("customer", customer, "customer")
    allowed = params.get("allowed_payment_method_types")
    automatic = params.get("automatic_payment_methods")
    if allowed:
        discontinued = [t for t in allowed if t in test_banks.DISCONTINUED_TYPES]
        if discontinued:
            raise StripeError(400, test_banks.DISCONTINUED_MESSAGE,
                              code="payment_intent_invalid_parameter",
                              param="allowed_payment_method_types")
        automatic_obj = None
        types = list(allowed)
    elif automatic is not None and not automatic.get("enabled"):
        automatic_obj, types = None, ["card"]
    else:
        # Enabled by default in current API versions, even when omitted (reference §2).
        automatic_obj = {"enabled": True,
                         "allow_redirects": (automatic or {}).get("allow_redirects") or "always"}
        types = list(AUTOMATIC_TYPES.get(currency, ["card", "link"]))
    pi_id = ctx.new_id("pi")
    pi: dict[str, Any] = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": automatic_obj,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.get("capture_method") or "automatic_async",
        "client_secret": f"{pi_id}_secret_{ctx.secret('secret')}",
        "confirmation_method": params.get("confirmation_method") or "automatic",
        "created": ctx.now,
        "currency": currency,
        "customer": customer or None,
        "customer_account": None,
        "description": params.get("description") or None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": types,
        "processing": None,
        "receipt_email": params.get("receipt_email") or None,
        "review": None,
        "setup_future_usage": params.get("setup_future_usage") or None,
        "shipping": params.get("shipping") or None,
        "statement_descriptor": params.get("statement_descriptor") or None,
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix") or None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
        "_kit": {"confirmations": 0},
    }
    if params.get("payment_method"):
        pm = payment_methods.resolve(ctx, params["payment_method"])
        payment_methods.ensure_customer_owns(ctx, pm, pi["customer"], "payment_method")
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
    ctx.save(pi)
    ctx.emit("payment_intent.created", pi)
    if params.get("confirm"):
        confirm_params = {k: params[k] for k in
                          ("return_url", "off_session", "error_on_requires_action", "mandate_data",
                           "payment_method_data")
                          if k in params}
        return _confirm(ctx, pi, confirm_params)
    return pi


# Registered before `retrieve`, so that `/v1/payment_intents/search` is not taken for an id.
@route("GET", "/v1/payment_intents/search", "PaymentIntentSearchParams")
def search_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Stripe's search query language (helpers/emulator/search.py)."""
    ctx.require_secret_key()
    return search.search_result(ctx.store.list(ctx.account, "payment_intent"), params,
                                "/v1/payment_intents/search", search.PAYMENT_INTENT_FIELDS)


@route("GET", "/v1/payment_intents/{id}", "PaymentIntentRetrieveParams", publishable=True)
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    return for_key(ctx, _load(ctx, id, params))


@route("GET", "/v1/payment_intents", "PaymentIntentListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    items = ctx.store.list(ctx.account, "payment_intent", customer=params.get("customer"))
    return list_envelope(ctx, items, params, "/v1/payment_intents")


@route("POST", "/v1/payment_intents/{id}", "PaymentIntentModifyParams")
def update(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    refused = payment_intent_updates.refused_field(params, pi["status"])
    if refused is not None:  # checked per field, as Stripe does (payment_intent_updates.py)
        raise unexpected_state(
            payment_intent_updates.refusal_message(refused, pi["status"]), param=refused,
            payment_intent=for_key(ctx, pi),
        )
    if "amount" in params:
        _check_amount(params["amount"], str(params.get("currency") or pi["currency"]).lower())
        pi["amount"] = params["amount"]
    if params.get("currency"):
        pi["currency"] = str(params["currency"]).lower()
    if "customer" in params:
        if params["customer"]:
            ctx.require("customer", params["customer"], "customer")
        pi["customer"] = params["customer"] or None
    if "capture_method" in params:
        pi["capture_method"] = params["capture_method"] or "automatic_async"
    for key in ("description", "receipt_email", "setup_future_usage", "shipping",
                "statement_descriptor", "statement_descriptor_suffix"):
        if key in params:
            pi[key] = params[key] or None
    if "metadata" in params:
        pi["metadata"] = {**pi["metadata"], **(params["metadata"] or {})}
    if "payment_method" in params:
        pi["_kit"].pop("authenticated", None)  # a new attempt (UNCONFIRMED for the same PM)
        if params["payment_method"]:
            pm = payment_methods.resolve(ctx, params["payment_method"])
            payment_methods.ensure_customer_owns(ctx, pm, pi["customer"], "payment_method")
            pi["payment_method"] = pm["id"]
            pi["status"] = "requires_confirmation"  # a new method must be confirmed again
        else:
            pi["payment_method"] = None
            pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = None  # cleared on every update (SP field docstring)
    return ctx.save(pi)


@route("POST", "/v1/payment_intents/{id}/confirm", "PaymentIntentConfirmParams",
       publishable=True)
def confirm(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pi = _load(ctx, id, params)
    return for_key(ctx, _confirm(ctx, pi, _strip_client_secret(ctx, params)))


def _confirm(ctx: Context, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if ctx.publishable and pi["confirmation_method"] == "manual":
        raise StripeError(400, "This PaymentIntent's confirmation_method is manual: confirm it"
                          " on your server with a secret key.",
                          code="payment_intent_invalid_parameter")
    if pi["status"] not in CONFIRMABLE:
        if pi["status"] == "succeeded":
            message = ("You cannot confirm this PaymentIntent because it has already succeeded"
                       " after being previously confirmed.")
        else:
            message = (f"You cannot confirm this PaymentIntent because it has a status of"
                       f" {pi['status']}.")
        raise unexpected_state(message, payment_intent=for_key(ctx, pi))
    for key in ("receipt_email", "shipping", "setup_future_usage"):
        if key in params:
            pi[key] = params[key] or None
    data = params.get("payment_method_data") or {}
    if params.get("payment_method"):
        pm = payment_methods.resolve(ctx, params["payment_method"])
    elif data.get("type"):
        # Stripe.js confirms new details inline: the PaymentMethod is created on the spot.
        pm = payment_methods.create(ctx, data)
    elif pi["payment_method"]:
        pm = ctx.get("payment_method", pi["payment_method"], "payment_method")
    else:
        if pi["customer"]:
            message = ("You cannot confirm this PaymentIntent because it's missing a payment"
                       f" method. To confirm the PaymentIntent with {pi['customer']}, specify a"
                       " payment method attached to this customer along with the customer ID.")
        else:
            message = ("You cannot confirm this PaymentIntent because it's missing a payment"
                       " method. You can either update the PaymentIntent with a payment method"
                       " and then confirm it again, or confirm it again directly with a payment"
                       " method.")
        raise unexpected_state(message, payment_intent=for_key(ctx, pi))
    payment_methods.ensure_customer_owns(ctx, pm, pi["customer"], "payment_method")
    if pm["type"] not in pi["payment_method_types"]:
        raise StripeError(
            400, f"The PaymentMethod provided ({pm['type']}) is not allowed for this"
            f" PaymentIntent. Allowed types: {', '.join(pi['payment_method_types'])}.",
            code="payment_intent_incompatible_payment_method", param="payment_method",
        )
    if data.get("allow_redisplay") and data["allow_redisplay"] != pm["allow_redisplay"] \
            and not data.get("type"):
        pm["allow_redisplay"] = data["allow_redisplay"]
        ctx.save(pm)
    automatic = pi["automatic_payment_methods"] or {}
    off_session = bool(params.get("off_session"))
    if (not ctx.publishable and automatic.get("enabled")
            and automatic.get("allow_redirects") != "never"
            and not params.get("return_url") and not off_session):
        raise StripeError(
            400, "A `return_url` must be specified because this Payment Intent is configured to"
            " automatically accept the payment methods enabled in the Dashboard, some of which"
            " may require a full page redirect to succeed. If you do not want to accept"
            " redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true`"
            " and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup"
            " Intents and Payment Intents.", param="return_url",
        )
    pi["payment_method"] = pm["id"]
    pi["last_payment_error"] = None
    pi["_kit"]["confirmations"] = pi["_kit"].get("confirmations", 0) + 1
    pi["_kit"]["return_url"] = params.get("return_url")
    pi["_kit"]["off_session"] = off_session
    # Manual confirmation: the customer's completed action (3-D Secure, a bank redirect) counts
    # for this payment method at this confirmation only; it is used up here either way.
    if pi["_kit"].pop("authenticated", None) == pm["id"]:
        return _after_action(ctx, pi, pm)
    if pm["type"] in test_banks.REDIRECT_TYPES:
        if not params.get("return_url"):
            raise StripeError(400, f"A return_url must be specified to confirm a {pm['type']}"
                              " payment: the customer is redirected to their bank and back.",
                              param="return_url")
        return challenge_page.require_action(ctx, pi, params.get("return_url"), redirect=True)
    bank = payment_methods.test_bank_of(pm)
    if bank is not None:
        return _start_processing(ctx, pi, pm, bank)
    card = payment_methods.test_card_of(pm)
    if card is not None and card.charge == "authenticate" and _needs_authentication(
        card, pm, off_session
    ):
        if off_session or params.get("error_on_requires_action"):
            return _fail(ctx, pi, pm, "authentication_required", "authentication_required")
        # Stripe.js asks for `use_stripe_sdk`: it then runs the challenge itself, in the page.
        return challenge_page.require_action(ctx, pi, None if params.get("use_stripe_sdk")
                               else params.get("return_url"))
    if card is not None and card.charge == "decline":
        return _fail(ctx, pi, pm, card.code or "card_declined", card.decline_code)
    return _succeed(ctx, pi, pm)


def _needs_authentication(card: Any, pm: dict[str, Any], off_session: bool) -> bool:
    if card.auth_when == "setup":  # …0446: already set up, off-session needs nothing
        return not off_session
    if card.auth_when == "on_session":  # …3155: off-session fine once saved to a customer
        return not (off_session and pm.get("customer"))
    return True


def _start_processing(ctx: Context, pi: dict[str, Any], pm: dict[str, Any],
                      bank: test_banks.TestBankAccount) -> dict[str, Any]:
    """Bank debits: `processing` now, `succeeded` or back to `requires_payment_method` later."""
    charge = charges.record(ctx, pi, pm, status="pending")
    pi.update(status="processing", latest_charge=charge["id"], next_action=None,
              processing=None)
    if pi["setup_future_usage"] and pi["customer"]:
        _save_for_future(ctx, pi, pm)
    ctx.save(pi)
    ctx.emit("charge.pending", charge)
    ctx.emit("payment_intent.processing", pi)
    if bank.outcome != "stay":
        timers.schedule(ctx, pi["id"], bank.delay, {"outcome": bank.outcome, "code": bank.code,
                                                     "message": bank.message})
    return pi


def settle(ctx: Context, pi_id: str, action: dict[str, Any]) -> None:
    """A timer fired: a processing payment settles (or a delayed redirect completes)."""
    if action.get("kind") == "refund":  # timers run through here: refunds settle too
        from . import refunds

        refunds.settle(ctx, action)
        return
    pi = ctx.store.get(ctx.account, pi_id, "payment_intent")
    if pi is None or pi["status"] != "processing":
        return  # canceled meanwhile, or already settled
    charge = ctx.get("charge", pi["latest_charge"], "latest_charge")
    pm = ctx.get("payment_method", pi["payment_method"], "payment_method")
    if action["outcome"] == "succeed":
        charge.update(status="succeeded", paid=True, captured=True,
                      amount_captured=pi["amount"])
        ctx.save(charge)
        pi.update(status="succeeded", amount_received=pi["amount"])
        ctx.save(pi)
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", pi)
        return
    code, message = action.get("code") or "generic_decline", action.get("message") or \
        "The payment failed."
    charge.update(status="failed", failure_code=code, failure_message=message)
    ctx.save(charge)
    # Stripe's error type for failed bank debits is UNCONFIRMED; card_error matches declines.
    error = StripeError(402, message, type="card_error", code=code, charge=charge["id"])
    pi.update(status="requires_payment_method", payment_method=None,
              last_payment_error={**error.error, "payment_method": public(pm),
                                  "payment_method_type": pm["type"]})
    ctx.save(pi)
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", pi)


def _succeed(ctx: Context, pi: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    manual = pi["capture_method"] == "manual"
    charge = charges.record(ctx, pi, pm, status="succeeded", captured=not manual)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    if pi["setup_future_usage"] and pi["customer"]:
        _save_for_future(ctx, pi, pm)
    ctx.emit("charge.succeeded", charge)
    if manual:
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
        ctx.save(pi)
        ctx.emit("payment_intent.amount_capturable_updated", pi)
    else:
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
        ctx.save(pi)
        ctx.emit("payment_intent.succeeded", pi)
    return pi


def _save_for_future(ctx: Context, pi: dict[str, Any], pm: dict[str, Any]) -> None:
    """setup_future_usage saves the method to the customer (reference §1, allow_redisplay)."""
    if pm["type"] in test_banks.REDIRECT_TYPES:
        # iDEAL/Bancontact are saved as a generated SEPA Direct Debit method.
        pm = payment_methods.generated_sepa_debit(ctx, pm, pi["latest_charge"])
        pm["allow_redisplay"] = "limited"
        pm["customer"] = pi["customer"]
        ctx.save(pm)
        ctx.emit("payment_method.attached", pm)
        return
    if pm["allow_redisplay"] == "unspecified":
        pm["allow_redisplay"] = "limited"
    if pm.get("customer") != pi["customer"]:
        pm["customer"] = pi["customer"]
        ctx.save(pm)
        ctx.emit("payment_method.attached", pm)
    else:
        ctx.save(pm)


def _fail(ctx: Context, pi: dict[str, Any], pm: dict[str, Any], code: str,
          decline_code: str | None) -> dict[str, Any]:
    from .test_cards import DECLINE_MESSAGES

    message = DECLINE_MESSAGES.get(decline_code or code, "Your card was declined.")
    charge = charges.record(ctx, pi, pm, status="failed", failure=(code, message))
    error = StripeError(402, message, type="card_error", code=code, decline_code=decline_code,
                        charge=charge["id"])
    pi["last_payment_error"] = {**error.error, "payment_method": public(pm),
                                "payment_method_type": pm["type"]}
    pi["latest_charge"] = charge["id"]
    pi["payment_method"] = None
    pi["next_action"] = None
    pi["status"] = "requires_payment_method"
    ctx.save(pi)
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", pi)
    raise StripeError(402, message, type="card_error", code=code, decline_code=decline_code,
                      charge=charge["id"], payment_intent=for_key(ctx, pi),
                      payment_method=public(pm))


@route("POST", "/v1/test_helpers/kit/payment_intents/{id}/authenticate", None, publishable=True)
def authenticate(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    """The emulator's test pages (3-D Secure, bank redirect) call this: complete or fail."""
    pi = _load(ctx, id, params)
    return for_key(ctx, complete_action(ctx, pi, params.get("outcome")))


def complete_action(ctx: Context, pi: dict[str, Any], outcome: Any) -> dict[str, Any]:
    if pi["status"] != "requires_action":
        raise unexpected_state(
            f"This PaymentIntent has a status of {pi['status']}; only a PaymentIntent that"
            " requires_action can be authenticated.", payment_intent=for_key(ctx, pi))
    if outcome not in ("complete", "fail"):
        raise StripeError(400, "Invalid outcome: must be one of complete, fail", param="outcome")
    pm = ctx.get("payment_method", pi["payment_method"], "payment_method")
    pi["next_action"] = None
    if outcome == "fail":
        message = ("The provided PaymentMethod has failed authentication. You can provide"
                   " payment_method_data or a new PaymentMethod to attempt to fulfill this"
                   " PaymentIntent again.")
        error = StripeError(400, message, code="payment_intent_authentication_failure")
        pi["last_payment_error"] = {**error.error, "payment_method": public(pm),
                                    "payment_method_type": pm["type"]}
        pi["payment_method"] = None
        pi["status"] = "requires_payment_method"
        ctx.save(pi)
        ctx.emit("payment_intent.payment_failed", pi)
        return pi
    if pi["confirmation_method"] == "manual":
        # Stripe: "a manual-confirmation PI returns to requires_confirmation and must be
        # confirmed again with the secret key" (SP confirm docstring, reference §2). That
        # confirm completes this authenticated attempt rather than asking again.
        pi["_kit"]["authenticated"] = pm["id"]
        pi["status"] = "requires_confirmation"
        return ctx.save(pi)
    try:
        return _after_action(ctx, pi, pm)
    except StripeError:  # declined after authenticating: the intent records it, page goes on
        return pi


def _after_action(ctx: Context, pi: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    """The customer completed the action: the payment goes through, or the card declines
    (…3178, …1629 authenticate, then decline: docs.stripe.com/testing). Raises a 402 on a
    decline, as a confirm does."""
    card = payment_methods.test_card_of(pm)
    if card is not None and card.after_auth != "succeed":
        return _fail(ctx, pi, pm, "card_declined", card.after_auth)
    return _succeed(ctx, pi, pm)


@route("POST", "/v1/payment_intents/{id}/capture", "PaymentIntentCaptureParams")
def capture(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    if pi["status"] != "requires_capture":
        raise unexpected_state(
            "This PaymentIntent could not be captured because it has a status of"
            f" {pi['status']}. Only a PaymentIntent with one of the following statuses may be"
            " captured: requires_capture.", payment_intent=for_key(ctx, pi))
    amount = params.get("amount_to_capture", pi["amount_capturable"])
    if amount > pi["amount_capturable"]:
        raise StripeError(400, "The amount to capture must be less than or equal to the"
                          f" amount capturable ({pi['amount_capturable']}).",
                          code="amount_too_large", param="amount_to_capture")
    charge = ctx.get("charge", pi["latest_charge"], "latest_charge")
    charge.update(captured=True, amount_captured=amount)
    ctx.save(charge)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    ctx.save(pi)
    ctx.emit("charge.captured", charge)
    ctx.emit("payment_intent.succeeded", pi)
    return pi


@route("POST", "/v1/payment_intents/{id}/cancel", "PaymentIntentCancelParams")
def cancel(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    if pi["status"] not in CANCELLABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}."
            " Only a PaymentIntent with one of the following statuses may be canceled: "
            + ", ".join(CANCELLABLE) + ".", payment_intent=for_key(ctx, pi))
    reason = params.get("cancellation_reason")
    if reason and reason not in ("duplicate", "fraudulent", "requested_by_customer", "abandoned"):
        raise StripeError(400, "Invalid cancellation_reason: must be one of duplicate,"
                          " fraudulent, requested_by_customer or abandoned",
                          param="cancellation_reason")
    pi.update(status="canceled", canceled_at=ctx.now, cancellation_reason=reason or None,
              amount_capturable=0, next_action=None)
    ctx.save(pi)
    ctx.emit("payment_intent.canceled", pi)
    return pi
