"""What the learner's code asked Stripe, seen the way Stripe sees it: method, path, key, params.

A checker wraps `stripe.default_http_client` for the length of one call of the learner's code
(`with watch_stripe() as seen: …`). Every request the `stripe` library makes then goes through
unchanged, to the emulator or to Stripe test mode alike, and is noted: which key kind sent it,
its form parameters, and the answer. So a checker can say "your route sent amount=1, the
browser's number" or "the return page used the secret key", which the resulting objects alone
cannot tell. Keys are never kept, only whether a key was secret or publishable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe


@dataclass(frozen=True)
class SeenRequest:
    """One request to Stripe: `params` are the flat form fields (`components[x][y]` keys)."""

    method: str
    path: str
    key_kind: str  # "secret", "publishable", "restricted" or "none"
    params: Mapping[str, str]
    status: int
    body: Mapping[str, Any]

    def is_(self, method: str, path: str) -> bool:
        return self.method == method and self.path == path


@dataclass
class StripeTraffic:
    requests: list[SeenRequest] = field(default_factory=list)

    def matching(self, method: str, path_prefix: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def creates(self, path: str) -> list[SeenRequest]:
        """The POSTs to exactly `path` (a create, e.g. /v1/payment_intents)."""
        return [r for r in self.requests if r.is_("POST", path)]


def _key_kind(headers: Mapping[str, str] | None) -> str:
    auth = str((headers or {}).get("Authorization", ""))
    key = auth.removeprefix("Bearer ").strip()
    for prefix, kind in (("sk_", "secret"), ("pk_", "publishable"), ("rk_", "restricted")):
        if key.startswith(prefix):
            return kind
    return "none"


def _params(url: str, post_data: Any) -> dict[str, str]:
    query = urlsplit(url).query
    body = post_data.decode(errors="replace") if isinstance(post_data, bytes) else post_data
    pairs = parse_qsl(query, keep_blank_values=True)
    if body:
        pairs += parse_qsl(str(body), keep_blank_values=True)
    return dict(pairs)


def _body(content: Any) -> dict[str, Any]:
    try:
        text = content.decode() if isinstance(content, bytes) else str(content)
        parsed = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


class _WatchingHTTPClient(stripe.HTTPClient):
    """Passes every request to the client it wraps, and notes it."""

    name = "kit-exercise-watch"

    def __init__(self, inner: stripe.HTTPClient, traffic: StripeTraffic) -> None:
        super().__init__()
        self.inner = inner
        self.traffic = traffic

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                *, _usage: Any = None) -> Any:
        content, status, response_headers = self.inner.request(method, url, headers, post_data)
        self.traffic.requests.append(SeenRequest(
            method.upper(), urlsplit(url).path, _key_kind(headers), _params(url, post_data),
            status, _body(content)))
        return content, status, response_headers

    def request_stream(self, method: str, url: str, headers: Any, post_data: Any = None,
                       *, _usage: Any = None) -> Any:
        return self.inner.request_stream(method, url, headers, post_data)

    def close(self) -> None:  # the wrapped client outlives the watch
        pass


@contextmanager
def watch_stripe() -> Iterator[StripeTraffic]:
    """Note every request the `stripe` library makes inside the block (and restore after)."""
    from ..backend import current

    current()  # configures stripe.default_http_client on first use
    inner = stripe.default_http_client or stripe.new_default_http_client()
    traffic = StripeTraffic()
    stripe.default_http_client = _WatchingHTTPClient(inner, traffic)
    try:
        yield traffic
    finally:
        stripe.default_http_client = inner
