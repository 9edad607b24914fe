"""What the learner's code asked Stripe, seen the way Stripe sees it: method, path, key, params.

`with watch_stripe() as seen: …` notes every request that reached Stripe during the block, sent
by whatever client object the learner used: `stripe.X`, a `StripeClient` built long before the
check (once per module, as helpers/shop does), or raw HTTP. So a checker can say "your route
sent amount=1, the browser's number" or "the return page used the secret key", which the
resulting objects alone cannot tell. Keys are never kept, only whether a key was secret or
publishable. Where it is seen depends on the backend:

- emulator: where the emulator receives it (`helpers.emulator.observers`), for the backend's
  account only. Every request is seen, from any client, thread or socket of this process.
- Stripe test mode (no emulator here to record at): in stripe-python itself, through its public
  `stripe` logger, which every `stripe.X` call and every `StripeClient` logs to, whenever and
  however it was built (stripe-python 16.1 logs each request's method, URL, parameters, status
  and body, never its headers). The key kind is known for requests sent through
  `stripe.default_http_client` (wrapped for the block, so also any `StripeClient` built on it
  inside the block), and through a `StripeClient` built earlier on the kit's client
  (`http_client=stripe.default_http_client`: `TestModeOnlyHTTPClient` lets the block see what
  it sends); a `StripeClient` built earlier with its own HTTP client is seen with key kind
  "unknown". Not seen at all: raw HTTP to api.stripe.com (requests, urllib), which bypasses
  stripe-python.
"""

from __future__ import annotations

import ast
import json
import logging
import threading
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
    key_kind: str  # "secret", "publishable", "restricted", "none" or "unknown" (test mode)
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


@contextmanager
def watch_stripe() -> Iterator[StripeTraffic]:
    """Note every request that reaches Stripe inside the block (see the module's docstring)."""
    from ..backend import current

    backend = current()  # configures stripe.default_http_client on first use
    traffic = StripeTraffic()
    if backend.mode == "emulator":
        with _at_the_emulator(backend.secret_key, traffic):
            yield traffic
    else:
        with _in_stripe_python(traffic):
            yield traffic


# ------------------------------------------------------------------ emulator: where it arrives


@contextmanager
def _at_the_emulator(secret_key: str, traffic: StripeTraffic) -> Iterator[None]:
    from ..emulator.core import account_for_key
    from ..emulator.observers import AnsweredCall, watch_calls

    account = account_for_key(secret_key)[0]

    def note(call: AnsweredCall) -> None:
        if call.account == account:  # another account's traffic is someone else's
            traffic.requests.append(SeenRequest(call.method, call.path, call.key_kind,
                                                dict(call.params), call.status, call.body))

    with watch_calls(note):
        yield


# ------------------------------------------------------------------ test mode: stripe-python


class _Recorder(logging.Filter):
    """Reads stripe-python's log lines for one request (in order, on the sending thread:
    request, parameters, response, body) into a `SeenRequest`. As a filter on the `stripe`
    logger it passes on only the records the logger's own level would have let through."""

    def __init__(self, traffic: StripeTraffic, passing_level: int) -> None:
        super().__init__()
        self.traffic = traffic
        self.passing_level = passing_level
        self.pending: dict[int, dict[str, Any]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._read(_logfmt(record.getMessage()))
        except (ValueError, SyntaxError, IndexError):
            pass  # a line this reader does not know: not a request
        return record.levelno >= self.passing_level

    def note_key_kind(self, kind: str) -> None:
        request = self.pending.get(threading.get_ident())
        if request is not None:
            request["key_kind"] = kind

    def _read(self, fields: dict[str, str]) -> None:
        thread, message = threading.get_ident(), fields.get("message")
        if message == "Request to Stripe api":
            self.pending[thread] = {"method": fields.get("method", ""),
                                    "url": fields.get("url", ""), "key_kind": "unknown"}
        elif thread not in self.pending:
            return
        elif message == "Post details":
            self.pending[thread]["post_data"] = fields.get("post_data", "")
        elif message == "Stripe API response":
            self.pending[thread]["status"] = int(fields.get("response_code", "0"))
        elif message == "API response body":
            request = self.pending.pop(thread)
            self.traffic.requests.append(SeenRequest(
                request["method"].upper(), urlsplit(request["url"]).path, request["key_kind"],
                _params(request["url"], request.get("post_data")), request.get("status", 0),
                _body(fields.get("body", ""))))


def _logfmt(text: str) -> dict[str, str]:
    """stripe-python's `key=value` log lines: a value with whitespace is a Python repr."""
    fields: dict[str, str] = {}
    at = 0
    while at < len(text):
        equals = text.index("=", at)
        key, start = text[at:equals], equals + 1
        if start < len(text) and text[start] in "'\"":
            end = start + 1
            while text[end] != text[start]:
                end += 2 if text[end] == "\\" else 1
            fields[key] = str(ast.literal_eval(text[start:end + 1]))
            at = end + 2
        else:
            end = text.find(" ", start)
            end = len(text) if end < 0 else end
            fields[key] = text[start:end]
            at = end + 1
    return fields


class _KeyKindNoting(stripe.HTTPClient):
    """Passes every request to the client it wraps, telling the recorder the key's kind."""

    name = "kit-exercise-watch"

    def __init__(self, inner: stripe.HTTPClient, recorder: _Recorder) -> None:
        super().__init__()
        self.inner = inner
        self.recorder = recorder

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                *, _usage: Any = None) -> Any:
        self.recorder.note_key_kind(_key_kind(headers))
        return self.inner.request(method, url, headers, post_data)

    def request_stream(self, method: str, url: str, headers: Any, post_data: Any = None,
                       *, _usage: Any = None) -> Any:
        self.recorder.note_key_kind(_key_kind(headers))
        return self.inner.request_stream(method, url, headers, post_data)

    def close(self) -> None:  # the wrapped client outlives the watch
        pass


@contextmanager
def _in_stripe_python(traffic: StripeTraffic) -> Iterator[None]:
    from ..backend import TestModeOnlyHTTPClient

    logger = logging.getLogger("stripe")
    level = logger.level
    recorder = _Recorder(traffic, logger.getEffectiveLevel())
    kit_client = stripe.default_http_client or stripe.new_default_http_client()
    logger.addFilter(recorder)
    logger.setLevel(logging.DEBUG)  # the parameters and bodies are logged at debug level
    # The kit's test-mode client is shared by every StripeClient built on it, earlier ones too:
    # its inner client is wrapped, so they all say which key they send.
    if isinstance(kit_client, TestModeOnlyHTTPClient):
        inner = kit_client.inner
        kit_client.inner = _KeyKindNoting(inner, recorder)
    else:
        stripe.default_http_client = _KeyKindNoting(kit_client, recorder)
    try:
        yield
    finally:
        if isinstance(kit_client, TestModeOnlyHTTPClient):
            kit_client.inner = inner
        else:
            stripe.default_http_client = kit_client
        logger.setLevel(level)
        logger.removeFilter(recorder)
