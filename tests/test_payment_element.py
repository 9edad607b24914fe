"""The PaymentElement widget's Python side, without a kernel or a browser.

What matters: secrets never enter synced state (it is saved into notebooks), the commands the
browser calls answer correctly, and the relay forwards only what Stripe.js itself may do.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import stripe

from helpers import backend
from helpers.emulator import Emulator, reset_emulator
from helpers.payment_element import STATIC_ENV, PaymentElement, module_source, module_version

FAKE_PI_SECRET = "pi_3AbCdEfGhIjKlMnOpQrStUvW_secret_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2R"
FAKE_CUSS_SECRET = "cuss_secret_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x"
NO_DOTENV = Path("/nonexistent/.env")  # a developer's own .env must not switch modes here


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """A fresh in-memory emulator, with the kit configured for it."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "KIT_STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    emu = Emulator(":memory:", deterministic=True)
    reset_emulator(emu)
    backend.configure(environ={}, dotenv=NO_DOTENV)
    yield emu
    reset_emulator(None)
    emu.store.close()


@pytest.fixture
def checkout(emulator: Emulator) -> dict[str, Any]:
    """A returning customer with a saved Visa, a PaymentIntent and a CustomerSession."""
    customer = stripe.Customer.create(name="Jenny Rosen")
    saved = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    stripe.PaymentMethod.modify(saved.id, allow_redisplay="always")
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer.id,
                                         automatic_payment_methods={"enabled": True})
    session = stripe.CustomerSession.create(
        customer=customer.id,
        components={"payment_element": {"enabled": True,
                                        "features": {"payment_method_redisplay": "enabled"}}})
    return {"customer": customer, "pm": saved, "intent": intent, "session": session}


def command(widget: PaymentElement, name: str, msg: dict[str, Any]) -> Any:
    """Send the message the browser's `experimental.invoke(name, msg)` sends; return the reply."""
    sent: list[Any] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._handle_custom_msg({"kind": "anywidget-command", "id": "req-1", "name": name,
                               "msg": msg}, [])
    assert len(sent) == 1 and sent[0]["id"] == "req-1"
    assert sent[0]["kind"] == "anywidget-command-response"
    return sent[0]["response"]


def test_state_holds_no_secrets(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET, FAKE_CUSS_SECRET)
    state = widget.get_state()
    everything = json.dumps(state)
    assert FAKE_PI_SECRET not in everything and FAKE_CUSS_SECRET not in everything
    # The module text mentions `_secret_` in comments and regexes; no trait value may.
    values = json.dumps({k: v for k, v in state.items() if k != "_esm"})
    assert "_secret_" not in values
    assert "pk_test_" not in values and "sk_test_" not in values


def test_repr_is_stable_and_secret_free(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET, FAKE_CUSS_SECRET, layout="tabs")
    assert repr(widget) == "PaymentElement(layout='tabs', mode='emulator', status=None)"


def test_traits_and_defaults(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET, appearance={"theme": "night"},
                            return_url="https://example.com/done")
    assert (widget.layout_type, widget.mode, widget.ready) == ("accordion", "emulator", False)
    assert widget.appearance == {"theme": "night"}
    assert widget.return_url == "https://example.com/done"
    assert (widget.status, widget.payment_intent_id, widget.error, widget.attempts) == (
        None, None, None, 0)


@pytest.mark.parametrize("args", [("not-a-secret",), (FAKE_PI_SECRET, "pi_wrong_kind")])
def test_rejects_wrong_secrets(emulator: Emulator, args: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="client secret"):
        PaymentElement(*args)


def test_rejects_unknown_layout(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="layout"):
        PaymentElement(FAKE_PI_SECRET, layout="grid")


def test_kit_config_hands_the_secrets_to_the_browser_only_on_request(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET, FAKE_CUSS_SECRET)
    assert command(widget, "kit_config", {}) == {
        "mode": "emulator",
        "publishableKey": "pk_test_emulator_default",
        "clientSecret": FAKE_PI_SECRET,
        "customerSessionClientSecret": FAKE_CUSS_SECRET,
    }
    other = PaymentElement(FAKE_PI_SECRET, publishable_key="pk_test_other")
    config = command(other, "kit_config", {})
    assert config["publishableKey"] == "pk_test_other"
    assert config["customerSessionClientSecret"] is None


