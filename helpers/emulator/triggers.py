"""`trigger`, like the Stripe CLI's `stripe trigger`: make an event happen by doing the real thing.

No hand-made JSON: each trigger creates a Customer and a PaymentIntent through the API and
confirms it with the test payment method that leads to the wanted event, so the event carries a
real object that your handler can look up afterwards.

    from helpers.emulator.triggers import trigger
    event = trigger("payment_intent.succeeded")                       # the kit's emulator
    event = trigger("payment_intent.payment_failed", api_base="http://127.0.0.1:12111")

    python -m helpers.emulator trigger payment_intent.processing [--api-base URL] [--api-key KEY]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from .core import Emulator

RETURN_URL = "https://example.com/order/complete"


def client(emulator: Emulator | None = None, api_key: str | None = None,
           api_base: str | None = None) -> stripe.StripeClient:
    """A stripe-python client on the kit's emulator (in-process) or on `api_base` over HTTP."""
    from .core import DEFAULT_SECRET_KEY

    key = api_key or DEFAULT_SECRET_KEY
    if api_base:
        return stripe.StripeClient(key, base_addresses={"api": api_base.rstrip("/")},
                                   max_network_retries=0)
    from . import get_emulator
    from .http_client import EmulatorHTTPClient

    return stripe.StripeClient(key, http_client=EmulatorHTTPClient(emulator or get_emulator()),
                               base_addresses={"api": "http://emulator.invalid"},
                               max_network_retries=0)


def _intent(api: stripe.StripeClient) -> Any:
    customer = api.v1.customers.create({"name": "Trigger Customer",
                                        "description": "(created by trigger)"})
    return api.v1.payment_intents.create({  # automatic payment methods: card, link, ACH (usd)
        "amount": 2000, "currency": "usd", "customer": customer.id,
        "description": "(created by trigger)"})


def _confirm(api: stripe.StripeClient, intent: Any, payment_method: str,
             **extra: Any) -> Any:
    try:
        return api.v1.payment_intents.confirm(intent.id, {"payment_method": payment_method,
                                                          "return_url": RETURN_URL, **extra})
    except stripe.CardError:  # a decline is the point of payment_failed
        return api.v1.payment_intents.retrieve(intent.id)


def _succeeded(api: stripe.StripeClient) -> Any:
    return _confirm(api, _intent(api), "pm_card_visa")


def _payment_failed(api: stripe.StripeClient) -> Any:
    return _confirm(api, _intent(api), "pm_card_chargeDeclined")


def _requires_action(api: stripe.StripeClient) -> Any:
    return _confirm(api, _intent(api), "pm_card_authenticationRequired")


def _processing(api: stripe.StripeClient) -> Any:
    # An ACH debit: `processing` now, settled (succeeded) a few seconds later on the clock.
    return _confirm(api, _intent(api), "pm_usBankAccount_success",
                    mandate_data={"customer_acceptance": {"type": "offline"}})


def _canceled(api: stripe.StripeClient) -> Any:
    intent = _intent(api)
    return api.v1.payment_intents.cancel(intent.id, {"cancellation_reason":
                                                     "requested_by_customer"})


FIXTURES: dict[str, Callable[[stripe.StripeClient], Any]] = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_intent.processing": _processing,
    "payment_intent.requires_action": _requires_action,
    "payment_intent.canceled": _canceled,
}
SUPPORTED = tuple(FIXTURES)


def trigger(name: str, emulator: Emulator | None = None, api_key: str | None = None,
            api_base: str | None = None) -> stripe.Event:
    """Make `name` happen through real API calls; returns the event it produced."""
    if name not in FIXTURES:
        raise ValueError(f"Cannot trigger {name!r}: supported events are {', '.join(SUPPORTED)}.")
    api = client(emulator, api_key, api_base)
    intent = FIXTURES[name](api)
    for event in api.v1.events.list({"type": name, "limit": 100}).auto_paging_iter():
        if event.data.object.id == intent.id:
            return event
    raise RuntimeError(f"The fixture ran (PaymentIntent {intent.id}, status {intent.status}) but"
                       f" no {name} event was recorded.")
