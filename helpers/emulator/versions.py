"""API versions: which one a request runs at, and what changes between them.

A request runs at its `Stripe-Version` header, or else at its account's default version (the
kit's default: 2026-10-28.endive, what stripe-python 16.1 pins). An account's default is set
with the kit-only route `POST /v1/test_helpers/kit/default_api_version {api_version}` (secret
key; `GET` reads it) or for every account of a server with `serve --default-api-version V`
(the environment variable KIT_DEFAULT_API_VERSION, read by `Emulator()`). Stripe sets an
account's default in the Dashboard (Workbench); it has no API route for it. Like a Dashboard
setting, an account's default outlives `reset`; `{api_version: ""}` restores the kit's.

Known versions are the ones stripe-python 16.1 lists for `WebhookEndpoint.api_version` (every
public version from 2011-01-01 to 2026-10-28.endive); anything else gets Stripe's 400
"Invalid Stripe API version: …".

Breaking changes from 2024-06-20 through 2026-10-28.endive implemented here, for the resources
the emulator serves:

- 2026-09-30.endive: `payment_method_types` is no longer writable on PaymentIntent
  create/update/confirm and SetupIntent create/update: 400
  `payment_method_types_no_longer_supported`. Before it, the parameter is accepted (and acts as
  `allowed_payment_method_types` does today: exactly those types, no automatic payment
  methods; on update and confirm it is accepted, and acts only as far as the handlers act on
  `allowed_payment_method_types`). Source: https://docs.stripe.com/changelog/endive/2026-09-30/removes-the-payment-method-types-parameter-from-payment-intents-and-setup-intents
  (also shared/reference/stripe-behaviour.md §9).
- 2025-03-31.basil: `invoice` removed from Charge and PaymentIntent: answers at earlier
  versions carry `invoice: null` (the emulator has no invoices). `coupon` and `promotion_code`
  removed from customer create/update: at earlier versions they are accepted by name, and
  answered "No such coupon"/"No such promotion_code" (no such object can exist here); at basil
  and later they are unknown parameters. Source: stripe-python's CHANGELOG for 12.0.0
  ("Breaking changes due to changes in the Stripe API", pinned 2025-03-31.basil), which points
  to https://docs.stripe.com/changelog/basil
- Events: `event.api_version` is the account's default version when the event happens, and a
  delivery to an endpoint created with `api_version` says that version (`render_event`). Source:
  https://docs.stripe.com/webhooks/versioning ("data.object is rendered at the account's or
  endpoint's API version"; reference §4).

Found but left out (no shape of ours differs, or it is not a server-side API change):
- 2025-03-31.basil: Payment Element's default layout becomes an accordion (Stripe.js, not the
  API): https://docs.stripe.com/changelog/basil/2025-03-31/default-layout-of-payment-element
- 2025-03-31.basil: `total_count` on lists removed (source only a third-party summary,
  UNCONFIRMED; the emulator never returns `total_count`, so nothing differs).
- 2025-09-30.clover: Elements refuses to reuse client secrets of intents in some states
  (Stripe.js): https://docs.stripe.com/changelog/clover/2025-09-30/client-secret-reuse ;
  deprecated bank/messaging Elements removed:
  https://docs.stripe.com/changelog/clover/2025-09-30/stripejs-deprecated-elements-removal
- 2026-09-30.endive: Elements' `paymentMethodTypes` option for deferred intents throws
  (Stripe.js): https://docs.stripe.com/changelog/endive/2026-09-30/remove-elements-deferred-intent-payment-method-types
- 2025-09-30.clover: `link` and `pay_by_bank` removed from PaymentMethod update params
  (stripe-python 13.0.0 CHANGELOG): the emulator's PaymentMethod update does not take them at
  any version.
- 2025-03-31.basil: `naver_pay` removed from PaymentMethod update params (stripe-python 12.0.0
  CHANGELOG): likewise not served.
- 2026-03-25.dahlia: no breaking change to these resources in stripe-python 15.0.0's list (its
  breaking changes are Issuing, PaymentRecords, v2 event destinations and SDK-side decimals).
- Additive fields (e.g. charge `outcome.advice_code` 2025-01-27.acacia, network advice/decline
  codes 2024-12-18.acacia, `payment_record` on PaymentIntent 2026-09-30.endive) are not
  breaking: older versions would omit them; the emulator sends them at every version.
- 2026-09-30.endive's other breaking changes, if any touch these resources: not found (the
  stored stripe-python CHANGELOG ends at 15.3.1, 2026-06-24.dahlia; the docs corpus had only
  the payment_method_types pages above).
- 2024-09-30.acacia: its API breaking changes are Billing alerts and Terminal (stripe-python
  11.0.0 CHANGELOG).
- Breaking changes of Billing, Connect, Checkout, Terminal, Issuing (acacia, basil, clover,
  dahlia): no resource the emulator serves.
"""

