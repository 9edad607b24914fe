"""The workshop app (notebook 06): the whole flow as one page of widgets, one sandbox each.

    from helpers.workshop.app import WorkshopApp
    WorkshopApp()

Choose a returning customer, switch the CustomerSession features and watch the Payment
Element change, pay (saved card, new card, declining card, 3-D Secure, bank debit), and see
the webhook events and the orders table update as they arrive.

Whose sandbox? Voilà runs the notebook in a *preheated* kernel before anyone opens the page,
so nothing personal may happen at import time. The app first shows a tiny widget whose
JavaScript reads (or makes) a random id in the browser's localStorage and reports it; only
then does the kernel open that participant's sandbox (`sandbox.py`). Outside Voilà (JupyterLab,
nbval) there is no one to wait for: the app opens the sandbox `notebook` at once.
"""

from __future__ import annotations

import html
import os
import threading
from typing import Any

import anywidget
import ipywidgets as widgets
import stripe
import traitlets

from .sandbox import FINAL_STATUSES, PERSONAS, Sandbox, describe_method

BROWSER_ID_JS = r"""
const KEY = 'kit-workshop-participant';
function randomId() {
  // crypto.getRandomValues works on plain http too (randomUUID needs a secure context)
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
function browserId() {
  try {
    let id = window.localStorage.getItem(KEY);
    if (!id) { id = randomId(); window.localStorage.setItem(KEY, id); }
    return id;
  } catch (e) {  // storage disabled: this tab still gets a sandbox of its own
    window.__kitParticipant = window.__kitParticipant || randomId();
    return window.__kitParticipant;
  }
}
export default {
  render({ model, el }) {
    el.classList.add('kit-browser-id');
    el.style.display = 'none';
    if (!model.get('browser_id')) {
      model.set('browser_id', browserId());
      model.save_changes();
    }
  },
};
"""

TEST_DETAILS = """
<details class='kit-test-details'><summary><b>Test details to pay with</b></summary>
<table class='kit-table'>
<tr><td>succeeds</td><td><code>4242 4242 4242 4242</code>, any future date, any CVC,
ZIP 94103</td></tr>
<tr><td>is declined</td><td><code>4000 0000 0000 0002</code></td></tr>
<tr><td>asks for 3-D Secure</td><td><code>4000 0027 6000 3184</code> (press <i>Complete</i> or
<i>Fail</i> in the test dialog)</td></tr>
<tr><td>bank debit (ACH)</td><td>US bank account: routing <code>110000000</code>, account
<code>000123456789</code>; it sits in <i>processing</i>, then settles after a few seconds</td></tr>
</table></details>
"""

CSS = """
<style>
.kit-workshop{max-width:980px}
.kit-workshop .kit-table td,.kit-workshop .kit-table th{padding:2px 10px 2px 0}
.kit-workshop-outcome{font-size:15px;min-height:1.4em}
.kit-workshop-section{margin-top:14px}
</style>
"""


def in_voila() -> bool:
    """True in a kernel started by Voilà (standalone, preheated or as a server extension)."""
    return any(os.environ.get(name) for name in ("VOILA_PREHEAT", "VOILA_BASE_URL",
                                                  "VOILA_KERNEL_ID"))


class BrowserId(anywidget.AnyWidget):
    """Reports the browser's participant id (kept in localStorage); shows nothing."""

    _esm = BROWSER_ID_JS
    browser_id = traitlets.Unicode("").tag(sync=True)


def warm_up() -> None:
    """What a kernel's first sandbox would otherwise pay for on arrival (~0.2 s of CPU each,
    on the server every participant shares): the emulator's request validators and the
    stripe library's lazily imported API services."""
    from ..emulator import validation

    validation.warm()
    client = stripe.StripeClient("sk_test_emulator_warm_up")  # never sends a request
    for service in ("customers", "payment_methods", "payment_intents", "customer_sessions",
                    "webhook_endpoints", "events"):
        getattr(client.v1, service)


def _section(title: str) -> widgets.HTML:
    return widgets.HTML(f"<h3 class='kit-workshop-section'>{html.escape(title)}</h3>")


