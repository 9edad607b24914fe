"""Stripe's form encoding: `a[b][0]=x` <-> nested dicts and lists.

stripe-python sends every request this way (query string for GET/DELETE, body for POST);
the emulator decodes it into the nested shape its handlers and validators work on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus, urlencode

from .errors import StripeError

_PART = re.compile(r"\[([^\]]*)\]")
# How deeply brackets may nest (`a[b][c]` is 3). Stripe's deepest parameters nest about 6
# levels (payment_method_options[card][mandate_options][...]); Stripe's own limit is not
# documented (UNCONFIRMED), so the emulator refuses anything past 32, with a 400, before
# decoding recursion could run out of stack.
MAX_DEPTH = 32


def _split(key: str) -> list[str]:
    head = key.split("[", 1)[0]
    return [head, *_PART.findall(key[len(head):])]


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isascii() and k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
        if list(node) == [""]:  # expand[]=a style arrays
            value = node[""]
            return value if isinstance(value, list) else [value]
    return node


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    """What parse_qsl(text, keep_blank_values=True) gives, without unquoting plain text."""
    for pair in text.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key, errors="replace")
        if "%" in value or "+" in value:
            value = unquote_plus(value, errors="replace")
        yield key, value


def decode(text: str) -> dict[str, Any]:
    """Decode a form/query string into nested params (`expand[]` and `a[0]` become lists)."""
    root: dict[str, Any] = {}
    nested = False
    for key, value in _pairs(text):
        if key and "[" not in key:  # most params (every request decodes its body)
            root[key] = value
            continue
        nested = True
        parts = _split(key)
        if len(parts) > MAX_DEPTH:
            raise StripeError(400, f"Invalid request: the parameter {parts[0]!r} is nested"
                              f" {len(parts)} levels deep; at most {MAX_DEPTH} are allowed.",
                              code="parameter_invalid", param=parts[0][:100])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            last = parts[-1]
            if last == "" and "" in node:
                existing = node[""]
                node[""] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                node[last] = value
    if not nested:
        return root
    # the top level is always an object of named params, even for a body like "0=x"
    return {key: _listify(value) for key, value in root.items()}


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}[{k}]" if prefix else str(k), v, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i}]", v, out)
    elif value is None:
        return
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, str(value)))


def encode(params: dict[str, Any]) -> str:
    """Encode nested params the way stripe-python does."""
    out: list[tuple[str, str]] = []
    _flatten("", params, out)
    return urlencode(out)
