"""What the Payment Element loads when it mounts (Stripe.js's private `elements/sessions`).

Given a PaymentIntent's or a SetupIntent's client secret and, optionally, a CustomerSession's, it
answers with the intent (publishable-key fields; `setup_intent` instead of `payment_intent` in
setup mode), the payment method types to offer, and the saved methods the
session allows the element to redisplay.
"""

from __future__ import annotations

from typing import Any

from . import customer_sessions, payment_intents, setup_intents
from .context import Context, public
from .errors import StripeError
from .redisplay import REDISPLAYABLE_TYPES, select_redisplayable
from .routing import route

__all__ = ["REDISPLAYABLE_TYPES", "redisplayable", "retrieve", "select_redisplayable"]


def redisplayable(ctx: Context, customer: dict[str, Any], features: dict[str, Any],
                  usable_types: list[str] | None = None) -> list:
    """The customer's saved methods this element shows, by the kit's one rule
    (`redisplay.judge`, which `helpers.explain_saved_methods` also uses)."""
    methods = ctx.store.list(ctx.account, "payment_method", customer=customer["id"])
    default = customer["invoice_settings"].get("default_payment_method")
    chosen = select_redisplayable(methods, default, features, usable_types)
    return [public(pm) for pm in chosen]


@route("GET", "/v1/elements/sessions", None, publishable=True)
def retrieve(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    secret = params.get("client_secret")
    if not isinstance(secret, str) or "_secret_" not in secret:
        raise StripeError(400, "Missing required param: client_secret.",
                          code="parameter_missing", param="client_secret")
    setup = secret.startswith("seti_")
    if setup:  # elements({clientSecret: 'seti_…'}): the element saves a method (setup mode)
        pi = setup_intents.load_by_secret(ctx, secret)
    else:
        pi_id = secret.split("_secret_")[0]
        pi = payment_intents._load(ctx, pi_id, {"client_secret": secret} if ctx.publishable
                                   else {})
        if pi["client_secret"] != secret:
            raise StripeError(400, "The client_secret provided does not match any associated"
                              " PaymentIntent on this account.", param="client_secret")
    session_info = None
    customer_info = None
    session_secret = params.get("customer_session_client_secret")
    if session_secret:
        session = customer_sessions.load(ctx, session_secret, "customer_session_client_secret")
        element = session["components"]["payment_element"]
        if not element["enabled"]:
            raise StripeError(400, "This CustomerSession does not enable the payment_element"
                              " component.", param="customer_session_client_secret")
        if pi["customer"] and pi["customer"] != session["customer"]:
            raise StripeError(400, "The CustomerSession's customer does not match the"
                              f" {'SetupIntent' if setup else 'PaymentIntent'}'s customer.",
                              param="customer_session_client_secret")
        customer = ctx.get("customer", session["customer"], "customer")
        features = element["features"]
        session_info = {"customer": customer["id"], "expires_at": session["expires_at"],
                        "features": features}
        customer_info = {
            "id": customer["id"],
            "default_payment_method": customer["invoice_settings"]["default_payment_method"],
            "payment_methods": redisplayable(ctx, customer, features,
                                             pi["payment_method_types"]),
        }
    if setup:
        fields = setup_intents.PUBLISHABLE_FIELDS
        return {
            "object": "elements_session",
            "livemode": False,
            "payment_intent": None,
            "setup_intent": {k: public(pi.get(k)) for k in fields},
            "payment_method_types": pi["payment_method_types"],
            "customer": customer_info,
            "customer_session": session_info,
        }
    return {
        "object": "elements_session",
        "livemode": False,
        "payment_intent": payment_intents.for_key(ctx, pi) if ctx.publishable else
        {k: public(pi.get(k)) for k in payment_intents.PUBLISHABLE_FIELDS},
        "payment_method_types": pi["payment_method_types"],
        "customer": customer_info,
        "customer_session": session_info,
    }


@route("POST", "/v1/elements/sessions/payment_methods/{pm}/detach", None, publishable=True)
def detach_saved(ctx: Context, params: dict[str, Any], pm: str) -> dict[str, Any]:
    """The Payment Element's remove control (`payment_method_remove`): detach with the
    CustomerSession's secret, since a browser holds no secret key. (Stripe.js uses a private
    route; this is the kit's.)"""
    from . import payment_methods

    session = customer_sessions.load(ctx, params.get("customer_session_client_secret"),
                                     "customer_session_client_secret")
    features = session["components"]["payment_element"]["features"] or {}
    if features.get("payment_method_remove") != "enabled":
        raise StripeError(400, "This CustomerSession does not allow removing saved payment"
                          " methods (components.payment_element.features"
                          ".payment_method_remove is disabled).",
                          param="customer_session_client_secret")
    method = ctx.store.get(ctx.account, pm, "payment_method")
    if method is None or method.get("customer") != session["customer"]:
        from .errors import missing

        raise missing("payment_method", pm, "payment_method")
    return payment_methods.detach(ctx, {}, pm)