from __future__ import annotations

import functools
import time
import typing
from typing import TYPE_CHECKING, Any

import stripe.params

from .errors import StripeError, missing

if TYPE_CHECKING:
    from .store import Store

LATEST = "2026-10-28.endive"  # stripe-python 16.1.0's pin; context.API_VERSION is the same
BASIL = "2025-03-31"  # first version without `invoice` on charges and PaymentIntents
ENDIVE = "2026-09-30"  # first version without a writable payment_method_types
# Objects that carried `invoice` before basil (a PaymentIntent only in full, not the subset a
# publishable key reads: that one has no `latest_charge`).
INVOICE_BEFORE_BASIL = {"charge": "object", "payment_intent": "latest_charge"}
# Params that basil removed from customer create/update; before it they name a coupon or a
# promotion code, and the emulator has neither.
CUSTOMER_DISCOUNT_PARAMS = {"coupon": "coupon", "promotion_code": "promotion_code"}
CUSTOMER_ROUTES = frozenset({"CustomerCreateParams", "CustomerModifyParams"})
# Routes whose params lost `payment_method_types` in endive (stripe.params class names).
PAYMENT_METHOD_TYPES_ROUTES = frozenset({
    "PaymentIntentCreateParams", "PaymentIntentModifyParams", "PaymentIntentConfirmParams",
    "SetupIntentCreateParams", "SetupIntentModifyParams",
})
# Wording UNCONFIRMED: the code is documented (changelog above), the message is the kit's.
NO_LONGER_SUPPORTED = (
    "The `payment_method_types` parameter is no longer supported in API version {version}."
    " Use dynamic payment methods, `allowed_payment_method_types` or"
    " `excluded_payment_method_types` instead, or send an API version before 2026-09-30.endive.")
META_KEY = "default_api_version:"  # + account id, in the store's meta table


@functools.cache
def known() -> tuple[str, ...]:
    """Every public API version, oldest first (stripe-python 16.1's list for webhook endpoints)."""
    hint = stripe.params.WebhookEndpointCreateParams.__annotations__["api_version"]
    while typing.get_origin(hint) is not typing.Literal:  # NotRequired[Literal[...]]
        hint = typing.get_args(hint)[0]
    return typing.get_args(hint)


@functools.cache
def _known_set() -> frozenset[str]:
    return frozenset(known())


def check(version: str) -> str:
    """The version, if Stripe knows it; else Stripe's 400."""
    if version in _known_set():
        return version
    # Message as Stripe words it (stripe/stripe-java#682, pay-rails/pay#680); the status (400)
    # and the absence of an error code are UNCONFIRMED.
    raise StripeError(400, f"Invalid Stripe API version: {version}")


def before(version: str, date: str) -> bool:
    """Is `version` older than the release of `date` (YYYY-MM-DD)? Versions sort by date."""
    return version[:10] < date


class AccountVersions:
    """Each account's default API version, kept in the store's meta table.

    Looked up on every request without a `Stripe-Version` header: a dict read, refreshed from
    the database at most every REFRESH_SECONDS (another process may have changed it).
    """

    REFRESH_SECONDS = 0.5

    def __init__(self, store: Store, default: str | None = None) -> None:
        self.store = store
        self.default = check(default) if default else LATEST
        self._cache: dict[str, tuple[float, str]] = {}

    def default_for(self, account: str) -> str:
        cached = self._cache.get(account)
        now = time.monotonic()
        if cached is not None and now - cached[0] <= self.REFRESH_SECONDS:
            return cached[1]
        version = self.store.meta(META_KEY + account, "") or self.default
        self._cache[account] = (now, version)
        return version

    def set_default(self, account: str, version: str | None) -> str:
        """Set (or, with None/"", forget) the account's default; returns the one now in force."""
        if version:
            check(version)
        with self.store.transaction():
            self.store.set_meta(META_KEY + account, version or "")
        self._cache.pop(account, None)
        return self.default_for(account)