def test_relay_serves_the_elements_session(checkout: dict[str, Any]) -> None:
    intent, session = checkout["intent"], checkout["session"]
    widget = PaymentElement(intent.client_secret, session.client_secret)
    reply = command(widget, "kit_stripe_request", {
        "method": "GET", "path": "/v1/elements/sessions",
        "params": {"client_secret": intent.client_secret,
                   "customer_session_client_secret": session.client_secret}})
    assert reply["status"] == 200
    body = reply["body"]
    assert body["object"] == "elements_session"
    assert [pm["id"] for pm in body["customer"]["payment_methods"]] == [checkout["pm"].id]
    assert body["customer"]["payment_methods"][0]["card"]["last4"] == "4242"


def test_relay_confirms_with_a_saved_method(checkout: dict[str, Any]) -> None:
    intent = checkout["intent"]
    widget = PaymentElement(intent.client_secret, checkout["session"].client_secret)
    reply = command(widget, "kit_stripe_request", {
        "method": "POST", "path": f"/v1/payment_intents/{intent.id}/confirm",
        "params": {"client_secret": intent.client_secret, "payment_method": checkout["pm"].id,
                   "return_url": "https://example.com/done"}})
    assert reply["status"] == 200, reply
    assert reply["body"]["status"] == "succeeded"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_relay_uses_the_publishable_key(checkout: dict[str, Any]) -> None:
    """With a publishable key the emulator wants the client secret, as Stripe does."""
    intent = checkout["intent"]
    widget = PaymentElement(intent.client_secret)
    reply = command(widget, "kit_stripe_request", {
        "method": "GET", "path": f"/v1/payment_intents/{intent.id}", "params": {}})
    assert reply["status"] >= 400
    ok = command(widget, "kit_stripe_request", {
        "method": "GET", "path": f"/v1/payment_intents/{intent.id}",
        "params": {"client_secret": intent.client_secret}})
    assert ok["status"] == 200 and ok["body"]["id"] == intent.id


def test_relay_passes_declines_through(checkout: dict[str, Any]) -> None:
    intent = checkout["intent"]
    widget = PaymentElement(intent.client_secret)
    created = command(widget, "kit_stripe_request", {
        "method": "POST", "path": "/v1/payment_methods",
        "params": {"type": "card", "card": {"number": "4000000000000002", "exp_month": "12",
                                            "exp_year": "2034", "cvc": "123"},
                   "billing_details": {"address": {"country": "US", "postal_code": "12345"}}}})
    assert created["status"] == 200, created
    reply = command(widget, "kit_stripe_request", {
        "method": "POST", "path": f"/v1/payment_intents/{intent.id}/confirm",
        "params": {"client_secret": intent.client_secret, "payment_method": created["body"]["id"]}})
    assert reply["status"] == 402
    error = reply["body"]["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error", "card_declined", "generic_decline")
    assert error["payment_intent"]["status"] == "requires_payment_method"


@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/cus_123/payment_methods"),
    ("POST", "/v1/payment_intents/pi_123/capture"),
    ("POST", "/v1/payment_intents/pi_123/cancel"),
    ("DELETE", "/v1/payment_intents/pi_123"),
    ("GET", "/v1/payment_intents/../customers"),
    ("GET", "/v1/elements/sessions/extra"),
])
def test_relay_refuses_everything_else(emulator: Emulator, method: str, path: str) -> None:
    widget = PaymentElement(FAKE_PI_SECRET)
    calls: list[Any] = []
    emulator.request = lambda *a, **k: calls.append(a)  # type: ignore[method-assign]
    reply = command(widget, "kit_stripe_request", {"method": method, "path": path, "params": {}})
    assert reply["status"] == 404
    assert reply["body"]["error"]["type"] == "invalid_request_error"
    assert reply["body"]["error"]["message"].startswith(f"Unrecognized request URL ({method}: ")
    assert calls == [], "a refused request must not reach the emulator"


def test_relay_is_off_in_stripe_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    backend.configure(environ={"STRIPE_SECRET_KEY": "sk_" + "test_kitfake_unit",
                               "STRIPE_PUBLISHABLE_KEY": "pk_test_kitfake_unit"}, dotenv=NO_DOTENV)
    try:
        widget = PaymentElement(FAKE_PI_SECRET)
        assert widget.mode == "stripe"
        assert command(widget, "kit_config", {})["publishableKey"] == "pk_test_kitfake_unit"
        reply = command(widget, "kit_stripe_request", {
            "method": "GET", "path": "/v1/elements/sessions", "params": {}})
        assert reply["status"] == 400
        assert "directly" in reply["body"]["error"]["message"]
    finally:
        backend.configure(environ={}, dotenv=NO_DOTENV)


