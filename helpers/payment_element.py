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
hold only what is safe to save: layout_type, appearance, locale, title, return_url, mode and
the outcome (ready, selected_type, status, payment_intent_id, error, attempts, removed).

Redirect methods (iDEAL, Bancontact). Offline, the stand-in draws the test bank page
inside the widget and then the return page (the guide's status.js, `showStatusPage` in
checkout.js), so the notebook never navigates away. Online, the real Stripe.js would take the
whole notebook to the bank, so the widget refuses redirect methods (Pay stays disabled, with a
note); try them on a web page instead.

Where no widget can run (GitHub, nbviewer), the output's `text/html` is a static picture of the
form (`static_html()`).

How the code reaches the browser. A widget's state carries only a small loader
(`assets/payment-element-loader.js`, a few kB); the ~100 kB module (`module_source()`) is
fetched once per browser: over HTTP where the server serves it (`helpers.widget_static`: the
workshop server, or JupyterLab with that server extension; versioned URL, cached for a year),
else from the kernel (`kit_module`), kept in the browser's localStorage under its version.
"""

from __future__ import annotations

import functools
import hashlib
import os
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
    # The emulator's 3-D Secure and test bank pages ("Complete" / "Fail", "Authorize test
    # payment" / "Fail test payment"), which Stripe.js would show or redirect to.
    ("POST", re.compile(r"/v1/test_helpers/kit/payment_intents/pi_[A-Za-z0-9]+/authenticate")),
    # The remove control (CustomerSession `payment_method_remove`): detach with the session's
    # secret, never the secret key (see `_detach_with_customer_session`).
    ("POST", re.compile(r"/v1/elements/sessions/payment_methods/pm_[A-Za-z0-9]+/detach")),
)
_DETACH = re.compile(r"/v1/elements/sessions/payment_methods/(pm_[A-Za-z0-9]+)/detach")
# How the Payment Element names card brands (assets/stripe-standin.js BRANDS).
_BRANDS = {"amex": "American Express", "diners": "Diners Club", "discover": "Discover",
           "unionpay": "UnionPay", "jcb": "JCB", "mastercard": "Mastercard", "visa": "Visa"}


def _read_asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def module_source() -> str:
    """The widget's one ES module: the stand-in, the page code and the widget glue, in order."""
    return "\n".join(f"// ---- assets/{name} ----\n{_read_asset(name)}" for name in _JS_PARTS)


@functools.lru_cache(maxsize=1)
def module_version() -> str:
    """A short hash of the module: its URL and its localStorage copy change when it does."""
    return hashlib.sha256(module_source().encode()).hexdigest()[:16]


# Where a server that serves the module (helpers.widget_static) has it, under its base URL;
# such a server sets STATIC_ENV in its environment, which its kernels inherit.
STATIC_ROUTE = "kit/static/payment-element.js"
STATIC_ENV = "KIT_WIDGET_STATIC"


def module_path() -> str:
    """The module's versioned path under the server's base URL, if this kernel's server serves
    it; "" otherwise (the loader then asks the kernel)."""
    if os.environ.get(STATIC_ENV) != "1":
        return ""
    return f"{STATIC_ROUTE}?v={module_version()}"


