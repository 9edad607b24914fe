"""Stripe's documented limits on request parameters, checked after the type check (validation.py).

stripe-python's parameter types say what a parameter is (an integer, a string, an enum) but not
its bounds: those are in Stripe's docs and OpenAPI spec. Each limit below names its source; a
value or message marked UNCONFIRMED could not be checked against Stripe's own pages offline.
Everything here runs on every request, so the checks are a few dictionary look-ups unless a
request carries the parameter in question.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import StripeError

# Presentment currencies, lowercase ISO codes: https://docs.stripe.com/currencies
# ("Supported presentment currencies"; card payments). Transcribed; the exact list on the live
# page changes from time to time (UNCONFIRMED for any single code below).
CURRENCIES = frozenset("""
usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn
bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf
gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr
lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen
pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd
top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xcg xof xpf yer zar zmw
""".split())
# Zero-decimal currencies: https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
# "The amount value supports up to eight digits (e.g., a value of 99999999 for a USD charge of
# $999,999.99)": https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
MAXIMUM_AMOUNT = 99_999_999
# Minimum charge amounts, in the currency's minor unit:
# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts (transcribed; currencies
# not listed there must come to at least 0.50 USD after conversion, which the emulator, having
# no exchange rates, does not check).
MINIMUM_AMOUNT = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
    "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50,
    "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300,
    "sgd": 50, "thb": 1000,
}
# Metadata: "up to 50 keys, with key names up to 40 characters long and values up to 500
# characters long": https://docs.stripe.com/api/metadata
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 50, 40, 500
# Statement descriptors: 5-22 characters, at least one letter, none of < > \ ' " *
# https://docs.stripe.com/get-started/account/statement-descriptors#requirements
# (the suffix: up to 22 characters with the prefix; checked here on its own).
DESCRIPTOR_LENGTH = 22
DESCRIPTOR_FORBIDDEN = re.compile(r"[<>\\'\"*]")
# Pagination: "limit ... can range between 1 and 100, and the default is 10":
# https://docs.stripe.com/api/pagination
LIST_LIMIT = (1, 100)
# String lengths from Stripe's OpenAPI spec (stripe/openapi, spec3: `maxLength`): most string
# parameters allow 5000 characters; a PaymentIntent's description 1000; an email 512.
STRING_LENGTH = 5000
LENGTHS = {"description": 1000, "email": 512, "receipt_email": 512}  # UNCONFIRMED per route
LENGTH_ROUTES = ("PaymentIntent",)  # where `description` is capped at 1000 (spec3, UNCONFIRMED)
# What Stripe accepts as an email address is not published; this refuses what is clearly not
# one (no @, spaces, no dot in the domain). Stripe answers `email_invalid` (error codes page:
# https://docs.stripe.com/error-codes#email-invalid).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EMAIL_PARAMS = ("email", "receipt_email")
POSITIVE_AMOUNTS = ("amount", "amount_to_capture", "amount_to_confirm")
# "Expansions have a maximum depth of four levels": https://docs.stripe.com/expand
EXPAND_DEPTH = 4


def money(amount: int, currency: str) -> str:
    """An amount as Stripe's messages show it ("$0.50", "¥50", "2.00 aed")."""
    symbol = {"usd": "$", "eur": "€", "gbp": "£", "cad": "$", "aud": "$", "jpy": "¥"}.get(currency)
    value = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def check_currency(value: Any, param: str = "currency") -> None:
    if value == "":
        raise empty_value(param)
    if not isinstance(value, str) or value.lower() not in CURRENCIES:
        shown = str(value)[:20]
        # Stripe's wording: "Invalid currency: xyz. Stripe currently supports these
        # currencies: ..." (https://docs.stripe.com/currencies; error code UNCONFIRMED)
        raise StripeError(400, f"Invalid currency: {shown}. Stripe currently supports these"
                          f" currencies: {', '.join(sorted(CURRENCIES))}",
                          code="parameter_invalid", param=param)


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Stripe's per-currency minimum and the eight-digit maximum (see MINIMUM_AMOUNT)."""
    minimum = MINIMUM_AMOUNT.get(currency, 1)
    if amount < minimum:
        raise StripeError(400, f"Amount must be at least {money(minimum, currency)} {currency}",
                          code="amount_too_small", param=param)
    if amount > MAXIMUM_AMOUNT:
        raise StripeError(400, f"Amount must be no more than {money(MAXIMUM_AMOUNT, currency)}",
                          code="amount_too_large", param=param)


def empty_value(param: str) -> StripeError:
    """Stripe's answer to `param=` for a parameter that cannot be unset."""
    return StripeError(
        400, f"You passed an empty string for '{param}'. We assume empty values are an attempt"
        f" to unset a parameter; however '{param}' cannot be unset. You should remove"
        f" '{param}' from your request or supply a non-empty value.",
        code="parameter_invalid_empty", param=param)