def test_on_outcome_fires_once_per_attempt(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET)
    seen: list[dict[str, Any]] = []
    widget.on_outcome(seen.append)
    declined = {"type": "card_error", "code": "card_declined",
                "decline_code": "generic_decline", "message": "Your card was declined."}
    # What the browser sends after two declines in a row: the status does not change.
    for attempt in (1, 2):
        widget.set_state({"payment_intent_id": "pi_123", "status": "requires_payment_method",
                          "error": declined, "attempts": attempt})
    widget.set_state({"status": "succeeded", "error": None, "attempts": 3})
    assert [o["status"] for o in seen] == ["requires_payment_method"] * 2 + ["succeeded"]
    assert seen[0] == {"status": "requires_payment_method", "payment_intent_id": "pi_123",
                       "error": declined}
    assert seen[2]["error"] is None


def test_source_returns_the_page_code(emulator: Emulator) -> None:
    code = PaymentElement.source()
    assert "async function mountCheckout" in code
    assert "stripe.confirmPayment" in code and "retrievePaymentIntent" in code
    assert "'Success! Payment received.'" in code
    assert "var KitStripeStandin" in PaymentElement.source("standin")
    with pytest.raises(ValueError):
        PaymentElement.source("nope")


def test_module_is_one_file_in_order(emulator: Emulator) -> None:
    esm = module_source()
    order = [esm.index(f"// ---- assets/{name} ----") for name in
             ("stripe-standin.js", "checkout.js", "payment-element.js")]
    assert order == sorted(order)
    assert not re.search(r"^\s*import\s", esm, re.M), "anywidget cannot resolve imports"
    assert esm.count("export default") == 1


# ---- issue 14: the module served once, not in every widget's state ---------------------------

def test_state_carries_a_small_loader_not_the_module(emulator: Emulator) -> None:
    state = PaymentElement(FAKE_PI_SECRET, FAKE_CUSS_SECRET).get_state()
    size = len(json.dumps(state))
    assert size < 12_000, f"widget state is {size} bytes"
    assert "KitStripeStandin" not in state["_esm"] and "mountCheckout" not in state["_esm"]
    assert module_version() in state["_esm"], "the loader asks for this version of the module"
    assert state["_esm"].count("export default") == 1
    assert not re.search(r"^\s*import\s", state["_esm"], re.M)


def test_kernel_serves_the_module_when_the_server_does_not(emulator: Emulator,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATIC_ENV, raising=False)
    widget = PaymentElement(FAKE_PI_SECRET)
    assert widget.module_path == ""
    reply = command(widget, "kit_module", {"version": module_version()})
    assert reply == {"version": module_version(), "source": module_source()}


def test_widget_points_at_the_server_that_serves_the_module(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STATIC_ENV, "1")
    widget = PaymentElement(FAKE_PI_SECRET)
    assert widget.module_path == f"kit/static/payment-element.js?v={module_version()}"


def test_static_route_serves_the_module_cacheably(monkeypatch: pytest.MonkeyPatch) -> None:
    import tornado.httpclient
    import tornado.ioloop
    import tornado.testing
    import tornado.web

    from helpers import widget_static

    monkeypatch.setenv(STATIC_ENV, "0")  # recorded, so the route's "1" is undone afterwards
    app = tornado.web.Application(widget_static.handlers("/base/"))
    assert os.environ[STATIC_ENV] == "1", "kernels started by this server will know"

    class Fetch(tornado.testing.AsyncHTTPTestCase):
        def get_app(self) -> tornado.web.Application:
            return app

        def runTest(self) -> None:  # noqa: N802 (unittest's name)
            versioned = self.fetch(f"/base/kit/static/payment-element.js?v={module_version()}")
            assert versioned.code == 200
            assert versioned.body.decode() == module_source()
            assert versioned.headers["Content-Type"].startswith("text/javascript")
            assert "immutable" in versioned.headers["Cache-Control"]
            plain = self.fetch("/base/kit/static/payment-element.js")
            assert plain.code == 200 and plain.headers["Cache-Control"] == "no-cache"
            again = self.fetch("/base/kit/static/payment-element.js",
                               headers={"If-None-Match": plain.headers["Etag"]})
            assert again.code == 304
            zipped = self.fetch("/base/kit/static/payment-element.js",
                                headers={"Accept-Encoding": "gzip"}, decompress_response=False)
            assert zipped.headers["Content-Encoding"] == "gzip"
            assert len(zipped.body) < len(module_source()) / 3
            assert gzip.decompress(zipped.body).decode() == module_source()

    # in a thread of its own: no event loop of another test (Playwright's) may be running there
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(Fetch().run()))
    worker.start()
    worker.join(timeout=60)
    [result] = results
    assert result.wasSuccessful(), result.failures + result.errors


