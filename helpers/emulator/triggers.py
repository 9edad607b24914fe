"""`trigger`, like the Stripe CLI's `stripe trigger`: make an event happen by doing the real thing.

No hand-made JSON: each trigger makes the real thing through the API (a Customer and a
PaymentIntent confirmed with the test payment method that leads to the wanted event; a
SetupIntent, a refund, an attached PaymentMethod…), so the event carries a real object that
your handler can look up afterwards. `SUPPORTED` lists the events: every one the kit's
notebooks mention, plus charge.*, customer.*, payment_method.attached/detached, setup_intent.*.
Because it only uses Stripe's public API, the same trigger works in Stripe test mode, where a
test-mode `Listener` (which polls the Events API) hears the event like any other.

    from helpers.emulator.triggers import trigger
    event = trigger("payment_intent.succeeded")     # the notebook's backend: emulator or test mode
    event = trigger("payment_intent.payment_failed", api_base="http://127.0.0.1:12111")

    python -m helpers.emulator trigger payment_intent.processing [--api-base URL] [--api-key KEY]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from .core import Emulator

RETURN_URL = "https://example.com/order/complete"
EVENT_WAIT_SECONDS = 30.0  # Stripe lists a new event within moments; this is a generous bound
LIVE_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")


def client(emulator: Emulator | None = None, api_key: str | None = None,
           api_base: str | None = None) -> stripe.StripeClient:
    """A stripe-python client on the kit's emulator (in-process) or on `api_base` over HTTP."""
    from .core import DEFAULT_SECRET_KEY

    key = api_key or DEFAULT_SECRET_KEY
    if key.startswith(LIVE_PREFIXES):
        raise ValueError("That is a live-mode key: triggers create real payments, so the kit"
                         " only runs them with test keys (sk_test_…).")
    if api_base:
        return stripe.StripeClient(key, base_addresses={"api": api_base.rstrip("/")},
                                   max_network_retries=0)
    from . import get_emulator
    from .http_client import EmulatorHTTPClient

    return stripe.StripeClient(key, http_client=EmulatorHTTPClient(emulator or get_emulator()),
                               base_addresses={"api": "http://emulator.invalid"},
                               max_network_retries=0)


def backend_client() -> stripe.StripeClient:
    """A client on whatever backend the notebook uses (`helpers.backend.current()`).

    The emulator in-process, or Stripe test mode at the configured `api_base` with the
    configured test key: the same library setup as `stripe.PaymentIntent.create(...)` uses.
    """
    from ..backend import current

    backend = current()
    return stripe.StripeClient(backend.secret_key, http_client=stripe.default_http_client,
                               base_addresses={"api": backend.api_base}, max_network_retries=0)


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


def _authorized(api: stripe.StripeClient) -> Any:
    """A card payment authorised, waiting for capture (`requires_capture`)."""
    customer = _customer(api)
    intent = api.v1.payment_intents.create({
        "amount": 2000, "currency": "usd", "customer": customer.id, "capture_method": "manual",
        "description": "(created by trigger)"})
    return _confirm(api, intent, "pm_card_visa")


def _captured(api: stripe.StripeClient) -> Any:
    return api.v1.payment_intents.capture(_authorized(api).id)


def _refunded(api: stripe.StripeClient) -> Any:
    intent = _succeeded(api)
    api.v1.refunds.create({"payment_intent": intent.id})
    return intent


def _customer(api: stripe.StripeClient) -> Any:
    return api.v1.customers.create({"name": "Trigger Customer",
                                    "description": "(created by trigger)"})


def _customer_updated(api: stripe.StripeClient) -> Any:
    return api.v1.customers.update(_customer(api).id, {"metadata": {"updated_by": "trigger"}})


def _customer_deleted(api: stripe.StripeClient) -> Any:
    customer = _customer(api)
    api.v1.customers.delete(customer.id)
    return customer


def _setup_intent(api: stripe.StripeClient, payment_method: str | None = None) -> Any:
    """A SetupIntent for a new customer, confirmed with `payment_method` if given."""
    params: dict[str, Any] = {"customer": _customer(api).id, "usage": "off_session",
                              "description": "(created by trigger)"}
    if payment_method is None:
        return api.v1.setup_intents.create(params)  # type: ignore[arg-type]
    params.update(payment_method=payment_method, confirm=True, return_url=RETURN_URL)
    try:
        return api.v1.setup_intents.create(params)  # type: ignore[arg-type]
    except stripe.CardError as error:  # a decline is the point of setup_failed
        setup_intent = (error.error and error.error.setup_intent) or None
        if setup_intent is None:
            raise
        return setup_intent


