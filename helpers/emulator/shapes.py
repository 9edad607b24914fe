"""Object shapes from stripe-python's resource classes: the authority for field names.

stripe-python's classes (generated from Stripe's OpenAPI spec) annotate every field an API
object has. The emulator fills any field it does not model with `null`, so responses carry the
full set of keys, and the contract tests check that no field is invented and enums are valid.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import stripe

RESOURCES: dict[str, type] = {
    "charge": stripe.Charge,
    "customer": stripe.Customer,
    "customer_session": stripe.CustomerSession,
    "event": stripe.Event,
    "payment_intent": stripe.PaymentIntent,
    "payment_method": stripe.PaymentMethod,
    "webhook_endpoint": stripe.WebhookEndpoint,
}
PAYMENT_METHOD = RESOURCES["payment_method"]  # stripe's module attributes load lazily, per access

# Fields Stripe leaves out unless `expand[]` asks for them ("includable"): the Customer's
# lists stopped being sent by default with API version 2020-08-27, and its balances and tax
# details are documented as expandable-only. complete() does not add them; _expand does.
INCLUDABLE: dict[str, frozenset[str]] = {
    "customer": frozenset({"cash_balance", "invoice_credit_balance", "sources",
                           "subscriptions", "tax", "tax_ids"}),
}


def included(obj: dict[str, Any], name: str) -> Any:
    """An includable field's value when it is expanded: what an account with none has."""
    if name in ("sources", "subscriptions", "tax_ids"):
        return {"object": "list", "data": [], "has_more": False,
                "url": f"/v1/customers/{obj.get('id')}/{name}"}
    if name == "invoice_credit_balance":
        return {}
    return None  # cash_balance, tax: not modelled by the emulator
_LITERAL = re.compile(r"Literal\[([^\]]*)\]")
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")


@functools.cache
def fields(cls: type) -> dict[str, str]:
    """Field name -> annotation text, for a stripe-python resource or inner object class."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("stripe.") and klass.__name__ not in (
                "StripeObject", "APIResource"):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                text = annotation if isinstance(annotation, str) else repr(annotation)
                if not name.startswith("_") and not name.isupper() and "ClassVar" not in text:
                    found[name] = text
    return found


def enum_values(annotation: str) -> set[str]:
    """The Literal values an annotation allows (empty when it is not an enum)."""
    values: set[str] = set()
    for group in _LITERAL.findall(annotation):
        values |= {a or b for a, b in _QUOTED.findall(group)}
    return values


def inner_classes(cls: type, annotation: str) -> list[type]:
    """Inner object classes an annotation refers to (e.g. PaymentIntent.LastPaymentError)."""
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation)
    return [getattr(cls, n) for n in names
            if isinstance(getattr(cls, n, None), type)
            and issubclass(getattr(cls, n), stripe.StripeObject)]


@functools.cache
def _null_fields(cls: type, own_type: str | None) -> tuple[str, ...]:
    """The fields complete() fills, in the resource class's order (computed once per shape)."""
    known = fields(cls)
    # A PaymentMethod carries only its own type's details (`card`, `sepa_debit`…), not all 50.
    per_type = enum_values(known["type"]) if "type" in known and cls is stripe.PaymentMethod \
        else set()
    left_out = INCLUDABLE.get(getattr(cls, "OBJECT_NAME", ""), frozenset())
    return tuple(name for name in known
                 if name != "deleted" and name not in left_out
                 and (name not in per_type or name == own_type))


def complete(obj: dict[str, Any]) -> dict[str, Any]:
    """Add every field of the object's resource class that the emulator does not model, as null."""
    cls = RESOURCES.get(obj.get("object", ""))
    if cls is None:
        return obj
    own_type = obj.get("type") if cls is PAYMENT_METHOD else None
    for name in _null_fields(cls, own_type if isinstance(own_type, str) else None):
        if name not in obj:
            obj[name] = None
    return obj
