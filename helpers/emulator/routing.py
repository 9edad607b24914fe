"""The route table: which handler answers which method and path, validated by which params type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    params_type: str | None  # name in stripe.params, or None for kit/private endpoints
    publishable: bool  # may a publishable key call it?


ROUTES: list[Route] = []
# Routes by (method, number of path segments, resource segment): the few that can match.
_BUCKETS: dict[tuple[str, int, str], list[Route]] = {}


def _bucket_key(method: str, path: str) -> tuple[str, int, str]:
    parts = path.split("/")  # "/v1/payment_intents/pi_1/confirm" -> "", "v1", ...
    return method, len(parts), parts[2] if len(parts) > 2 else ""


def route(
    method: str, path: str, params_type: str | None, *, publishable: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler for `method path` (`{name}` segments become keyword arguments)."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)

    def register(handler: Handler) -> Handler:
        added = Route(method, re.compile(f"^{regex}$"), handler, params_type, publishable)
        ROUTES.append(added)
        key = _bucket_key(method, path)
        if "{" in key[2]:  # a parameter where the resource name usually is: no bucket
            raise ValueError(f"route {path}: its third segment must be literal")
        _BUCKETS.setdefault(key, []).append(added)
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in _BUCKETS.get(_bucket_key(method, path), ()):
        found = candidate.pattern.match(path)
        if found:
            return candidate, found.groupdict()
    return None


def path_exists(path: str) -> bool:
    return any(r.pattern.match(path) for r in ROUTES)