def _loader_source() -> str:
    """The widget's `_esm`: the loader, with the module's version written in."""
    return _read_asset("payment-element-loader.js").replace("__KIT_MODULE_VERSION__",
                                                           module_version())


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
        `{"theme": "stripe", "variables": {"colorPrimary": "#635bff"}}`. Themes: `"stripe"`,
        `"night"`, `"flat"`.
    locale:
        `stripe.elements({locale})`: `"auto"` (the browser's language), `"en"`, `"fr"`…
    title:
        The accessible name of the widget (a region), to tell several checkouts apart.

    After a payment attempt, read `status` (the PaymentIntent's status), `payment_intent_id`
    and `error` (`type`, `code`, `decline_code`, `message` of a failed attempt), or register a
    callback with `on_outcome`.
    """

    _esm = _loader_source()
    # Where the loader finds the module on this kernel's server ("" : ask the kernel).
    module_path = traitlets.Unicode("").tag(sync=True)

    # Stripe's `layout.type`. (Not `layout`: every ipywidget already has a `layout` trait, its
    # CSS Layout model, and replacing it breaks the widget manager.)
    layout_type = traitlets.Unicode("accordion").tag(sync=True)
    appearance = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    return_url = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    mode = traitlets.Unicode("emulator").tag(sync=True)
    locale = traitlets.Unicode("auto").tag(sync=True)
    # The accessible name of the widget's region (screen readers, tests): "Checkout" by default.
    title = traitlets.Unicode("Payment Element").tag(sync=True)

    # Reported by the browser.
    ready = traitlets.Bool(False).tag(sync=True)
    selected_type = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    status = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    payment_intent_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    error = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    attempts = traitlets.Int(0).tag(sync=True)
    removed = traitlets.Int(0).tag(sync=True)  # saved methods removed with the remove control

    def __init__(
        self,
        client_secret: str,
        customer_session_client_secret: str | None = None,
        *,
        publishable_key: str | None = None,
        layout: str = "accordion",
        return_url: str | None = None,
        appearance: dict | None = None,
        locale: str = "auto",
        title: str = "Payment Element",
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
                         mode=backend.mode, locale=locale, title=title,
                         module_path=module_path())

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
    def kit_module(self, msg: Any, buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        """The widget's code, for a browser that could not get it from the server (the loader
        keeps it, so a browser asks once per version)."""
        return {"version": module_version(), "source": module_source()}, []

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
                " POST /v1/payment_intents/{id}/confirm, the test pages'"
                " POST /v1/test_helpers/kit/payment_intents/{id}/authenticate and the remove"
                " control's POST /v1/elements/sessions/payment_methods/{pm}/detach.")
        if not isinstance(params, dict):
            return _stripe_error(400, "Request parameters should be an object.")
        from .emulator import get_emulator

        emulator = get_emulator()
        response = emulator.request(method, path, params, api_key=self._publishable_key)
        detach = _DETACH.fullmatch(path)
        if detach and response.status == 404 and "Unrecognized request URL" in str(
                response.body.get("error", {}).get("message", "")):
            return self._detach_with_customer_session(emulator, detach.group(1), params)
        return {"status": response.status, "body": response.body}

    def _detach_with_customer_session(self, emulator: Any, pm_id: str,
                                      params: dict[str, Any]) -> dict[str, Any]:
        """The remove control, until the emulator has its own publishable-key route.

        Stripe.js removes a saved method through a private endpoint authorised by the
        CustomerSession's client secret. The kernel does the same checks: the session must be
        this widget's, enable `payment_method_remove`, and the method must be its customer's;
        only then is the method detached (with the kernel's secret key, which never leaves it).
        """
        if params.get("customer_session_client_secret") != self._customer_session_client_secret \
                or not self._customer_session_client_secret:
            return _stripe_error(400, "A valid customer_session_client_secret is required to"
                                 " remove a saved payment method.",
                                 param="customer_session_client_secret")
        session = emulator.request("GET", "/v1/elements/sessions", {
            "client_secret": self._client_secret,
            "customer_session_client_secret": self._customer_session_client_secret,
        }, api_key=self._publishable_key)
        if session.status != 200:
            return {"status": session.status, "body": session.body}
        features = (session.body.get("customer_session") or {}).get("features") or {}
        if features.get("payment_method_remove") != "enabled":
            return _stripe_error(400, "This CustomerSession does not allow removing saved payment"
                                 " methods (payment_method_remove is not enabled).")
        secret_key = _backend().secret_key
        pm = emulator.request("GET", f"/v1/payment_methods/{pm_id}", {}, api_key=secret_key)
        customer = (session.body.get("customer") or {}).get("id")
        if pm.status != 200 or pm.body.get("customer") != customer:
            return _stripe_error(404, f"No such PaymentMethod: '{pm_id}'",
                                 code="resource_missing", param="payment_method")
        detached = emulator.request("POST", f"/v1/payment_methods/{pm_id}/detach", {},
                                    api_key=secret_key)
        return {"status": detached.status, "body": detached.body}

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

    def on_ready(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` once the form is drawn in the browser (Stripe.js's `ready`)."""

        def notify(change: dict[str, Any]) -> None:
            if change["new"]:
                callback()

        self.observe(notify, names=["ready"])

    def on_change(self, callback: Callable[[str | None], Any]) -> None:
        """Call `callback(payment_method_type)` when the customer picks another method."""

        def notify(change: dict[str, Any]) -> None:
            callback(change["new"])

        self.observe(notify, names=["selected_type"])

    # ---- how it looks where no browser runs it (GitHub, nbviewer, nbval) ---------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget for Jupyter, plus a static picture (text/html) for viewers that
        cannot run widgets, such as GitHub. Deterministic: no ids, no secrets, no timestamps."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/html"] = self.static_html()
        return bundle

    def _session_preview(self) -> dict[str, Any] | None:
        """What the element would show (emulator mode only: never calls Stripe for a picture)."""
        if self.mode != "emulator":
            return None
        reply = self._relay({"method": "GET", "path": "/v1/elements/sessions", "params": {
            "client_secret": self._client_secret,
            **({"customer_session_client_secret": self._customer_session_client_secret}
               if self._customer_session_client_secret else {})}})
        return reply["body"] if reply["status"] == 200 else None

    def static_html(self) -> str:
        """A picture of the form in plain HTML: the saved methods and the new method types."""
        import html as _html

        session = self._session_preview()
        rows: list[str] = []
        amount = ""
        if session:
            features = (session.get("customer_session") or {}).get("features") or {}
            types = session.get("payment_method_types") or ["card"]
            if features.get("payment_method_redisplay") == "enabled":
                for pm in (session.get("customer") or {}).get("payment_methods") or []:
                    if pm["type"] not in types:
                        continue
                    details = pm.get(pm["type"]) or {}
                    brand = str(details.get("brand", "card"))
                    name = {"card": _BRANDS.get(brand, brand.title()),
                            "sepa_debit": "SEPA Debit", "us_bank_account":
                            details.get("bank_name") or "Bank account"}.get(
                                pm["type"], pm["type"])
                    last4 = f" •••• {details['last4']}" if details.get("last4") else ""
                    rows.append(name + last4)
            labels = {"card": "Card", "us_bank_account": "US bank account",
                      "sepa_debit": "SEPA Debit", "ideal": "iDEAL", "bancontact": "Bancontact"}
            rows += [labels[t] for t in types if t in labels]
            intent = session.get("payment_intent") or {}
            if intent.get("amount") is not None:
                amount = f" {intent['amount'] / 100:.2f} {str(intent.get('currency')).upper()}"
        else:
            rows = ["Card"]
        items = "".join(
            f'<li style="padding:10px 12px;border-top:{"0" if i == 0 else "1px solid #e6e6e6"}">'
            f'{"◉" if i == 0 else "○"} {_html.escape(r)}</li>' for i, r in enumerate(rows))
        return (
            '<div class="kit-payment-element-static" style="max-width:420px;font-family:'
            'sans-serif;font-size:14px;color:#30313d">'
            '<ul style="list-style:none;margin:0;padding:0;border:1px solid #e6e6e6;'
            f'border-radius:5px">{items}</ul>'
            '<div style="margin-top:12px;padding:10px;text-align:center;background:#0055de;'
            f'color:#fff;border-radius:4px;font-weight:600">Pay{_html.escape(amount)}</div>'
            '<p style="font-size:12px;color:#6d6e78">A picture of the Payment Element widget'
            f' (layout: {_html.escape(self.layout_type)}). Run the notebook in JupyterLab or'
            ' Voilà to pay with it.</p></div>')

    @classmethod
    def source(cls, part: str = "checkout") -> str:
        """The JavaScript the widget runs: `"checkout"` (the guide's page code, default),
        `"standin"` (the offline Stripe.js) or `"widget"` (the Jupyter glue)."""
        names = {"checkout": "checkout.js", "standin": "stripe-standin.js",
                 "widget": "payment-element.js"}
        if part not in names:
            raise ValueError(f"part should be one of {sorted(names)}")
        return _read_asset(names[part])