class WorkshopApp(widgets.VBox):
    """Persona, CustomerSession features, the Payment Element, events and orders."""

    def __init__(self, browser_id: str | None = None, **kwargs: Any) -> None:
        self.sandbox: Sandbox | None = None
        self.checkout_widget: Any = None
        self._lock = threading.RLock()
        self._building = False

        self.header = widgets.HTML(CSS + "<h2>Pay as a returning customer</h2>"
                                   "<p>Your own offline Stripe sandbox: nobody else sees your"
                                   " customers, payments or events.</p>")
        self.notice = widgets.HTML("<p><i>Opening your sandbox…</i></p>")
        self.identity = BrowserId()

        self.persona = widgets.ToggleButtons(
            options=[(p.name, p.key) for p in PERSONAS.values()], value="jenny",
            description="Customer", style={"button_width": "150px"})
        self.story = widgets.HTML()
        self.redisplay = widgets.Checkbox(True, description="redisplay saved methods",
                                          indent=False)
        self.filters = {
            value: widgets.Checkbox(value == "always", description=value, indent=False,
                                    layout=widgets.Layout(width="120px"))
            for value in ("always", "limited", "unspecified")}
        self.limit = widgets.IntSlider(3, min=1, max=10, description="limit",
                                       continuous_update=False)
        self.save = widgets.Checkbox(False, description="offer to save a new method",
                                     indent=False)
        self.remove = widgets.Checkbox(False, description="allow removing saved methods",
                                       indent=False)
        self.shown = widgets.HTML()
        self.checkout_box = widgets.Box(layout=widgets.Layout(min_height="120px",
                                                               max_width="520px"))
        self.outcome = widgets.HTML("<div class='kit-workshop-outcome'></div>")
        self.new_payment = widgets.Button(description="New payment", icon="")
        self.reset_button = widgets.Button(description="Reset my sandbox", button_style="danger")
        self.timeline = widgets.HTML()
        self.orders = widgets.HTML()

        filters_row = widgets.HBox([widgets.HTML("allow_redisplay filters:&nbsp;"),
                                    *self.filters.values()])
        self.controls = widgets.VBox([
            _section("1. Who is paying?"), self.persona, self.story,
            _section("2. CustomerSession features"), self.redisplay, filters_row, self.limit,
            self.save, self.remove, self.shown,
        ])
        self.pay_area = widgets.VBox([
            _section("3. Pay"), widgets.HTML(TEST_DETAILS), self.checkout_box, self.outcome,
            widgets.HBox([self.new_payment, self.reset_button]),
            _section("4. Webhook events (your endpoint)"), self.timeline,
            _section("5. Your orders (fulfilled from webhooks)"), self.orders,
        ])
        self.controls.layout.display = "none"
        self.pay_area.layout.display = "none"
        super().__init__([self.header, self.notice, self.identity, self.controls,
                          self.pay_area], **kwargs)
        self.add_class("kit-workshop")

        if browser_id is None and not in_voila():
            browser_id = os.environ.get("KIT_WORKSHOP_PARTICIPANT") or "notebook"
        if browser_id:
            self.start(browser_id)
        else:
            self.identity.observe(self._on_browser_id, names=["browser_id"])
            warm_up()  # a preheated kernel: do the once-per-process work before anyone comes

    def __repr__(self) -> str:
        if self.sandbox is None:
            return "WorkshopApp(waiting for a browser)"
        shown = ", ".join(describe_method(m) for m in self.sandbox.methods_shown()) or "none"
        return (f"WorkshopApp(customer={self.sandbox.persona.name!r}, saved methods shown:"
                f" {shown}; orders: {self.sandbox.orders.count()})")

    # ---- starting -----------------------------------------------------------------------
    def _on_browser_id(self, change: dict[str, Any]) -> None:
        if change["new"] and self.sandbox is None:
            self.start(change["new"])

    def start(self, browser_id: str) -> None:
        """Open this participant's sandbox and draw everything from its saved state."""
        try:
            self.sandbox = Sandbox(browser_id)
            state = self.sandbox.state
            self._building = True
            try:
                self.persona.value = state.get("persona") or "jenny"
                self._show_features(self.sandbox.features)
            finally:
                self._building = False
            self.sandbox.choose_persona(self.persona.value)
            self.sandbox.on_event(lambda event: self.refresh())
            for control in (self.persona, self.redisplay, self.limit, self.save, self.remove,
                            *self.filters.values()):
                control.observe(self._on_control, names=["value"])
            self.new_payment.on_click(lambda _: self.new_checkout())
            self.reset_button.on_click(lambda _: self.reset())
            self.notice.value = (f"<p>Your sandbox <code>{self.sandbox.label}</code>"
                                 " (it stays yours when you reload this page).</p>")
            self.controls.layout.display = ""
            self.pay_area.layout.display = ""
            self.new_checkout()
        except Exception as exc:  # say it plainly; the server hides tracebacks
            self._fail("Your sandbox could not be opened", exc)

    def _fail(self, what: str, exc: BaseException) -> None:
        self.notice.value = (f"<p style='color:#cf222e'>{html.escape(what)}:"
                             f" {html.escape(type(exc).__name__)}. Try <b>Reset my sandbox</b>"
                             " or reload the page.</p>")
        if self.sandbox is not None:
            self.sandbox.ledger.record(self.sandbox.account, "error", "app_error",
                                       f"{what}: {type(exc).__name__}")

    def _show_features(self, features: dict[str, Any]) -> None:
        self.redisplay.value = features["payment_method_redisplay"] == "enabled"
        for value, box in self.filters.items():
            box.value = value in features["payment_method_allow_redisplay_filters"]
        self.limit.value = int(features["payment_method_redisplay_limit"])
        self.save.value = features["payment_method_save"] == "enabled"
        self.remove.value = features["payment_method_remove"] == "enabled"

    def features(self) -> dict[str, Any]:
        filters = [value for value, box in self.filters.items() if box.value] or ["always"]
        return {
            "payment_method_redisplay": "enabled" if self.redisplay.value else "disabled",
            "payment_method_allow_redisplay_filters": filters,
            "payment_method_redisplay_limit": int(self.limit.value),
            "payment_method_save": "enabled" if self.save.value else "disabled",
            "payment_method_remove": "enabled" if self.remove.value else "disabled",
        }

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._building or self.sandbox is None:
            return
        try:
            if change["owner"] is self.persona:
                self.sandbox.choose_persona(self.persona.value)
            else:
                self.sandbox.set_features(**self.features())
            self.new_checkout()
        except Exception as exc:
            self._fail("That change did not go through", exc)

    # ---- paying -------------------------------------------------------------------------
    def new_checkout(self) -> None:
        """A new PaymentIntent and CustomerSession: the Payment Element draws again."""
        from ..payment_element import PaymentElement

        sandbox = self.sandbox
        assert sandbox is not None
        with self._lock:
            persona = sandbox.persona
            self.story.value = f"<p>{html.escape(persona.story)}</p>"
            saved = sandbox.saved_methods()
            shown = sandbox.methods_shown()
            hidden = [m for m in saved if m["id"] not in {s["id"] for s in shown}]
            self.shown.value = (
                "<p><b>The Payment Element should list:</b> "
                + (html.escape(", ".join(describe_method(m) for m in shown)) or "no saved method")
                + ("<br><span style='color:#57606a'>hidden by these features: "
                   + html.escape(", ".join(describe_method(m) for m in hidden)) + "</span>"
                   if hidden else "") + "</p>")
            secrets = sandbox.checkout()
            widget = PaymentElement(secrets["client_secret"],
                                    secrets["customer_session_client_secret"],
                                    publishable_key=sandbox.publishable_key)
            widget.on_outcome(self._on_outcome)
            old, self.checkout_widget = self.checkout_widget, widget
            self.checkout_box.children = [widget]
            if old is not None:
                old.close()
            self.outcome.value = "<div class='kit-workshop-outcome'></div>"
        self.refresh()

    def _on_outcome(self, outcome: dict[str, Any]) -> None:
        sandbox = self.sandbox
        assert sandbox is not None
        sandbox.record_outcome(outcome)
        status, error = outcome.get("status"), outcome.get("error") or {}
        colour = {"succeeded": "#1a7f37", "processing": "#9a6700"}.get(status or "", "#cf222e")
        text = f"PaymentIntent status: <b>{html.escape(str(status))}</b>"
        if error.get("message"):
            text += f" — {html.escape(str(error['message']))}"
        self.outcome.value = f"<div class='kit-workshop-outcome' style='color:{colour}'>" \
                             f"{text}</div>"
        self.refresh()
        pi_id = outcome.get("payment_intent_id")
        if status == "processing" and pi_id:
            threading.Thread(target=self._wait_until_settled, args=(pi_id,),
                             daemon=True).start()

    def _wait_until_settled(self, pi_id: str, timeout: float = 60.0) -> None:
        """A bank debit settles a few seconds later: ask the emulator until it has (each
        request lets its timers fire and the webhooks go out)."""
        import time

        assert self.sandbox is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(1.0)
            try:
                intent = self.sandbox.payment_intent(pi_id)
            except Exception:
                continue
            if intent.status in FINAL_STATUSES:
                self.sandbox.record_outcome({"status": intent.status})
                self.outcome.value = (
                    "<div class='kit-workshop-outcome' style='color:"
                    + ("#1a7f37" if intent.status == "succeeded" else "#cf222e")
                    + f"'>The bank debit settled: <b>{html.escape(intent.status)}</b></div>")
                self.refresh()
                return

    def refresh(self) -> None:
        """Redraw the timeline of the latest payment and the orders table."""
        sandbox = self.sandbox
        if sandbox is None:
            return
        try:
            self.timeline.value = sandbox.timeline()._repr_html_()
            self.orders.value = sandbox.orders.orders()._repr_html_()
        except Exception as exc:
            self._fail("The events could not be drawn", exc)

    def reset(self) -> None:
        """Reset my sandbox: everything of this participant goes, then Jenny again."""
        sandbox = self.sandbox
        assert sandbox is not None
        try:
            sandbox.reset()
            self._building = True
            try:
                self.persona.value = "jenny"
                self._show_features(sandbox.features)
            finally:
                self._building = False
            sandbox.choose_persona("jenny")
            self.new_checkout()
            self.outcome.value = ("<div class='kit-workshop-outcome'>Your sandbox is empty"
                                  " again: new customers, no payments, no events.</div>")
        except Exception as exc:
            self._fail("The reset did not finish", exc)
