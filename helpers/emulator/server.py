"""The emulator over HTTP (tornado): Stripe's `/v1` API plus the Stripe.js stand-in.

stripe-python (with `api_base`), curl, or a web page written for Stripe.js (loading
`/js.stripe.com/v3/` from here instead of js.stripe.com) can all use it.

`stripe_only=True` (`serve --stripe-only`) makes it behave like Stripe test mode for anything
the kit adds: every `/v1/test_helpers/kit/...` route and `/health` answer Stripe's 404 for an
unknown URL, and each refusal is logged on stderr as `kit-only route refused: METHOD PATH`
(any other unknown URL: `unknown URL refused: ...`), so a test running the notebooks against
it can tell they never needed one. Kept: Stripe's API, the Stripe.js stand-in with the private
`/v1/elements/sessions` routes Stripe.js uses, and the 3-D Secure / test bank pages behind
`next_action.redirect_to_url.url` (Stripe serves such pages too, on hooks.stripe.com: a person
opens them in a browser; Python never needs to).
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web

from .core import Emulator
from .errors import MAX_BODY_BYTES, StripeError, request_too_large
from .forms import decode
from .framing import STREAMED_BODY_LIMIT, FramingCheck

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Expose-Headers": "Request-Id, Idempotent-Replayed",
}


KIT_ONLY_PREFIX = "/v1/test_helpers/kit"
REFUSED_LOG = "kit-only route refused:"
UNKNOWN_LOG = "unknown URL refused:"


def is_kit_only(path: str) -> bool:
    """A route the kit adds that Stripe does not have (its test helpers, its health probe)."""
    path = path.rstrip("/") or "/"
    return path == KIT_ONLY_PREFIX or path.startswith(KIT_ONLY_PREFIX + "/") or path == "/health"


def unrecognized_url(method: str, path: str) -> dict[str, Any]:
    """Stripe's answer to a URL it does not know (HTTP 404; the body carries no `code`)."""
    return {"error": {"type": "invalid_request_error",
                      "message": f"Unrecognized request URL ({method}: {path}). Please see"
                      " https://stripe.com/docs or we can help at https://support.stripe.com/."}}


def api_key_from(authorization: str) -> str | None:
    """Bearer auth (stripe-python) or Basic auth with the key as user name (curl -u sk_…:)."""
    if authorization.startswith("Bearer "):
        return authorization[7:].strip() or None
    if authorization.startswith("Basic "):
        try:
            return base64.b64decode(authorization[6:]).decode().split(":", 1)[0] or None
        except ValueError:
            return None
    return None


@tornado.web.stream_request_body
class ApiHandler(tornado.web.RequestHandler):
    """Stripe's API. The body is read as it streams in and kept only up to MAX_BODY_BYTES:
    a bigger one is read to its end (so the client gets the answer) and refused with 413."""

    def initialize(self, emulator: Emulator, stripe_only: bool = False) -> None:
        self.emulator = emulator
        self.stripe_only = stripe_only
        self._chunks: list[bytes] = []
        self._size = 0

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_BODY_BYTES:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    def send_error_body(self, error: StripeError) -> None:
        self.set_status(error.status)
        for name, value in error.headers.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json")
        self.set_header("Request-Id", "req_" + secrets.token_hex(7))
        self.finish(json.dumps(error.body(), indent=2))

    def set_default_headers(self) -> None:
        for name, value in CORS_HEADERS.items():
            self.set_header(name, value)

    def options(self, path: str = "") -> None:
        self.set_status(204)

    def refuse(self) -> None:
        """Answer as Stripe does for a URL it does not have, and log it for the live tier."""
        method, path = self.request.method or "GET", self.request.path
        label = REFUSED_LOG if is_kit_only(path) else UNKNOWN_LOG
        print(f"{label} {method} {path}", file=sys.stderr, flush=True)
        self.application.settings["refused"].append(f"{method} {path}")
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.set_header("Request-Id", "req_" + secrets.token_hex(7))
        self.finish(json.dumps(unrecognized_url(method, path), indent=2))

    async def _answer(self, path: str = "") -> None:
        if self.stripe_only and is_kit_only(self.request.path):
            self.refuse()
            return
        try:
            if self._size > MAX_BODY_BYTES:
                raise request_too_large(self._size)
            params: dict[str, Any] = decode(self.request.query)
            body = b"".join(self._chunks).decode(errors="replace")
            if body:
                params.update(decode(body))
        except StripeError as error:  # refused before the emulator could read it
            self.send_error_body(error)
            return
        headers = dict(self.request.headers)
        api_key = api_key_from(self.request.headers.get("Authorization", ""))
        response = await tornado.ioloop.IOLoop.current().run_in_executor(
            None, self.emulator.request, self.request.method, self.request.path, params,
            api_key, headers)
        self.set_status(response.status)
        for name, value in response.headers.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(response.body, indent=2))

    get = post = delete = _answer  # type: ignore[assignment]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """What Tornado itself refuses (a path that is not UTF-8 once unquoted…), or a bug."""
        self.set_header("Content-Type", "application/json")
        self.set_header("Request-Id", "req_" + secrets.token_hex(7))
        if status_code >= 500:
            error = StripeError(status_code, "An unexpected error occurred in the offline"
                                " emulator (this is a bug in the kit, not in your code).",
                                type="api_error")
        else:
            exc = kwargs.get("exc_info", (None, None))[1]
            detail = getattr(exc, "log_message", None) or self._reason
            error = StripeError(status_code, f"Invalid request: {detail}")
        self.finish(json.dumps(error.body(), indent=2))