def prepare(version: str, params_type: str | None, params: dict[str, Any]) -> None:
    """Turn a request made at `version` into today's params (in place), before validation."""
    if params_type in CUSTOMER_ROUTES and before(version, BASIL):
        for name, kind in CUSTOMER_DISCOUNT_PARAMS.items():
            if params.get(name):  # valid before basil, but no such object can exist here
                raise missing(kind, str(params[name]), name)
    if params_type not in PAYMENT_METHOD_TYPES_ROUTES or "payment_method_types" not in params:
        return
    if not before(version, ENDIVE):
        raise StripeError(400, NO_LONGER_SUPPORTED.format(version=version),
                          code="payment_method_types_no_longer_supported",
                          param="payment_method_types")
    types = params.pop("payment_method_types")
    if isinstance(types, dict):  # a form's "payment_method_types[0]=card"
        types = list(types.values())
    if (not isinstance(types, list) or not types
            or not all(isinstance(t, str) and t for t in types)):
        raise StripeError(400, "Invalid array", param="payment_method_types")
    if "allowed_payment_method_types" in params:  # (the kit's wording)
        raise StripeError(400, "You cannot pass both `payment_method_types` and"
                          " `allowed_payment_method_types`.", param="payment_method_types")
    params["allowed_payment_method_types"] = list(types)


def render(obj: Any, version: str) -> Any:
    """`obj` (an answer: an object, a list, an error) as `version` shapes it.

    Objects are made (and stored) in today's shape; only what differs at `version` changes.
    An event's object is rendered at the event's own `api_version`, whatever the request's.
    """
    if isinstance(obj, list):
        return [render(item, version) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if obj.get("object") == "event":
        return render_event(obj, None)
    if not before(version, BASIL):
        if obj.get("object") == "list":  # a list of events (the only lists that vary here)
            return {**obj, "data": render(obj.get("data"), version)}
        return obj
    out = {key: render(value, version) if isinstance(value, (dict, list)) else value
           for key, value in obj.items()}
    marker = INVOICE_BEFORE_BASIL.get(obj.get("object"))  # type: ignore[arg-type]
    if marker is not None and marker in obj:
        out.setdefault("invoice", None)
    return out


def render_response(version: str, response: Any) -> Any:
    """The emulator's Response with its body at `version`.

    Costs one comparison for today's versions, unless the answer holds events.
    """
    body = response.body
    if not before(version, BASIL):
        kind = body.get("object")
        if kind != "event" and not (kind == "list" and body.get("data")
                                    and isinstance(body["data"][0], dict)
                                    and body["data"][0].get("object") == "event"):
            return response
    response.body = render(body, version)
    response.text = None  # serialised again from the rendered body
    return response


def render_event(event: dict[str, Any], endpoint_version: str | None) -> dict[str, Any]:
    """The event at its own version, or as a delivery to an endpoint pinned at
    `endpoint_version` carries it (`data.object` at that version)."""
    version = endpoint_version or event.get("api_version") or LATEST
    if not before(version, BASIL) and version == event.get("api_version"):
        return event
    data = event.get("data") or {}
    return {**event, "api_version": version,
            "data": {**data, "object": render(data.get("object"), version)}}


def header_version(headers: dict[str, str]) -> str | None:
    """The request's `Stripe-Version` (headers lower-cased), checked; None when absent."""
    version = headers.get("stripe-version")
    if version is None:
        return None
    if ";" in version:  # "2026-10-28.endive; some_beta=v1": beta flags are not modelled
        version = version.split(";", 1)[0]
    return check(version.strip())


# The kit-only route that sets an account's default version ------------------------------
from .routing import route  # noqa: E402


@route("GET", "/v1/test_helpers/kit/default_api_version", None)
def get_default(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    return _answer(ctx, ctx.emulator.api_versions.default_for(ctx.account))


@route("POST", "/v1/test_helpers/kit/default_api_version", None)
def set_default(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """`{api_version: V}` sets the account's default; `{api_version: ""}` restores the kit's."""
    ctx.require_secret_key()
    if "api_version" not in params or not isinstance(params["api_version"], str):
        raise StripeError(400, "Missing required param: api_version.",
                          code="parameter_missing", param="api_version")
    return _answer(ctx, ctx.emulator.api_versions.set_default(ctx.account,
                                                              params["api_version"].strip()))


def _answer(ctx: Any, version: str) -> dict[str, Any]:
    return {"object": "kit.default_api_version", "api_version": version,
            "kit_default": ctx.emulator.api_versions.default, "latest": LATEST}
