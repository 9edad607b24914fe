"""Stripe's search query language, for `GET /v1/payment_intents/search`.

Source: docs.stripe.com/search ("Search query language", "Query fields for payment intents"):
- a clause is `field:value` (exact match, case insensitive), `field~value` (substring, at
  least 3 characters, string fields only), or `field>value` / `<` / `>=` / `<=` (numeric
  fields only); `-` before a clause negates it; `field:null` matches an absent value, and
  `-metadata["key"]:null` matches records that have the key;
- clauses combine with spaces or `AND`, or with `OR` (case insensitive); AND and OR cannot
  be mixed in one query;
- string values need quotes (`"…"` or `'…'`, `\\"` escapes a quote); numbers need none;
- PaymentIntent fields: amount (numeric), created (numeric), currency, customer, metadata,
  status (all token: exact match only).
"Using an unsupported operator, such as specifying greater than (>) on a string, returns an
error": the emulator answers 400 `parameter_invalid` with param `query` and says what is
wrong (Stripe's exact messages are UNCONFIRMED).

Unlike Stripe, whose index lags "under 1 minute" behind writes, the emulator's search sees
every write at once.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import StripeError

NUMERIC = "numeric"
TOKEN = "token"
STRING = "string"
PAYMENT_INTENT_FIELDS = {"amount": NUMERIC, "created": NUMERIC, "currency": TOKEN,
                         "customer": TOKEN, "metadata": TOKEN, "status": TOKEN}

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<open>\()|(?P<close>\))
     |(?P<clause>
        (?P<neg>-)?
        (?P<field>[A-Za-z_][A-Za-z0-9_.]*)
        (?:\[\s*(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\])?
        \s*(?P<op>>=|<=|:|~|>|<|=)\s*
        (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()"']+)
      )
     |(?P<word>[A-Za-z]+)
    )""", re.VERBOSE)


def bad_query(message: str) -> StripeError:
    return StripeError(400, f"Invalid search query: {message}", code="parameter_invalid",
                       param="query")


@dataclass(frozen=True)
class Clause:
    field: str
    key: str | None
    op: str
    value: str | None  # None: `null`
    quoted: bool
    negated: bool


def _unquote(text: str) -> tuple[str, bool]:
    if text[:1] in "\"'" and text[-1:] == text[:1] and len(text) >= 2:
        return re.sub(r"\\(.)", r"\1", text[1:-1]), True
    return text, False


def parse(query: str, fields: dict[str, str]) -> tuple[str, list[Clause]]:
    """A query -> ("and" | "or", clauses). Raises Stripe-shaped 400s for what it refuses."""
    if not isinstance(query, str) or not query.strip():
        raise bad_query("the query is empty.")
    clauses: list[Clause] = []
    joins: set[str] = set()
    expect_clause = True
    position = 0
    text = query.rstrip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise bad_query(f"could not parse the query near {text[position:position + 20]!r}.")
        position = found.end()
        if found.group("open") or found.group("close"):
            raise bad_query("parentheses are not supported.")
        word = found.group("word")
        if word is not None:
            if word.upper() not in ("AND", "OR") or expect_clause:
                raise bad_query(f"unexpected {word!r}: a clause is field, operator, value"
                                " (for example status:'succeeded').")
            joins.add(word.lower())
            expect_clause = True
            continue
        if not expect_clause:
            joins.add("and")  # clauses separated by a space are combined with AND
        clauses.append(_clause(found, fields))
        expect_clause = False
    if expect_clause:
        raise bad_query("the query ends where a clause was expected.")
    if len(joins) > 1:
        raise bad_query("AND and OR cannot be combined in one query.")
    return (joins.pop() if joins else "and"), clauses


