"""The Payment Element in a notebook: a widget that runs the guide's own page code.

    from helpers.payment_element import PaymentElement
    widget = PaymentElement(intent.client_secret, customer_session.client_secret)
    widget            # shows the form; pick a saved card and press Pay

What runs in the browser is `assets/checkout.js`, the guide's checkout.js + status.js
(`PaymentElement.source()` prints it). It calls the Stripe.js API:

* in Stripe test mode it loads the real Stripe.js from https://js.stripe.com/v3/, which talks to
  Stripe with your publishable key;
* with the offline emulator it uses the kit's stand-in (`assets/stripe-standin.js`), whose API
  requests come back to this kernel (`kit_stripe_request`) and go to the in-process emulator
  with the publishable key, so the emulator enforces what a publishable key may do.

Where the secrets go. A widget's *synced traits* are copied into the notebook file when the
notebook is saved with widget state. So the two client secrets stay in private Python
attributes, and the browser asks for them when the widget is drawn (`kit_config`). The traits
hold only what is safe to save: layout_type, appearance, return_url, mode and the outcome
(ready, selected_type, status, payment_intent_id, error, attempts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

ASSETS = Path(__file__).resolve().parents[1] / "assets"
_JS_PARTS = ("stripe-standin.js", "checkout.js", "payment-element.js")

# The requests Stripe.js itself makes with a publishable key; the relay forwards nothing else.
_ALLOWED = (
    ("GET", re.compile(r"/v1/elements/sessions")),
    ("POST", re.compile(r"/v1/payment_methods")),
    ("GET", re.compile(r"/v1/payment_intents/pi_[A-Za-z0-9]+")),
    ("POST", re.compile(r"/v1/payment_intents/pi_[A-Za-z0-9]+/confirm")),
    # The emulator's 3-D Secure test page ("Complete" / "Fail"), which Stripe.js would show.
    ("POST", re.compile(r"/v1/test_helpers/kit/payment_intents/pi_[A-Za-z0-9]+/authenticate")),
)


def _read_asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _module_source() -> str:
    """The widget's one ES module: the stand-in, the page code and the widget glue, in order."""
    return "\n".join(f"// ---- assets/{name} ----\n{_read_asset(name)}" for name in _JS_PARTS)


def _stripe_error(status: int, message: str, **fields: Any) -> dict[str, Any]:
    """A reply in the transport's shape carrying a Stripe-shaped error body."""
    return {"status": status,
            "body": {"error": {"type": "invalid_request_error", "message": message, **fields}}}


def _backend() -> Any:
    from . import backend  # imported lazily: it configures the stripe library on first use

    return backend.current()


