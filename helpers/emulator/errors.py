"""Stripe-shaped API errors.

Every failure the emulator reports is a `StripeError`: it carries the HTTP status and the
`{"error": {...}}` body Stripe would send, so stripe-python raises the same exception class
(CardError, InvalidRequestError, AuthenticationError...) as it does against Stripe.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error response: HTTP status plus Stripe's error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        error: dict[str, Any] = {"type": type, "message": message}
        if code:
            error["code"] = code
            error["doc_url"] = DOCS + code.replace("_", "-")
        if decline_code:
            error["decline_code"] = decline_code
        if param:
            error["param"] = param
        error.update({k: v for k, v in extra.items() if v is not None})
        self.error = error

    def body(self) -> dict[str, Any]:
        return {"error": self.error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    """404 for an object this account does not have (Stripe says the same for another account's)."""
    return StripeError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def param_missing(name: str) -> StripeError:
    return StripeError(400, f"Missing required param: {name}.", code="parameter_missing",
                       param=name)


def param_invalid(name: str, message: str | None = None) -> StripeError:
    return StripeError(
        400, message or f"Invalid value for {name}.", code="parameter_invalid", param=name
    )


def unexpected_state(message: str, **extra: Any) -> StripeError:
    return StripeError(400, message, code="payment_intent_unexpected_state", **extra)


PUBLISHABLE_KEY_REFUSED = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)


# Request body cap. Stripe documents no request size limit (UNCONFIRMED); the largest request
# its documented limits allow (50 metadata entries of 40 + 500 characters, strings of at most
# 5000 characters) is well under 1 MiB, so the emulator refuses bigger bodies with 413 instead
# of storing (and listing back) whatever arrives. Tornado's own default was 100 MB.
MAX_BODY_BYTES = 1024 * 1024


def request_too_large(size: int) -> StripeError:
    return StripeError(
        413, f"The request body is {size} bytes; the offline emulator accepts at most"
        f" {MAX_BODY_BYTES} bytes (1 MiB) per request.", code="request_too_large")