def _clause(found: re.Match[str], fields: dict[str, str]) -> Clause:
    field, op = found.group("field"), found.group("op")
    if field not in fields:
        raise bad_query(f"{field!r} is not a field you can search on; the fields are"
                        f" {', '.join(sorted(fields))}.")
    raw_key = found.group("key")
    if (field == "metadata") != (raw_key is not None):
        raise bad_query('metadata needs a key: metadata["key"]:"value".' if field == "metadata"
                        else f"{field} takes no [key].")
    key = _unquote(raw_key)[0] if raw_key is not None else None
    value, quoted = _unquote(found.group("value"))
    kind = fields[field]
    if op == "=":
        raise bad_query("use ':' for an exact match (for example amount:1000).")
    if op in (">", "<", ">=", "<=") and kind != NUMERIC:
        raise bad_query(f"the operator {op} needs a numeric field; {field} is a {kind} field.")
    if op == "~":
        if kind != STRING:
            raise bad_query(f"the substring operator ~ needs a string field; {field} is a"
                            f" {kind} field.")
        if len(value) < 3:
            raise bad_query("substrings must be at least 3 characters.")
    null = not quoted and value.lower() == "null"
    if null and op != ":":
        raise bad_query("null can only be used with ':'.")
    if kind == NUMERIC and not null and not re.fullmatch(r"-?\d+", value):
        raise bad_query(f"{field} is numeric: {value!r} is not a number.")
    if kind != NUMERIC and not null and not quoted:
        raise bad_query(f"string values need quotes, for example {field}:\"{value}\".")
    return Clause(field, key, op, None if null else value, quoted, bool(found.group("neg")))


def _value_of(obj: dict[str, Any], clause: Clause) -> Any:
    if clause.field == "metadata":
        return (obj.get("metadata") or {}).get(clause.key or "")
    return obj.get(clause.field)


def _matches(obj: dict[str, Any], clause: Clause) -> bool:
    actual = _value_of(obj, clause)
    if clause.value is None:
        hit = actual in (None, "")
    elif actual is None:
        hit = False
    elif clause.op == ":":
        if isinstance(actual, int) and not isinstance(actual, bool):
            hit = actual == int(clause.value)
        else:
            hit = str(actual).lower() == clause.value.lower()
    elif clause.op == "~":
        hit = clause.value.lower() in str(actual).lower()
    else:
        number = int(clause.value)
        compare: dict[str, Callable[[int, int], bool]] = {
            ">": int.__gt__, "<": int.__lt__, ">=": int.__ge__, "<=": int.__le__}
        hit = isinstance(actual, int) and compare[clause.op](actual, number)
    return hit != clause.negated


def matcher(query: str, fields: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    join, clauses = parse(query, fields)
    if join == "or":
        return lambda obj: any(_matches(obj, c) for c in clauses)
    return lambda obj: all(_matches(obj, c) for c in clauses)


def _page_token(offset: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"kit:{offset}".encode()).decode().rstrip("=")


def _offset(page: Any) -> int:
    if page in (None, ""):
        return 0
    try:
        text = str(page).removeprefix("page_")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        kind, _, number = raw.decode().partition(":")
        if kind == "kit" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise StripeError(400, f"Invalid page: {str(page)[:40]!r} is not a next_page value this"
                      " search returned.", code="parameter_invalid", param="page")


def search_result(items: list[dict[str, Any]], params: dict[str, Any], url: str,
                  fields: dict[str, str]) -> dict[str, Any]:
    """Stripe's search_result object: `data`, `has_more`, `next_page`, `url` (and
    `total_count` when `expand[]=total_count` asks for it)."""
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise StripeError(400, "Invalid limit: must be between 1 and 100",
                          code="parameter_invalid_integer", param="limit")
    wanted = matcher(params["query"], fields)
    found = [obj for obj in items if wanted(obj)]
    start = _offset(params.get("page"))
    page = found[start:start + limit]
    has_more = start + limit < len(found)
    result: dict[str, Any] = {"object": "search_result", "data": page, "has_more": has_more,
                              "next_page": _page_token(start + limit) if has_more else None,
                              "url": url}
    if "total_count" in (params.get("expand") or []):
        result["total_count"] = len(found)
    return result
