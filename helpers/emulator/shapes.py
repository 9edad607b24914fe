"""Object shapes from stripe-python's resource classes: the authority for field names.

stripe-python's classes (generated from Stripe's OpenAPI spec) annotate every field an API
object has, nested objects included (`Charge.Outcome`, `Charge.PaymentMethodDetails.Card`).
`complete()` builds every object to that shape: each declared field is there, `null` only where
the annotation is Optional, a non-Optional nested object is filled in with its own fields, and a
field Stripe leaves out when unset (optional_fields.ABSENT_WHEN_UNSET) is left out, never null.
The shape tests walk every object the emulator serves against the same classes.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from typing import Any

import stripe

from .optional_fields import ABSENT_WHEN_UNSET

# Python 3.14's module for lazily evaluated annotations (PEP 749); None before 3.14.
_annotationlib = importlib.import_module("annotationlib") if sys.version_info >= (3, 14) \
    else None

RESOURCES: dict[str, type] = {
    "charge": stripe.Charge,
    "customer": stripe.Customer,
    "customer_session": stripe.CustomerSession,
    "event": stripe.Event,
    "payment_intent": stripe.PaymentIntent,
    "payment_method": stripe.PaymentMethod,
    "refund": stripe.Refund,
    "setup_intent": stripe.SetupIntent,
    "webhook_endpoint": stripe.WebhookEndpoint,
}


@functools.cache
def register(object_name: str) -> type | None:
    """Add a resource by its `object` name, from stripe-python's own map of object names to
    classes (complete() does, for any object it meets); returns the class, None if unknown."""
    if object_name not in RESOURCES:
        from stripe._object_classes import get_object_class

        cls = get_object_class("V1", object_name)
        if cls is None or not issubclass(cls, stripe.APIResource):  # lists, unknown names
            return None
        RESOURCES[object_name] = cls
    return RESOURCES[object_name]
PAYMENT_METHOD = RESOURCES["payment_method"]  # stripe's module attributes load lazily, per access

# Fields Stripe leaves out unless `expand[]` asks for them ("includable"): the Customer's
# lists stopped being sent by default with API version 2020-08-27, and its balances and tax
# details are documented as expandable-only. complete() does not add them; _expand does.
INCLUDABLE: dict[str, frozenset[str]] = {
    "customer": frozenset({"cash_balance", "invoice_credit_balance", "sources",
                           "subscriptions", "tax", "tax_ids"}),
    # A charge's refunds stopped being sent by default with API version 2022-11-15.
    "charge": frozenset({"refunds"}),
}


def included(obj: dict[str, Any], name: str) -> Any:
    """An includable field's value when it is expanded: what an account with none has."""
    if name in ("sources", "subscriptions", "tax_ids", "refunds"):
        return {"object": "list", "data": [], "has_more": False,
                "url": f"/v1/{obj.get('object')}s/{obj.get('id')}/{name}"}
    if name == "invoice_credit_balance":
        return {}
    if name == "tax":  # a customer with no address: Stripe cannot place it (UNCONFIRMED values)
        return {"automatic_tax": "unrecognized_location", "ip_address": None, "location": None,
                "provider": "stripe"}
    return None  # cash_balance: not modelled by the emulator
_LITERAL = re.compile(r"Literal\[([^\]]*)\]")
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")


def own_annotations(klass: type) -> dict[str, Any]:
    """A class's own annotations (not its bases'), however this Python stores them.

    Python 3.14 evaluates annotations lazily (PEP 649/749): a class keeps an `__annotate__`
    function, and `vars(cls)` has no `__annotations__` until something asks for them, so reading
    the class dict finds none. There, annotationlib asks for them in FORWARDREF format: a name
    stripe-python imports only for type checkers stays a ForwardRef instead of raising
    NameError. Before 3.14 the `__annotations__` attribute is the class's own dict (since 3.10
    a class without annotations gets an empty one, never its base's); `inspect.get_annotations`
    would not do here, as on 3.11 it reads the class dict just as the old code did.
    """
    if _annotationlib is not None:
        return dict(_annotationlib.get_annotations(
            klass, format=_annotationlib.Format.FORWARDREF))
    annotations = getattr(klass, "__annotations__", None)
    return dict(annotations) if isinstance(annotations, dict) else {}