def _setup_canceled(api: stripe.StripeClient) -> Any:
    return api.v1.setup_intents.cancel(_setup_intent(api).id)


def _attached(api: stripe.StripeClient) -> Any:
    return api.v1.payment_methods.attach("pm_card_visa", {"customer": _customer(api).id})


def _detached(api: stripe.StripeClient) -> Any:
    return api.v1.payment_methods.detach(_attached(api).id)


# event -> what makes it happen. Each returns the object the event carries, or (for charge.*)
# the PaymentIntent whose charge it is.
FIXTURES: dict[str, Callable[[stripe.StripeClient], Any]] = {
    "payment_intent.created": _intent,
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_intent.processing": _processing,
    "payment_intent.requires_action": _requires_action,
    "payment_intent.canceled": _canceled,
    "payment_intent.amount_capturable_updated": _authorized,
    "charge.succeeded": _succeeded,
    "charge.failed": _payment_failed,
    "charge.pending": _processing,
    "charge.captured": _captured,
    "charge.refunded": _refunded,
    "customer.created": _customer,
    "customer.updated": _customer_updated,
    "customer.deleted": _customer_deleted,
    "payment_method.attached": _attached,
    "payment_method.detached": _detached,
    "setup_intent.created": lambda api: _setup_intent(api),
    "setup_intent.succeeded": lambda api: _setup_intent(api, "pm_card_visa"),
    "setup_intent.setup_failed": lambda api: _setup_intent(api, "pm_card_chargeDeclined"),
    "setup_intent.requires_action":
        lambda api: _setup_intent(api, "pm_card_authenticationRequired"),
    "setup_intent.canceled": _setup_canceled,
}
SUPPORTED = tuple(FIXTURES)


def trigger(name: str, emulator: Emulator | None = None, api_key: str | None = None,
            api_base: str | None = None, *,
            wait: float = EVENT_WAIT_SECONDS) -> stripe.Event:
    """Make `name` happen through real API calls; returns the event it produced.

    Where it happens: on `api_base` (a server) if given; else on `emulator` (or the process's
    emulator when only `api_key` is given); else on the notebook's backend, the emulator or
    Stripe test mode, whichever `helpers.backend.current()` says.
    """
    if name not in FIXTURES:
        raise ValueError(f"Cannot trigger {name!r}: supported events are {', '.join(SUPPORTED)}.")
    if api_base or emulator is not None or api_key:
        api, wall_clock = client(emulator, api_key, api_base), bool(api_base)
    else:
        from ..backend import current

        api, wall_clock = backend_client(), current().mode == "stripe"
    # Only a wall-clock backend (Stripe, a served emulator) is searched from "now": the
    # in-process emulator may keep a fixed deterministic clock.
    since = int(time.time()) - 300 if wall_clock else None
    made = FIXTURES[name](api)
    event = _event_for(api, name, made.id, since=since, wait=wait)
    if event is None:
        status = getattr(made, "status", None)
        raise RuntimeError(f"The fixture ran ({made.object} {made.id}"
                           f"{f', status {status}' if status else ''}) but no {name} event"
                           f" was listed within {wait:.0f} s.")
    return event


def _event_for(api: stripe.StripeClient, name: str, object_id: str, *, since: int | None,
               wait: float) -> stripe.Event | None:
    """The `name` event of this object (or of this PaymentIntent's charge), waiting up to
    `wait` s for Stripe to list it.

    `since` (a margin before the fixture ran) keeps the search short on a busy test account.
    """
    deadline = time.monotonic() + wait
    params: dict[str, Any] = {"type": name, "limit": 100}
    if since is not None:
        params["created"] = {"gte": since}
    while True:
        found = api.v1.events.list(params)  # type: ignore[arg-type]
        for event in found.auto_paging_iter():
            carried = event.data.object
            if carried.id == object_id or getattr(carried, "payment_intent", None) == object_id:
                return event
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.5)
