"""The emulator over HTTP (tornado): Stripe's `/v1` API plus the Stripe.js stand-in.

stripe-python (with `api_base`), curl, or a web page written for Stripe.js (loading
`/js.stripe.com/v3/` from here instead of js.stripe.com) can all use it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web

from .core import Emulator
from .forms import decode

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Expose-Headers": "Request-Id, Idempotent-Replayed",
}


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


class ApiHandler(tornado.web.RequestHandler):
    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def set_default_headers(self) -> None:
        for name, value in CORS_HEADERS.items():
            self.set_header(name, value)

    def options(self, path: str) -> None:
        self.set_status(204)

    async def _answer(self, path: str) -> None:
        params: dict[str, Any] = decode(self.request.query)
        body = self.request.body.decode(errors="replace")
        if body:
            params.update(decode(body))
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
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"type": "api_error",
                                          "message": f"HTTP {status_code}: {self._reason}"}}))


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


def make_app(emulator: Emulator) -> tornado.web.Application:
    from .challenge_page import ChallengeHandler

    return tornado.web.Application([
        (r"/(v1/.*)", ApiHandler, {"emulator": emulator}),
        (r"/js\.stripe\.com/v3/?", StripeJsHandler),
        (r"/kit/(3ds|redirect)/(pa_nonce_[A-Za-z0-9]+)", ChallengeHandler,
         {"emulator": emulator}),
        (r"/health", HealthHandler),
    ])


def serve(host: str = "127.0.0.1", port: int = 12111, db: str | None = None) -> None:
    """Run the emulator's HTTP server until interrupted."""
    emulator = Emulator(db, public_url=f"http://{host}:{port}")
    app = make_app(emulator)
    app.listen(port, address=host)

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
    tornado.ioloop.IOLoop.current().start()
