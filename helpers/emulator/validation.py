"""Request validation driven by stripe-python's generated parameter types.

`stripe.params.*Params` are TypedDicts generated from Stripe's OpenAPI spec. Validating the
decoded form against them with pydantic (lax mode turns "1099" into 1099 and "true" into True;
unknown keys are forbidden) gives Stripe's refusals without a hand-kept list of names.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any

import stripe.params
import typing_extensions
from pydantic import ConfigDict, TypeAdapter, ValidationError
from stripe._request_options import RequestOptions

from . import limits
from .errors import StripeError

# Keys of stripe-python's per-request options: they are never API parameters.
REQUEST_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
# pydantic names union members in error locations ("int", "literal['']", a TypedDict's class
# name…); those are not parameter names.
_UNION_TAG = re.compile(r"[\[\]'\-]|^(int|str|bool|float|none|list|dict|typed-dict)$|^[A-Z]")
_PREFERENCE = ["extra_forbidden", "missing", "int_parsing", "int_from_float", "bool_parsing"]


@functools.cache
def _adapter(class_name: str) -> TypeAdapter:
    params_type = getattr(stripe.params, class_name)
    adapter: TypeAdapter = TypeAdapter(
        list[params_type],
        config=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
    )
    adapter.rebuild(_types_namespace=_namespace())
    return adapter


def warm() -> int:
    """Build every route's validator now (pydantic takes ~20 ms each, once per process).

    A preheated Voilà kernel calls this while it waits for its participant, so their first
    payment does not pay for it. Returns how many were built."""
    from . import routing

    names = {route.params_type for route in routing.ROUTES if route.params_type}
    for name in names:
        _adapter(name)
        _shape(_params_type(name))
    return len(names)


def param_name(loc: tuple[Any, ...]) -> str:
    """('components', 'payment_element', 'enabled') -> 'components[payment_element][enabled]'."""
    parts = [str(p) for p in loc if isinstance(p, int) or not _UNION_TAG.search(str(p))]
    if not parts:
        return ""
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def _as_stripe_error(exc: ValidationError) -> StripeError:
    errors = exc.errors()
    errors.sort(key=lambda e: _PREFERENCE.index(e["type"]) if e["type"] in _PREFERENCE else 99)
    error = errors[0]
    name = param_name(error["loc"][1:])
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return StripeError(400, f"Received unknown parameter: {name}",
                           code="parameter_unknown", param=name)
    if kind == "missing":
        return StripeError(400, f"Missing required param: {name}.",
                           code="parameter_missing", param=name)
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return StripeError(400, f"Invalid integer: {value}",
                           code="parameter_invalid_integer", param=name)
    if kind in ("bool_parsing", "bool_type"):
        return StripeError(400, f"Invalid boolean: {value}",
                           code="parameter_invalid_boolean", param=name)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return StripeError(400, f"Invalid {name}: must be one of {expected}", param=name)
    if kind in ("dict_type", "typed_dict_type", "model_type"):
        return StripeError(400, f"Invalid object for {name}", code="parameter_invalid", param=name)
    if kind == "list_type":
        return StripeError(400, f"Invalid array for {name}", code="parameter_invalid", param=name)
    return StripeError(400, f"Invalid value for {name}: {error['msg']}",
                       code="parameter_invalid", param=name)


def _namespace() -> dict[str, Any]:
    from stripe._stripe_context import StripeContext

    names = {name: getattr(typing, name) for name in
             ("Any", "Dict", "List", "Mapping", "Optional", "Union", "Literal")}
    return {**names, "StripeContext": StripeContext}


@functools.cache
def _hints(typed_dict: type) -> dict[str, Any]:
    return typing.get_type_hints(typed_dict, localns=_namespace())


def _literal_values(tp: Any) -> set[Any]:
    if typing.get_origin(tp) is typing.Literal:
        return set(typing.get_args(tp))
    return set()


@functools.cache
def _shape(tp: Any) -> tuple[str, Any]:
    """What check_enums needs to know of a type, worked out once per type (it runs on every
    request): ("union", (enum values, is it an enum, nested options)), ("object", hints),
    ("list", item type) or ("leaf", None)."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or isinstance(tp, types.UnionType):
        options = typing.get_args(tp)
        allowed = frozenset().union(*(_literal_values(o) for o in options))
        # `Literal[''] | str` only says "send '' to unset": that is not an enum.
        is_enum = bool(allowed - {""}) and str in options
        nested = tuple(o for o in options if typing_extensions.is_typeddict(o)
                       or typing.get_origin(o) is list)
        if bool in options:  # `off_session: bool | Literal[...]`: the form sends "true"/"false"
            allowed = allowed | {"true", "false"}
        return "union", (allowed, is_enum, nested)
    if typing_extensions.is_typeddict(tp):
        return "object", _hints(tp)
    if origin is list:
        return "list", (typing.get_args(tp) or (Any,))[0]
    return "leaf", None


