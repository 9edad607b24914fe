"""HTTP framing the server can see before Tornado reads a body: answered in Stripe's shape.

Tornado refuses a request whose body length it cannot trust (a negative or non-numeric
`Content-Length`, unequal duplicates, a length over its `max_body_size`, a `Transfer-Encoding`
other than chunked, both headers at once) and a missing or invalid `Host` by writing a bare
`HTTP/1.1 400 Bad Request` with no body. It does so in `_read_body`, after it has handed the
headers to the application's message delegate (`HTTPMessageDelegate.headers_received`) and
only if the connection was not detached meanwhile. `FramingCheck` wraps the application's
delegate (through `Application.start_request`, Tornado's documented
`HTTPServerConnectionDelegate` hook), makes the same checks first, and on a failure answers a
Stripe-shaped JSON error itself on the detached stream, then closes it: after a body length
that cannot be trusted, nothing more on that connection can be read as a request.

What Stripe's own front end answers to such requests is UNCONFIRMED; the emulator answers the
error shape every other refusal has (400 `invalid_request_error`, or 413 `request_too_large`).

Not reachable from here (Tornado raises before any application code runs, and answers its bare
400): a malformed request line or header line, headers over `max_header_size`, and bad chunk
framing inside a chunked body (found while the body is read, after `headers_received`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable
from http import HTTPStatus
from typing import Any

from tornado import httputil, iostream

from .errors import StripeError, request_too_large

# The longest body the server streams in (and then refuses past MAX_BODY_BYTES with 413, having
# read it to its end): Tornado's own default `max_body_size`, passed to it explicitly.
STREAMED_BODY_LIMIT = 100 * 1024 * 1024
_DIGITS = re.compile(r"[0-9]+")


def framing_error(headers: httputil.HTTPHeaders, limit: int = STREAMED_BODY_LIMIT
                  ) -> StripeError | None:
    """What is wrong with the body framing these headers announce, as Stripe's error."""
    lengths = headers.get_list("Content-Length")
    if lengths and "Transfer-Encoding" in headers:
        return _malformed("a request cannot have both Content-Length and Transfer-Encoding")
    encoding = headers.get("Transfer-Encoding")
    if encoding is not None and encoding.lower() != "chunked":
        return _malformed(f"Transfer-Encoding {encoding!r} is not supported (only chunked)")
    if not lengths:
        return None
    pieces = {piece.strip() for value in lengths for piece in value.split(",")}
    if len(pieces) != 1:
        return _malformed(f"unequal Content-Length values: {', '.join(sorted(pieces))}")
    text = pieces.pop()
    if not _DIGITS.fullmatch(text):
        return _malformed(f"Content-Length must be a number of bytes, not {text!r}")
    if int(text) > limit:
        return request_too_large(int(text))
    return None


def _malformed(why: str, fix: str = "Send the body with a correct Content-Length"
               " (stripe-python and curl do)") -> StripeError:
    return StripeError(400, f"Malformed HTTP request: {why}. {fix}.")


class FramingCheck(httputil.HTTPMessageDelegate):
    """The application's message delegate, behind the framing checks above."""

    def __init__(self, inner: httputil.HTTPMessageDelegate,
                 connection: httputil.HTTPConnection, extra_headers: dict[str, str]) -> None:
        self.inner = inner
        self.connection = connection
        self.extra_headers = extra_headers

    def headers_received(self, start_line: Any, headers: httputil.HTTPHeaders
                         ) -> Awaitable[None] | None:
        error = framing_error(headers)
        if error is None:
            try:
                return self.inner.headers_received(start_line, headers)
            except httputil.HTTPInputError as exc:  # a missing or invalid Host header
                error = _malformed(str(exc).rstrip("."), "Send one valid Host header")
        return self._refuse(error)

    async def _refuse(self, error: StripeError) -> None:
        detach = getattr(self.connection, "detach", None)
        if detach is None:  # not HTTP/1 (never here): let Tornado answer
            raise httputil.HTTPInputError(error.error["message"])
        stream = detach()  # Tornado stops reading this connection: nothing else is answered
        body = json.dumps(error.body(), indent=2).encode()
        lines = [f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}",
                 "Content-Type: application/json", f"Content-Length: {len(body)}",
                 "Connection: close", f"Request-Id: req_{secrets.token_hex(7)}",
                 *(f"{name}: {value}" for name, value in self.extra_headers.items())]
        try:
            await stream.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        except iostream.StreamClosedError:
            pass  # the client went away: nobody to answer
        finally:
            stream.close()

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        self.inner.finish()

    def on_connection_close(self) -> None:
        self.inner.on_connection_close()