def _too_long(param: str, value: str, limit: int) -> StripeError:
    # Wording UNCONFIRMED; the limit is the spec's maxLength.
    return StripeError(400, f"Invalid string: {value[:20]}{'...' if len(value) > 20 else ''};"
                       f" must be at most {limit} characters", code="parameter_invalid",
                       param=param)


def _check_metadata(metadata: Any, param: str = "metadata") -> None:
    if not isinstance(metadata, dict):
        return
    if len(metadata) > METADATA_KEYS:  # messages UNCONFIRMED word for word
        raise StripeError(400, f"Invalid {param}: metadata can have at most {METADATA_KEYS}"
                          f" keys; you passed {len(metadata)}.", code="parameter_invalid",
                          param=param)
    for key, value in metadata.items():
        if len(str(key)) > METADATA_KEY_LENGTH:
            raise StripeError(400, f"Metadata keys can have up to {METADATA_KEY_LENGTH}"
                              f" characters, but you passed in a key that is {len(str(key))}"
                              f" characters: {str(key)[:50]}", code="parameter_invalid",
                              param=f"{param}[{str(key)[:50]}]")
        if isinstance(value, str) and len(value) > METADATA_VALUE_LENGTH:
            raise StripeError(400, f"Metadata values can have up to {METADATA_VALUE_LENGTH}"
                              f" characters, but you passed in a value that is {len(value)}"
                              f" characters. Invalid value: {value[:50]}...",
                              code="parameter_invalid", param=f"{param}[{key}]")


def _check_descriptor(param: str, value: Any) -> None:
    if not isinstance(value, str) or value == "":
        return
    if len(value) > DESCRIPTOR_LENGTH:  # wording UNCONFIRMED
        raise StripeError(400, f"The {param} must be at most {DESCRIPTOR_LENGTH} characters"
                          f" long (you passed {len(value)}).", code="parameter_invalid",
                          param=param)
    if DESCRIPTOR_FORBIDDEN.search(value):
        raise StripeError(400, f"The {param} cannot contain any of these characters:"
                          " < > \\ ' \" *", code="parameter_invalid", param=param)


def _check_strings(value: Any, path: str, lengths: dict[str, int]) -> None:
    """Every string parameter, nested ones too, within its maximum length."""
    if isinstance(value, str):
        if len(value) > STRING_LENGTH:
            raise _too_long(path, value, STRING_LENGTH)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}[{key}]" if path else str(key)
            if isinstance(item, str):
                limit = lengths.get(key, STRING_LENGTH) if not path else STRING_LENGTH
                if len(item) > limit:
                    raise _too_long(name, item, limit)
            elif isinstance(item, (dict, list)):
                _check_strings(item, name, lengths)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{path}[{index}]", lengths)


def check(class_name: str, params: dict[str, Any]) -> None:
    """Refuse what Stripe's documented limits refuse, with Stripe's error shape."""
    if not params:
        return
    get = params.get
    lengths = LENGTHS if class_name.startswith(LENGTH_ROUTES) else {}
    _check_strings(params, "", lengths)
    if "currency" in params:
        check_currency(get("currency"))
    for name in POSITIVE_AMOUNTS:
        amount = get(name)
        if isinstance(amount, int) and not isinstance(amount, bool) and amount < 1:
            # Stripe's wording for an integer below a parameter's minimum
            raise StripeError(400, "This value must be greater than or equal to 1.",
                              code="parameter_invalid_integer", param=name)
    if "limit" in params:
        limit = get("limit")
        if isinstance(limit, int) and not LIST_LIMIT[0] <= limit <= LIST_LIMIT[1]:
            bound = "greater than or equal to 1" if limit < LIST_LIMIT[0] \
                else f"less than or equal to {LIST_LIMIT[1]}"
            raise StripeError(400, f"This value must be {bound}.",
                              code="parameter_invalid_integer", param="limit")
    if "metadata" in params:
        _check_metadata(get("metadata"))
    for path in get("expand") or ():
        if isinstance(path, str) and path.count(".") >= EXPAND_DEPTH:
            raise StripeError(400, f"You cannot expand more than {EXPAND_DEPTH} levels of a"
                              f" property. Property: {path[:200]}", code="parameter_invalid",
                              param="expand")
    for name in ("statement_descriptor", "statement_descriptor_suffix"):
        if name in params:
            _check_descriptor(name, get(name))
    for name in EMAIL_PARAMS:
        email = get(name)
        if isinstance(email, str) and email and not EMAIL.match(email):
            raise StripeError(400, f"Invalid email address: {email[:100]}",
                              code="email_invalid", param=name)