class NotFoundHandler(ApiHandler):
    """Any URL no other handler takes (`/v1`, `//v1/customers`, `/nope`): Stripe's JSON 404,
    never Tornado's HTML page."""

    def not_found(self, *args: Any) -> None:
        method, path = self.request.method or "GET", self.request.path
        print(f"{UNKNOWN_LOG} {method} {path}", file=sys.stderr, flush=True)
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.set_header("Request-Id", "req_" + secrets.token_hex(7))
        self.finish(json.dumps(unrecognized_url(method, path), indent=2))

    get = post = delete = put = patch = head = not_found  # type: ignore[assignment]


class StripeJsHandler(tornado.web.RequestHandler):
    """Serves the offline Stripe.js stand-in where js.stripe.com would serve Stripe.js."""

    def get(self) -> None:
        path = ASSETS / "stripe-standin.js"
        self.set_header("Access-Control-Allow-Origin", "*")
        if not path.is_file():
            self.set_status(404)
            self.finish("// stripe-standin.js is missing from assets/")
            return
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(path.read_text())


class HealthHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.finish({"ok": True})


class RefuseHandler(ApiHandler):
    """Stripe-only mode: any URL Stripe does not have gets Stripe's 404."""

    get = post = delete = ApiHandler.refuse  # type: ignore[assignment]


class StripeApplication(tornado.web.Application):
    """The routes, behind `FramingCheck`: a body length Tornado would refuse with a bare 400
    gets a Stripe-shaped error instead (see framing.py)."""

    def start_request(self, server_conn: object, request_conn: Any) -> Any:
        return FramingCheck(super().start_request(server_conn, request_conn), request_conn,
                            CORS_HEADERS)


def make_app(emulator: Emulator, stripe_only: bool = False) -> tornado.web.Application:
    """The routes; with `stripe_only`, the kit's own routes answer as Stripe would (404)."""
    from .challenge_page import ChallengeHandler

    api = {"emulator": emulator, "stripe_only": stripe_only}
    handlers: list[Any] = [
        (r"/(v1/.*)", ApiHandler, api),
        (r"/js\.stripe\.com/v3/?", StripeJsHandler),
        (r"/kit/(3ds|redirect)/(pa_nonce_[A-Za-z0-9]+)", ChallengeHandler,
         {"emulator": emulator}),
    ]
    if stripe_only:
        handlers.append((r"/.*", RefuseHandler, api))
    else:
        handlers.append((r"/health", HealthHandler))
        handlers.append((r"/.*", NotFoundHandler, api))
    return StripeApplication(handlers, refused=[],
                                   default_handler_class=NotFoundHandler,
                                   default_handler_args=api)


def serve(host: str = "127.0.0.1", port: int = 12111, db: str | None = None,
          stripe_only: bool = False) -> None:
    """Run the emulator's HTTP server until interrupted."""
    emulator = Emulator(db, public_url=f"http://{host}:{port}")
    app = make_app(emulator, stripe_only)
    app.listen(port, address=host, max_body_size=STREAMED_BODY_LIMIT)

    def deliver() -> None:
        tornado.ioloop.IOLoop.current().run_in_executor(None, emulator.tick)

    tornado.ioloop.PeriodicCallback(deliver, 500).start()
    from .core import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY

    base = f"http://{host}:{port}"
    print(f"Offline Stripe emulator on {base}  (db: {emulator.store.path})\n"
          f"  API            {base}/v1  (stripe.api_base = \"{base}\")\n"
          f"  Stripe.js      {base}/js.stripe.com/v3/\n"
          f"  secret key     {DEFAULT_SECRET_KEY}\n"
          f"  publishable    {DEFAULT_PUBLISHABLE_KEY}\n"
          "  Any sk_test_<name> / pk_test_<name> pair is an account of its own.", flush=True)
    if stripe_only:
        print("  Stripe-only mode: the kit's own routes (/v1/test_helpers/kit/..., /health)"
              " answer 404 as Stripe would.", flush=True)
    tornado.ioloop.IOLoop.current().start()
