"""The Stripe test-mode code path, without Stripe: what the widget does when test keys are set.

The kernel gets (fake) test keys and talks to an emulator HTTP server instead of api.stripe.com
(`KIT_STRIPE_API_BASE`). The browser's request for https://js.stripe.com/v3/ is answered with
a recording fake Stripe.js, so the test sees exactly what the page code hands to Stripe.js:
the publishable key, both client secrets, the Payment Element options, the confirm call.
Nothing else may leave 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from waits import OUTCOME_MS, WIDGET_READY_MS, goto, wait_for

pytestmark = pytest.mark.browser

STRIPE_JS = "https://js.stripe.com/v3/"
SUFFIX = "kitfake_livepath0123456789"
SECRET_KEY = "sk_" + "test_" + SUFFIX  # split: no secret-key-shaped literal in the repository
PUBLISHABLE_KEY = "pk_test_" + SUFFIX

RECORDING_STRIPE_JS = r"""
(function () {
  var calls = window.__kitStripeCalls = [];
  function record(name, args) { calls.push(JSON.parse(JSON.stringify({name: name, args: args}))); }
  var confirmed = false;
  window.Stripe = function (publishableKey, options) {
    record('Stripe', [publishableKey, options || null]);
    function intent(clientSecret) {
      return {id: clientSecret.split('_secret_')[0], object: 'payment_intent', amount: 1099,
              currency: 'usd', status: confirmed ? 'succeeded' : 'requires_payment_method'};
    }
    return {
      elements: function (options) {
        record('elements', [options]);
        return {
          create: function (type, options) {
            record('create', [type, options || null]);
            var handlers = {};
            return {
              on: function (name, fn) {
                (handlers[name] = handlers[name] || []).push(fn);
                if ((window.__kitHandlers = window.__kitHandlers || []).indexOf(handlers) === -1) {
                  window.__kitHandlers.push(handlers);
                }
                return this;
              },
              mount: function (target) {
                var node = typeof target === 'string' ? document.querySelector(target) : target;
                record('mount', [typeof target === 'string' ? target : node.id]);
                node.textContent = 'Recorded Payment Element (fake Stripe.js)';
                setTimeout(function () {
                  (handlers.ready || []).forEach(function (fn) { fn({elementType: type}); });
                });
              },
              destroy: function () {},
            };
          },
        };
      },
      retrievePaymentIntent: function (clientSecret) {
        record('retrievePaymentIntent', [clientSecret]);
        return Promise.resolve({paymentIntent: intent(clientSecret)});
      },
      confirmPayment: function (options) {
        record('confirmPayment', [{redirect: options.redirect, confirmParams: options.confirmParams,
                                   hasElements: Boolean(options.elements)}]);
        confirmed = true;
        return Promise.resolve({});
      },
    };
  };
})();
"""


def test_widget_loads_real_stripe_js_with_test_keys(offline_page: Any, voila: Any,
                                                    emulator_server: Any,
                                                    checkout_notebook: str) -> None:
    page = offline_page
    page.kit.fulfil(STRIPE_JS, RECORDING_STRIPE_JS)
    server = voila(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
                   KIT_STRIPE_API_BASE=emulator_server.url)

    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nVoilà log:\n{server.log_tail()}"

    goto(page, server.url(checkout_notebook), f"Voilà to render {checkout_notebook}",
         detail=detail)
    wait_for(page.get_by_text("Recorded Payment Element (fake Stripe.js)").first,
             "the widget to mount the (recording) Stripe.js Payment Element", detail=detail)

    assert STRIPE_JS in page.kit.outside, "the widget must load Stripe.js from js.stripe.com"
    calls = page.evaluate("window.__kitStripeCalls")
    by_name = {}
    for call in calls:
        by_name.setdefault(call["name"], []).append(call["args"])
    assert by_name["Stripe"][0][0] == PUBLISHABLE_KEY
    options = by_name["elements"][0][0]
    assert re.fullmatch(r"pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+", options["clientSecret"])
    assert options["customerSessionClientSecret"].startswith("cuss_secret_")
    assert by_name["create"][0] == ["payment", {"layout": "accordion"}]
    assert by_name["mount"][0] == ["payment-element"]
    assert by_name["retrievePaymentIntent"][0] == [options["clientSecret"]]

    widget = page.locator(".kit-payment-element").filter(
        has=page.get_by_text("Recorded Payment Element (fake Stripe.js)")).first
    # A redirect method would take the notebook to the bank's site: online, the widget refuses.
    fire = ("type => window.__kitHandlers.forEach(h => (h.change || []).forEach(fn => fn("
            "{elementType: 'payment', empty: false, complete: true, value: {type}})))")
    page.evaluate(fire, "ideal")
    widget.get_by_role("note").filter(has_text="would take this notebook away").wait_for()
    assert widget.get_by_role("button", name="Pay $10.99").is_disabled()
    page.evaluate(fire, "card")
    assert widget.get_by_role("button", name="Pay $10.99").is_enabled()

    # The page code's confirm call, as the seed writes it (with redirect: 'if_required').
    widget.get_by_role("button", name="Pay $10.99").click()
    wait_for(widget.get_by_text("Success! Payment received."),
             "the widget to say the payment succeeded", OUTCOME_MS, detail)
    confirm = page.evaluate(
        "window.__kitStripeCalls.filter(c => c.name === 'confirmPayment')[0].args[0]")
    assert confirm["redirect"] == "if_required" and confirm["hasElements"]
    assert confirm["confirmParams"]["return_url"]

    outside = page.kit.outside_but_voila_template
    assert set(outside) == {STRIPE_JS}, f"requests left 127.0.0.1: {outside}"

    # Same notebook, a browser where js.stripe.com is blocked: a clear message, not a blank box.
    blocked = page.context.browser.new_context()
    blocked.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        server.base) else route.abort())
    other = blocked.new_page()
    try:
        goto(other, server.url(checkout_notebook),
             f"Voilà to render {checkout_notebook} (js.stripe.com blocked)", detail=detail)
        alert = other.get_by_role("alert").filter(
            has_text="Stripe.js could not be loaded from https://js.stripe.com/v3/").first
        wait_for(alert, "the widget's alert that Stripe.js could not be loaded",
                 WIDGET_READY_MS, detail)
        assert "To work offline, remove the test keys" in alert.inner_text()
    finally:
        blocked.close()