class PaymentElement(anywidget.AnyWidget):
    """Stripe's Payment Element for one PaymentIntent, with the customer's saved methods.

    Parameters
    ----------
    client_secret:
        The PaymentIntent's `client_secret` (`pi_…_secret_…`). It lets the browser confirm
        this one payment, nothing else.
    customer_session_client_secret:
        The CustomerSession's `client_secret` (`cuss_secret_…`). With it the element shows the
        customer's saved payment methods; without it, only a new card form.
    publishable_key:
        `pk_test_…`; defaults to the configured backend's key.
    layout:
        `"accordion"` (as in the guide) or `"tabs"`.
    return_url:
        Where Stripe sends the customer after a redirect-based payment. Cards finish on the
        page (`redirect: 'if_required'`), so the notebook never navigates away.
    appearance:
        Stripe's Appearance API, e.g.
        `{"theme": "stripe", "variables": {"colorPrimary": "#635bff"}}`.

    After a payment attempt, read `status` (the PaymentIntent's status), `payment_intent_id`
    and `error` (`type`, `code`, `decline_code`, `message` of a failed attempt), or register a
    callback with `on_outcome`.
    """

    _esm = _module_source()

    # Stripe's `layout.type`. (Not `layout`: every ipywidget already has a `layout` trait, its
    # CSS Layout model, and replacing it breaks the widget manager.)
    layout_type = traitlets.Unicode("accordion").tag(sync=True)
    appearance = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    return_url = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    mode = traitlets.Unicode("emulator").tag(sync=True)

    # Reported by the browser.
    ready = traitlets.Bool(False).tag(sync=True)
    selected_type = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    status = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    payment_intent_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    error = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    attempts = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        client_secret: str,
        customer_session_client_secret: str | None = None,
        *,
        publishable_key: str | None = None,
        layout: str = "accordion",
        return_url: str | None = None,
        appearance: dict | None = None,
    ) -> None:
        if not isinstance(client_secret, str) or "_secret_" not in client_secret:
            raise ValueError("client_secret should be a PaymentIntent client secret"
                             " (pi_…_secret_…), as returned by PaymentIntent.create.")
        if customer_session_client_secret is not None and not str(
                customer_session_client_secret).startswith("cuss_secret_"):
            raise ValueError("customer_session_client_secret should be a CustomerSession client"
                             " secret (cuss_secret_…), as returned by CustomerSession.create.")
        if layout not in ("accordion", "tabs", "auto"):
            raise ValueError("layout should be 'accordion', 'tabs' or 'auto'.")
        backend = _backend()
        # Private attributes: never synced, never saved in the notebook.
        self._client_secret = client_secret
        self._customer_session_client_secret = customer_session_client_secret
        self._publishable_key = publishable_key or backend.publishable_key
        super().__init__(layout_type=layout, return_url=return_url, appearance=appearance,
                         mode=backend.mode)

    def __repr__(self) -> str:
        return (f"PaymentElement(layout={self.layout_type!r}, mode={self.mode!r}, "
                f"status={self.status!r})")

    # ---- the browser's questions ------------------------------------------------------------

    @anywidget.experimental.command
    def kit_config(self, msg: Any, buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        """What the page code needs to start: which Stripe.js, the key and the two secrets."""
        return {
            "mode": self.mode,
            "publishableKey": self._publishable_key,
            "clientSecret": self._client_secret,
            "customerSessionClientSecret": self._customer_session_client_secret,
        }, []

    @anywidget.experimental.command
    def kit_stripe_request(self, msg: Any,
                           buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        """The stand-in's network: forward one Stripe.js request to the emulator.

        Only the requests Stripe.js makes are forwarded, always with the publishable key, so
        the page cannot do more than a real browser could.
        """
        return self._relay(msg), []

    def _relay(self, msg: Any) -> dict[str, Any]:
        if self.mode != "emulator":
            return _stripe_error(400, "In Stripe test mode the browser talks to Stripe directly;"
                                 " the kernel relays requests only for the offline emulator.")
        if not isinstance(msg, dict):
            return _stripe_error(400, "Malformed request from the widget.")
        method = str(msg.get("method", "")).upper()
        path = str(msg.get("path", ""))
        params = msg.get("params") or {}
        if not any(method == m and pattern.fullmatch(path) for m, pattern in _ALLOWED):
            return _stripe_error(
                404, f"Unrecognized request URL ({method}: {path}). The Payment Element widget"
                " only forwards the requests Stripe.js makes: GET /v1/elements/sessions,"
                " POST /v1/payment_methods, GET /v1/payment_intents/{id},"
                " POST /v1/payment_intents/{id}/confirm and the 3-D Secure test page's"
                " POST /v1/test_helpers/kit/payment_intents/{id}/authenticate.")
        if not isinstance(params, dict):
            return _stripe_error(400, "Request parameters should be an object.")
        from .emulator import get_emulator

        response = get_emulator().request(method, path, params, api_key=self._publishable_key)
        return {"status": response.status, "body": response.body}

    # ---- for the notebook -------------------------------------------------------------------

    def on_outcome(self, callback: Callable[[dict[str, Any]], Any]) -> None:
        """Call `callback(outcome)` after each payment attempt in the browser.

        `outcome` is `{"status", "payment_intent_id", "error"}`. Use it for the page's feedback
        only: fulfil orders from webhooks (notebook 04), because a browser can close early or lie.
        """

        def notify(change: dict[str, Any]) -> None:
            callback({"status": self.status, "payment_intent_id": self.payment_intent_id,
                      "error": self.error})

        self.observe(notify, names=["attempts"])

    @classmethod
    def source(cls, part: str = "checkout") -> str:
        """The JavaScript the widget runs: `"checkout"` (the guide's page code, default),
        `"standin"` (the offline Stripe.js) or `"widget"` (the Jupyter glue)."""
        names = {"checkout": "checkout.js", "standin": "stripe-standin.js",
                 "widget": "payment-element.js"}
        if part not in names:
            raise ValueError(f"part should be one of {sorted(names)}")
        return _read_asset(names[part])
