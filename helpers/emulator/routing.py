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


def route(
    method: str, path: str, params_type: str | None, *, publishable: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler for `method path` (`{name}` segments become keyword arguments)."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, re.compile(f"^{regex}$"), handler, params_type, publishable))
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method == method:
            found = candidate.pattern.match(path)
            if found:
                return candidate, found.groupdict()
    return None


def path_exists(path: str) -> bool:
    return any(r.pattern.match(path) for r in ROUTES)
