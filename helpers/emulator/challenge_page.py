"""Test-mode action pages, like Stripe's: the 3-D Secure challenge and the test bank redirect.

`next_action.redirect_to_url.url` points here. The customer chooses the outcome; the page then
sends them to the merchant's `return_url` with `payment_intent`, `payment_intent_client_secret`
(`setup_intent`, `setup_intent_client_secret` for a SetupIntent)
and `redirect_status` added (the merchant's own query parameters are kept).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tornado.web

from .context import Context
from .errors import StripeError

if TYPE_CHECKING:
    from .core import Emulator

TEXT = {
    "3ds": ("3D Secure 2 test page", "Choose what the cardholder's bank answers.",
            "Complete", "Fail"),
    "redirect": ("Test bank payment page", "This is where your customer would log in to their"
                 " bank. Choose how the payment ends.", "Authorize test payment",
                 "Fail test payment"),
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
 body {{ font-family: system-ui, sans-serif; background: #f6f9fc; display: grid;
        place-items: center; min-height: 100vh; margin: 0; color: #30313d; }}
 main {{ background: #fff; padding: 2rem; border-radius: 8px; max-width: 28rem;
        box-shadow: 0 2px 12px rgba(0,0,0,.1); }}
 .badge {{ font-size: .75rem; background: #fde68a; border-radius: 4px; padding: 2px 6px; }}
 button {{ font: inherit; padding: .6rem 1.2rem; border-radius: 6px; border: 0;
          margin: .5rem .5rem 0 0; cursor: pointer; }}
 .complete {{ background: #0570de; color: #fff; }} .fail {{ background: #e5e7eb; }}
</style></head>
<body><main>
<span class="badge">TEST MODE · offline emulator</span>
<h1>{title}</h1>
<p>{subject} {explain}</p>
<form method="post">
 <button class="complete" name="outcome" value="complete">{yes}</button>
 <button class="fail" name="outcome" value="fail">{no}</button>
</form></main></body></html>"""
DONE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Done</title></head>
<body style="font-family: system-ui, sans-serif"><p>Authentication {status}. You can close this
window and return to the payment page.</p></body></html>"""


def with_query(url: str, extra: dict[str, str]) -> str:
    """Add parameters to a URL, keeping the merchant's own."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect_status(status: str) -> str:
    # Observed values: succeeded, failed; "pending" for processing is UNCONFIRMED (reference §6).
    return {"succeeded": "succeeded", "processing": "pending",
            "requires_capture": "succeeded"}.get(status, "failed")


class ChallengeHandler(tornado.web.RequestHandler):
    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def _target(self, nonce: str) -> tuple[str, dict[str, Any]] | None:
        row = self.emulator.store.execute(
            "SELECT account, data FROM objects WHERE id=? AND type='kit_redirect'", (nonce,)
        ).fetchone()
        if row is None:
            return None
        return row["account"], json.loads(row["data"])

    def get(self, page: str, nonce: str) -> None:
        found = self._target(nonce)
        if found is None:
            raise tornado.web.HTTPError(404)
        account, target = found
        title, explain, yes, no = TEXT[page]
        if "setup_intent" in target:  # a SetupIntent: saving a method, no money moves
            subject = (f"Saving a payment method for later with"
                       f" <code>{html.escape(target['setup_intent'])}</code> (no payment now).")
        else:
            pi = self.emulator.store.get(account, target["payment_intent"],
                                         "payment_intent") or {}
            amount = f"{pi.get('amount', 0) / 100:.2f} {str(pi.get('currency', '')).upper()}"
            subject = f"{amount} to pay for <code>{html.escape(target['payment_intent'])}</code>."
        self.finish(PAGE.format(title=title, explain=explain, yes=yes, no=no, subject=subject))

    def post(self, page: str, nonce: str) -> None:
        found = self._target(nonce)
        if found is None:
            raise tornado.web.HTTPError(404)
        account, target = found
        from . import payment_intents, setup_intents

        kind = "setup_intent" if "setup_intent" in target else "payment_intent"
        module = setup_intents if kind == "setup_intent" else payment_intents
        store = self.emulator.store
        try:
            with store.transaction():
                ctx = Context(self.emulator, account, "secret", self.emulator.clock.now(account),
                              None)
                pi = ctx.get(kind, target[kind])  # the PaymentIntent or SetupIntent
                return_url = (pi.get("_kit") or {}).get("return_url")
                pi = module.complete_action(ctx, pi, self.get_body_argument("outcome"))
        except StripeError as error:
            self.set_status(error.status)
            self.finish(html.escape(error.error["message"]))
            return
        self.emulator.tick()
        if return_url:
            self.redirect(with_query(return_url, {
                kind: pi["id"],
                f"{kind}_client_secret": pi["client_secret"],
                "redirect_status": redirect_status(pi["status"])}), status=303)
        else:
            self.finish(DONE.format(status="completed" if pi["status"] != "requires_payment_method"
                                    else "failed"))


def require_action(ctx: Context, intent: dict[str, Any], return_url: str | None,
                   redirect: bool = False) -> dict[str, Any]:
    """Stop a PaymentIntent or SetupIntent in `requires_action`, pointing at one of these pages.

    With a `return_url` the next action is `redirect_to_url`, otherwise `use_stripe_sdk` (what
    Stripe.js opens itself). The nonce is opaque, like Stripe's `pa_nonce_…` test redirect URLs.
    """
    kind = intent["object"]  # "payment_intent" or "setup_intent"
    page = "redirect" if redirect else "3ds"
    nonce = ctx.new_id("pa_nonce")
    ctx.save({"id": nonce, "object": "kit_redirect", "created": ctx.now,
              kind: intent["id"], "page": page})
    url = f"{ctx.emulator.public_url}/kit/{page}/{nonce}"
    if return_url:
        intent["next_action"] = {"type": "redirect_to_url",
                                 "redirect_to_url": {"url": url, "return_url": return_url}}
    else:
        intent["next_action"] = {"type": "use_stripe_sdk",
                                 "use_stripe_sdk": {"type": "three_d_secure_redirect",
                                                    "stripe_js": url}}
    intent["status"] = "requires_action"
    ctx.save(intent)
    ctx.emit(f"{kind}.requires_action", intent)
    return intent