@functools.cache
def fields(cls: type) -> dict[str, str]:
    """Field name -> annotation text, for a stripe-python resource or inner object class."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("stripe.") and klass.__name__ not in (
                "StripeObject", "APIResource"):
            for name, annotation in own_annotations(klass).items():
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


def is_optional(annotation: str) -> bool:
    """May the field be null? (`Optional[X]` is printed as `Union[X, NoneType]` for unions.)"""
    return annotation.startswith(("typing.Optional[", "Optional[")) \
        or annotation.endswith(", NoneType]")


def absent_when_unset(cls: type) -> frozenset[str]:
    """Fields of this class that Stripe leaves out, rather than null, when they do not apply."""
    return ABSENT_WHEN_UNSET.get(cls.__qualname__, frozenset())


# Classes whose per-type fields (`card`, `sepa_debit`, … 50 of them) appear only for their own
# `type`: the PaymentMethod and a charge's payment_method_details.
PER_TYPE = {"PaymentMethod", "Charge.PaymentMethodDetails"}
_SCALAR_DEFAULTS = {"<class 'bool'>": False, "<class 'int'>": 0}


@functools.cache
def _plan(cls: type, own_type: str | None) -> tuple[tuple[str, int, Any], ...]:
    """How complete() treats each field of `cls`, worked out once per (class, type).

    Each entry is (name, action, detail): 0 = fill with None when missing, 1 = leave out when
    unset (drop a None), 2 = fill a missing non-Optional nested object (detail: its class),
    3 = fill a missing non-Optional scalar or list (detail: the default), 4 = recurse only
    (detail: the nested class, for a value that is there).
    """
    known = fields(cls)
    qualname = cls.__qualname__
    per_type = enum_values(known["type"]) if qualname in PER_TYPE and "type" in known \
        else set()
    left_out = INCLUDABLE.get(getattr(cls, "OBJECT_NAME", "") or "", frozenset())
    absent = absent_when_unset(cls)
    plan: list[tuple[str, int, Any]] = []
    for name, annotation in known.items():
        if name == "deleted" or name in left_out:
            continue
        if name in per_type and name != own_type:
            continue
        inner = [c for c in inner_classes(cls, annotation)
                 if not getattr(c, "OBJECT_NAME", None)]  # not an expandable resource
        nested = inner[0] if len(inner) == 1 and "List[" not in annotation else None
        if name in absent:
            plan.append((name, 1, nested))
        elif is_optional(annotation):
            plan.append((name, 0, nested))
        elif nested is not None:
            plan.append((name, 2, nested))
        elif annotation in _SCALAR_DEFAULTS:
            plan.append((name, 3, _SCALAR_DEFAULTS[annotation]))
        elif annotation.startswith(("typing.List[", "List[")):
            plan.append((name, 3, []))
        else:
            plan.append((name, 4, None))
    return tuple(plan)


@functools.cache
def _fast(cls: type, own_type: str | None) -> tuple[frozenset[str], frozenset[str],
                                                     tuple[tuple[str, type], ...]]:
    """What _fill checks first, as sets (subset tests run in C): the fields it would fill,
    the fields it drops when null, and the nested objects it recurses into."""
    plan = _plan(cls, own_type)
    filled = frozenset(name for name, action, _ in plan if action in (0, 2, 3))
    dropped = frozenset(name for name, action, _ in plan if action == 1)
    nested = tuple((name, detail) for name, action, detail in plan
                   if detail is not None and action != 3)
    return filled, dropped, nested


def _fill(obj: dict[str, Any], cls: type, deep: bool) -> dict[str, Any]:
    own_type = obj.get("type") if cls.__qualname__ in PER_TYPE else None
    own_type = own_type if isinstance(own_type, str) else None
    filled, dropped, nested = _fast(cls, own_type)
    keys = obj.keys()
    if not filled <= keys or any(obj[name] is None for name in dropped & keys):
        for name, action, detail in _plan(cls, own_type):  # the slow path: something to do
            if name not in obj:
                if action == 0:
                    obj[name] = None
                elif action == 2:
                    obj[name] = _fill({}, detail, True)
                elif action == 3:
                    obj[name] = list(detail) if isinstance(detail, list) else detail
            elif obj[name] is None:
                if action == 1:
                    del obj[name]
                elif action == 2:
                    obj[name] = _fill({}, detail, True)
    if deep:
        for name, detail in nested:
            value = obj.get(name)
            if isinstance(value, dict) and "object" not in value:
                _fill(value, detail, True)
    return obj


def complete(obj: dict[str, Any], deep: bool = False) -> dict[str, Any]:
    """Build the object to its class's shape (see the module's docstring).

    `deep` also completes nested objects (`outcome`, `payment_method_details.card`…): done when
    an object is saved, since nested objects are stored whole; a read only needs the top
    level, whose nulls the store leaves out.
    """
    name = obj.get("object", "")
    cls = RESOURCES.get(name) or (register(name) if isinstance(name, str) else None)
    if cls is None:
        return obj
    return _fill(obj, cls, deep)


@functools.cache
def expandable(object_name: str) -> frozenset[str]:
    """Fields `expand[]` may name on this object: ids of other objects (typed
    `Union[str, Resource]`), and the includable ones; empty for an unknown object."""
    cls = RESOURCES.get(object_name) or register(object_name)
    if cls is None:
        return frozenset()
    ids = {name for name, annotation in fields(cls).items()
           if annotation.startswith("typing.Union[str, ForwardRef(")}
    return frozenset(ids | INCLUDABLE.get(object_name, frozenset()))


@functools.cache
def nested_objects(object_name: str) -> frozenset[str]:
    """Fields holding a nested object (`invoice_settings`, `data`…): an expansion path may
    pass through them to an expandable field inside."""
    cls = RESOURCES.get(object_name) or register(object_name)
    if cls is None:
        return frozenset()
    return frozenset(name for name, annotation in fields(cls).items()
                     if inner_classes(cls, annotation))