# ---- issue 4: remove control, callbacks, static picture ---------------------------------------

def removable(checkout: dict[str, Any], remove: str = "enabled") -> tuple[PaymentElement, str]:
    customer = checkout["customer"]
    session = stripe.CustomerSession.create(customer=customer.id, components={"payment_element": {
        "enabled": True, "features": {"payment_method_redisplay": "enabled",
                                      "payment_method_remove": remove}}})
    widget = PaymentElement(checkout["intent"].client_secret, session.client_secret)
    return widget, session.client_secret


def detach(widget: PaymentElement, pm_id: str, cuss: str) -> dict[str, Any]:
    return command(widget, "kit_stripe_request", {
        "method": "POST", "path": f"/v1/elements/sessions/payment_methods/{pm_id}/detach",
        "params": {"client_secret": widget._client_secret,
                   "customer_session_client_secret": cuss}})


def test_remove_detaches_when_the_session_allows_it(checkout: dict[str, Any]) -> None:
    widget, cuss = removable(checkout)
    reply = detach(widget, checkout["pm"].id, cuss)
    assert reply["status"] == 200, reply
    assert reply["body"]["id"] == checkout["pm"].id
    assert stripe.PaymentMethod.retrieve(checkout["pm"].id).customer is None


def test_remove_refused_without_the_feature(checkout: dict[str, Any]) -> None:
    widget, cuss = removable(checkout, "disabled")
    reply = detach(widget, checkout["pm"].id, cuss)
    assert reply["status"] == 400
    assert "payment_method_remove" in reply["body"]["error"]["message"]
    assert stripe.PaymentMethod.retrieve(checkout["pm"].id).customer == checkout["customer"].id


def test_remove_refused_for_another_customers_method(checkout: dict[str, Any]) -> None:
    widget, cuss = removable(checkout)
    other = stripe.Customer.create(name="Someone Else")
    theirs = stripe.PaymentMethod.attach("pm_card_mastercard", customer=other.id)
    reply = detach(widget, theirs.id, cuss)
    assert reply["status"] == 404
    assert stripe.PaymentMethod.retrieve(theirs.id).customer == other.id


def test_remove_needs_this_widgets_session_secret(checkout: dict[str, Any]) -> None:
    widget, _ = removable(checkout)
    reply = detach(widget, checkout["pm"].id, FAKE_CUSS_SECRET)
    assert reply["status"] == 400
    assert stripe.PaymentMethod.retrieve(checkout["pm"].id).customer == checkout["customer"].id


def test_ready_and_change_callbacks(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET)
    events: list[Any] = []
    widget.on_ready(lambda: events.append("ready"))
    widget.on_change(events.append)
    widget.set_state({"ready": True})
    widget.set_state({"selected_type": "card"})
    widget.set_state({"selected_type": "ideal"})
    assert events == ["ready", "card", "ideal"]


def test_locale_and_title_are_synced(emulator: Emulator) -> None:
    widget = PaymentElement(FAKE_PI_SECRET, locale="fr", title="Checkout for Jenny")
    state = widget.get_state()
    assert (state["locale"], state["title"]) == ("fr", "Checkout for Jenny")


def test_static_html_picture_is_deterministic_and_secret_free(checkout: dict[str, Any]) -> None:
    widget = PaymentElement(checkout["intent"].client_secret, checkout["session"].client_secret)
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    html = data["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in data, "the live widget stays first"
    assert "Visa •••• 4242" in html and "Pay 10.99 USD" in html
    assert "_secret_" not in html and "pi_" not in html and "pm_" not in html
    assert html == widget.static_html()
    no_session = PaymentElement(FAKE_PI_SECRET)
    assert "Card" in no_session.static_html()


def test_jupyter_server_extension_adds_the_route(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import widget_static

    monkeypatch.setenv(STATIC_ENV, "0")  # recorded, so the hook's "1" is undone afterwards
    added: list[Any] = []

    class WebApp:
        def add_handlers(self, host: str, handlers: list[Any]) -> None:
            added.append((host, handlers))

    class ServerApp:
        base_url = "/user/ada/"
        web_app = WebApp()

    assert widget_static._jupyter_server_extension_points() == [
        {"module": "helpers.widget_static"}]
    widget_static._load_jupyter_server_extension(ServerApp())
    [(host, [(route, handler)])] = added
    assert route == "/user/ada/kit/static/payment-element.js"
    assert handler is widget_static.ModuleHandler and os.environ[STATIC_ENV] == "1"