def check_enums(tp: Any, value: Any, path: tuple[Any, ...] = ()) -> None:
    """Refuse values outside an enum even where the spec lets clients send any string.

    The generated types say `Literal[...] | str` (the spec's `x-stripeBypassValidation`: new
    values must not break old clients), but Stripe's server still refuses unknown values.
    """
    kind, info = _shape(tp)
    if kind == "union":
        allowed, is_enum, nested = info
        if is_enum and isinstance(value, str) and value not in allowed:
            name = param_name(path)
            shown = ", ".join(sorted(str(v) for v in allowed if v not in ("", "true", "false")))
            raise StripeError(400, f"Invalid {name}: must be one of {shown}", param=name)
        for option in nested:
            if isinstance(value, (dict, list)):
                check_enums(option, value, path)
    elif kind == "object" and isinstance(value, dict):
        for key, item in value.items():
            if key in info:
                check_enums(info[key], item, (*path, key))
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            check_enums(info, item, (*path, index))


# Stripe's form integers: ASCII digits with an optional leading minus. pydantic's lax mode also
# takes "1000.0", " 1000 ", "1_000", "+1000" and non-ASCII digits, which Stripe refuses
# ("Invalid integer: 10.0" is a captured answer). That a minus is read as an integer everywhere
# (and then refused by the parameter's own bound, as for amounts) is UNCONFIRMED.
_INTEGER = re.compile(r"-?[0-9]+")


@functools.cache
def _integer_rule(tp: Any) -> tuple[bool, frozenset[str]]:
    """(must a string here be an integer?, the literal strings also allowed, like '' to unset)."""
    if tp is int:
        return True, frozenset()
    if typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType):
        options = typing.get_args(tp)
        if int in options and str not in options:
            literals = frozenset().union(*(_literal_values(o) for o in options))
            return True, frozenset(v for v in literals if isinstance(v, str))
    return False, frozenset()


# Per type, what check_integers needs: (the type itself, so its id is never reused; must a
# string be an integer; allowed literal strings; _shape's kind and info). Keyed by id: hashing
# typing objects for a cache lookup at every level costs more than the check itself.
_RULES: dict[int, tuple[Any, bool, frozenset[str], str, Any]] = {}


def _rule(tp: Any) -> tuple[Any, bool, frozenset[str], str, Any]:
    rule = _RULES.get(id(tp))
    if rule is None:
        rule = (tp, *_integer_rule(tp), *_shape(tp))
        _RULES[id(tp)] = rule
    return rule


def check_integers(tp: Any, value: Any, path: tuple[Any, ...] = ()) -> None:
    """Refuse an integer parameter whose text is not strictly an integer (before pydantic
    would turn "1000.0" into 1000). Walks the params sent, not the whole type."""
    _, strict, literals, kind, info = _rule(tp)
    if (strict and isinstance(value, str) and value not in literals
            and not _INTEGER.fullmatch(value)):
        raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer",
                          param=param_name(path))
    if kind == "union":
        if isinstance(value, (dict, list)):
            for option in info[2]:
                check_integers(option, value, path)
    elif kind == "object":
        if isinstance(value, dict):
            for key, item in value.items():
                hint = info.get(key)
                if hint is not None:
                    check_integers(hint, item, (*path, key))
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            check_integers(info, item, (*path, index))


@functools.cache
def _params_type(class_name: str) -> Any:
    return getattr(stripe.params, class_name)  # a lazy module attribute: slow on every access


def validate(class_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check `params` against `stripe.params.<class_name>`; return them typed, or raise."""
    for key in params:
        if key in REQUEST_OPTION_KEYS:
            raise StripeError(400, f"Received unknown parameter: {key}",
                              code="parameter_unknown", param=key)
    check_integers(_params_type(class_name), params)
    try:
        checked = _adapter(class_name).validate_python([params])[0]
    except ValidationError as exc:
        raise _as_stripe_error(exc) from None
    check_enums(_params_type(class_name), checked)
    limits.check(class_name, checked)  # Stripe's documented bounds (limits.py)
    return checked
