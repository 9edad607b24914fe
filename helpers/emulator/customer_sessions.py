"""CustomerSessions: what the Payment Element may show and do with a customer's saved methods."""

from __future__ import annotations

from typing import Any

from .context import Context
from .errors import StripeError
from .routing import route

COMPONENTS = ("buy_button", "customer_sheet", "mobile_payment_element", "payment_element",
              "pricing_table")
LIFETIME_SECONDS = 1800  # reference §1: 30 minutes (UNCONFIRMED for the Payment Element)
# Payment Element defaults (SP docstrings): the client applies them when a feature is unset.
PAYMENT_ELEMENT_DEFAULTS = {
    "payment_method_allow_redisplay_filters": ["always"],
    "payment_method_redisplay": "disabled",
    "payment_method_redisplay_limit": 3,
    "payment_method_remove": "disabled",
    "payment_method_save": "disabled",
    "payment_method_save_usage": None,
}
REDISPLAY_LIMIT_MAX = 10


def _features(given: dict[str, Any] | None) -> dict[str, Any]:
    features = {**PAYMENT_ELEMENT_DEFAULTS, **(given or {})}
    limit = features["payment_method_redisplay_limit"]
    if limit is not None and not 1 <= int(limit) <= REDISPLAY_LIMIT_MAX:
        # Exact Stripe wording is UNCONFIRMED (reference §1); this says what is allowed.
        raise StripeError(
            400, "Invalid components[payment_element][features][payment_method_redisplay_limit]:"
            f" must be between 1 and {REDISPLAY_LIMIT_MAX}",
            code="parameter_invalid_integer",
            param="components[payment_element][features][payment_method_redisplay_limit]",
        )
    return features


@route("POST", "/v1/customer_sessions", "CustomerSessionCreateParams")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    customer = params.get("customer")
    if not customer:
        raise StripeError(400, "Missing required param: customer.", code="parameter_missing",
                          param="customer")
    ctx.require("customer", customer, "customer")
    requested = params.get("components") or {}
    components: dict[str, Any] = {}
    for name in COMPONENTS:
        given = requested.get(name) or {}
        component: dict[str, Any] = {"enabled": bool(given.get("enabled"))}
        if name == "payment_element":
            component["features"] = _features(given.get("features")) if component["enabled"] \
                else None
        components[name] = component
    if not any(c["enabled"] for c in components.values()):
        raise StripeError(400, "At least one component must be enabled in `components`.",
                          param="components")
    secret = f"cuss_secret_{ctx.secret('cuss_secret')}"
    session = {
        "id": secret,  # no public id: stored under its secret, never shown
        "object": "customer_session",
        "client_secret": secret,
        "components": components,
        "created": ctx.now,
        "customer": customer,
        "customer_account": None,
        "expires_at": ctx.now + LIFETIME_SECONDS,
        "livemode": False,
    }
    ctx.save(session)
    return {k: v for k, v in session.items() if k != "id"}


def load(ctx: Context, secret: Any, param: str) -> dict[str, Any]:
    """A live session by client secret; expired ones are refused where they are used."""
    session = ctx.store.get(ctx.account, str(secret), "customer_session") if secret else None
    if session is None:
        raise StripeError(400, "The customer_session_client_secret provided is invalid.",
                          code="customer_session_invalid", param=param)
    if session["expires_at"] <= ctx.now:
        raise StripeError(400, "This CustomerSession has expired. Create a new CustomerSession"
                          " on your server and pass its client_secret.",
                          code="customer_session_expired", param=param)
    return session
