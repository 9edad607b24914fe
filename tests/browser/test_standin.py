"""The Stripe.js stand-in and checkout.js in a bare page, against a fake API transport.

Fast and exact: no Jupyter, no emulator. A scripted fake answers the four requests Stripe.js
makes, records them, and lets the tests check the request sequence, the form's validation
messages, the event payloads and the redirect URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PI_SECRET = "pi_3Test0000000000000000001_secret_" + "fakeFAKEfakeFAKEfakeFAKE1"
CUSS_SECRET = "cuss_secret_" + "fake" * 11 + "abc"

FAKE_API = r"""
window.kitCalls = [];
window.kitNavigations = [];
window.kitEvents = [];
const card = (id, brand, last4, exp_year) => ({
  id, object: 'payment_method', type: 'card', allow_redisplay: 'always',
  billing_details: {address: {country: 'US', postal_code: '94103'}, email: null, name: 'Jenny Rosen'},
  card: {brand, last4, exp_month: 12, exp_year},
});
window.kitFake = {
  pi: {id: 'pi_3Test0000000000000000001', object: 'payment_intent', amount: 1099, currency: 'usd',
       status: 'requires_payment_method', client_secret: PI_SECRET, payment_method: null,
       last_payment_error: null, next_action: null},
  session: {
    object: 'elements_session', livemode: false, payment_method_types: ['card'],
    customer: {id: 'cus_fake', default_payment_method: 'pm_visa',
               payment_methods: [card('pm_visa', 'visa', '4242', 2034), card('pm_mc', 'mastercard', '4444', 2030)]},
    customer_session: {features: {payment_method_redisplay: 'enabled'}},
  },
  cards: {},
};
window.fakeTransport = async (method, path, params) => {
  window.kitCalls.push({method, path, params: JSON.parse(JSON.stringify(params || {}))});
  const fake = window.kitFake;
  if (method === 'GET' && path === '/v1/elements/sessions') {
    if (params.client_secret !== PI_SECRET) {
      return {status: 400, body: {error: {type: 'invalid_request_error', message: 'No such client secret.'}}};
    }
    return {status: 200, body: fake.session};
  }
  if (method === 'GET' && path === '/v1/payment_intents/' + fake.pi.id) return {status: 200, body: fake.pi};
  if (method === 'POST' && path === '/v1/payment_methods') {
    const id = 'pm_new_' + (Object.keys(fake.cards).length + 1);
    fake.cards[id] = params.card ? params.card.number : params.type;
    if (params.type !== 'card') {
      return {status: 200, body: {id, object: 'payment_method', type: params.type,
        billing_details: params.billing_details}};
    }
    return {status: 200, body: {id, object: 'payment_method', type: 'card',
      card: {brand: 'visa', last4: params.card.number.slice(-4)}, billing_details: params.billing_details}};
  }
  if (method === 'POST' && path === '/v1/payment_intents/' + fake.pi.id + '/confirm') {
    if (fake.cards[params.payment_method] === '4000002760003184') {
      fake.pi = Object.assign({}, fake.pi, {status: 'requires_action', payment_method: params.payment_method,
        next_action: {type: 'use_stripe_sdk', use_stripe_sdk: {type: 'three_d_secure_redirect'}}});
      return {status: 200, body: fake.pi};
    }
    if (fake.cards[params.payment_method] === '4000000000000002') {
      fake.pi = Object.assign({}, fake.pi, {status: 'requires_payment_method'});
      return {status: 402, body: {error: {type: 'card_error', code: 'card_declined',
        decline_code: 'generic_decline', message: 'Your card was declined.', payment_intent: fake.pi}}};
    }
    if (fake.confirmError) return {status: 400, body: {error: fake.confirmError}};
    if (['ideal', 'bancontact'].includes(fake.cards[params.payment_method])) {
      fake.pi = Object.assign({}, fake.pi, {status: 'requires_action', payment_method: params.payment_method,
        next_action: {type: 'redirect_to_url', redirect_to_url: {
          url: 'http://127.0.0.1:12111/kit/redirect/pa_nonce_Fake0001', return_url: params.return_url}}});
      return {status: 200, body: fake.pi};
    }
    const bankDebit = ['us_bank_account', 'sepa_debit'].includes(fake.cards[params.payment_method]);
    fake.pi = Object.assign({}, fake.pi, {status: bankDebit ? 'processing' : 'succeeded',
      payment_method: params.payment_method, next_action: fake.nextAction || null});
    return {status: 200, body: fake.pi};
  }
  if (method === 'POST' && path === '/v1/test_helpers/kit/payment_intents/' + fake.pi.id + '/authenticate') {
    if (params.outcome === 'complete') {
      fake.pi = Object.assign({}, fake.pi, {status: 'succeeded', next_action: null});
    } else {
      fake.pi = Object.assign({}, fake.pi, {status: 'requires_payment_method', next_action: null,
        payment_method: null, last_payment_error: {type: 'invalid_request_error',
          code: 'payment_intent_authentication_failure',
          message: 'The provided PaymentMethod has failed authentication.'}});
    }
    return {status: 200, body: fake.pi};
  }
  const detach = /^\/v1\/elements\/sessions\/payment_methods\/(pm_\w+)\/detach$/.exec(path);
  if (method === 'POST' && detach) {
    const methods = fake.session.customer.payment_methods;
    const pm = methods.find((p) => p.id === detach[1]);
    if (fake.detachFails) {
      return {status: 400, body: {error: {type: 'invalid_request_error', message: 'Removal is not allowed.'}}};
    }
    fake.session.customer.payment_methods = methods.filter((p) => p.id !== detach[1]);
    return {status: 200, body: Object.assign({}, pm, {customer: null})};
  }
  return {status: 404, body: {error: {type: 'invalid_request_error', message: 'Unrecognized request URL'}}};
};
window.FakeStripeInline = KitStripeStandin.create(window.fakeTransport, {
  inlineRedirects: true,
  navigate: (url) => {
    window.kitNavigations.push(url);
    showStatusPage({Stripe: window.FakeStripeInline, publishableKey: 'pk_test_fake', url,
      container: document.getElementById('shop'),
      report: (kind, data) => window.kitEvents.push({kind, data}),
      onRetry: () => window.kitEvents.push({kind: 'retry', data: {}})});
  },
  now: () => new Date('2026-11-26T12:00:00Z'),
});
window.FakeStripe = KitStripeStandin.create(window.fakeTransport, {
  navigate: (url) => window.kitNavigations.push(url),
  now: () => new Date('2026-11-26T12:00:00Z'),
});
"""


def page_html() -> str:
    standin = (ASSETS / "stripe-standin.js").read_text()
    checkout = (ASSETS / "checkout.js").read_text()
    return ("<!doctype html><html><head><meta charset='utf-8'><title>stand-in</title></head>"
            "<body><main id='shop'></main>"
            f"<script>{standin}</script><script>{checkout}</script>"
            f"<script>const PI_SECRET = {json.dumps(PI_SECRET)};{FAKE_API}</script>"
            "</body></html>")


@pytest.fixture
def page(offline_page: Any) -> Any:
    offline_page.set_content(page_html())
    assert offline_page.evaluate("typeof window.Stripe") == "undefined", (
        "inlined (not served), the stand-in must not install window.Stripe")
    yield offline_page
    errors = [line for line in offline_page.kit_console if line.startswith("pageerror")]
    assert not errors, errors
    assert offline_page.kit.outside == []


def mount(page: Any, **options: Any) -> None:
    """Run the guide's checkout code against the fake, reporting into window.kitEvents."""
    options = {"layout": "accordion", "returnUrl": "https://shop.example/done?order=123",
               **options}
    page.evaluate(
        """async (options) => {
            window.checkout = await mountCheckout(Object.assign({
              Stripe: window.FakeStripe, publishableKey: 'pk_test_fake',
              clientSecret: PI_SECRET, customerSessionClientSecret: CUSS,
              container: document.getElementById('shop'),
              report: (kind, data) => window.kitEvents.push({kind, data}),
            }, options));
        }""".replace("CUSS", json.dumps(CUSS_SECRET)),
        options)
    page.get_by_role("radiogroup").first.wait_for()


def calls(page: Any) -> list[tuple[str, str]]:
    return [(c["method"], c["path"]) for c in page.evaluate("window.kitCalls")]


def events(page: Any, kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in page.evaluate("window.kitEvents") if e["kind"] == kind]


def fill_card(page: Any, number: str, expiry: str = "12 / 34", cvc: str = "123",
              zip_code: str = "12345") -> None:
    page.get_by_role("radio", name="Card", exact=True).check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration date").fill(expiry)
    page.get_by_label("Security code").fill(cvc)
    page.get_by_label("ZIP").fill(zip_code)


def test_saved_methods_are_named_radios(page: Any) -> None:
    mount(page)
    group = page.get_by_role("radiogroup", name="Payment method")
    radios = group.get_by_role("radio")
    assert radios.count() == 3
    visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True)
    assert visa.is_checked(), "the customer's default method is preselected"
    assert page.get_by_role("radio", name="Mastercard •••• 4444", exact=True).is_visible()
    assert page.get_by_role("radio", name="Card", exact=True).is_visible()
    assert page.get_by_text("Expires 12/34").is_visible()
    assert visa.get_attribute("aria-describedby")
    assert page.locator("#submit").inner_text() == "Pay $10.99"
    assert page.get_by_label("Card number").is_hidden()
    assert calls(page) == [("GET", "/v1/payment_intents/pi_3Test0000000000000000001"),
                           ("GET", "/v1/elements/sessions")]
    session_params = page.evaluate("window.kitCalls[1].params")
    assert session_params == {"client_secret": PI_SECRET,
                              "customer_session_client_secret": CUSS_SECRET}
    assert events(page, "ready") == [{}]
    assert events(page, "change")[-1] == {"type": "card", "complete": True, "empty": False,
                                          "payment_method": "pm_visa"}


def test_pay_with_a_saved_card(page: Any) -> None:
    mount(page)
    page.get_by_role("radio", name="Mastercard •••• 4444").check()
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Success! Payment received.").wait_for()
    assert calls(page)[2:] == [
        ("POST", "/v1/payment_intents/pi_3Test0000000000000000001/confirm"),
        ("GET", "/v1/payment_intents/pi_3Test0000000000000000001")]
    confirm = page.evaluate("window.kitCalls[2].params")
    assert confirm == {"client_secret": PI_SECRET, "payment_method": "pm_mc",
                       "use_stripe_sdk": True, "return_url": "https://shop.example/done?order=123"}
    assert events(page, "outcome") == [{"payment_intent_id": "pi_3Test0000000000000000001",
                                        "status": "succeeded", "error": None}]
    assert page.locator("#submit").is_disabled()


def test_pay_with_a_new_card(page: Any) -> None:
    mount(page)
    fill_card(page, "4242424242424242")
    assert page.get_by_label("Card number").input_value() == "4242 4242 4242 4242"
    assert page.get_by_label("Expiration date").input_value() == "12 / 34"
    change = events(page, "change")[-1]
    assert change == {"type": "card", "complete": True, "empty": False, "payment_method": None}
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Success! Payment received.").wait_for()
    assert [c[1] for c in calls(page)[2:]] == [
        "/v1/payment_methods", "/v1/payment_intents/pi_3Test0000000000000000001/confirm",
        "/v1/payment_intents/pi_3Test0000000000000000001"]
    created = page.evaluate("window.kitCalls[2].params")
    assert created == {"type": "card",
                       "card": {"number": "4242424242424242", "exp_month": "12",
                                "exp_year": "2034", "cvc": "123"},
                       "billing_details": {"address": {"country": "US", "postal_code": "12345"}}}
    confirm = page.evaluate("window.kitCalls[3].params")
    assert confirm["payment_method"] == "pm_new_1"
    assert confirm["client_secret"] == PI_SECRET


def test_declined_card_shows_stripe_message_and_status(page: Any) -> None:
    mount(page)
    fill_card(page, "4000000000000002")
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Your card was declined.").wait_for()
    assert page.locator("#error-message").inner_text() == "Your card was declined."
    assert page.locator("#message").inner_text() == (
        "Payment failed. Please try another payment method.")
    assert events(page, "outcome")[-1] == {
        "payment_intent_id": "pi_3Test0000000000000000001", "status": "requires_payment_method",
        "error": {"type": "card_error", "code": "card_declined",
                  "decline_code": "generic_decline", "message": "Your card was declined."}}
    assert page.locator("#submit").is_enabled(), "the customer can try another method"


def test_a_non_card_error_shows_the_generic_message(page: Any) -> None:
    """Stripe's pattern: error.message only for card_error and validation_error."""
    page.evaluate("window.kitFake.confirmError = {type: 'invalid_request_error',"
                  " code: 'payment_intent_unexpected_state',"
                  " message: 'This PaymentIntent has a status of canceled.'}")
    mount(page)
    page.get_by_role("button", name="Pay $10.99").click()
    page.locator("#error-message", has_text="An unexpected error occurred.").wait_for()
    assert page.get_by_text("This PaymentIntent has a status of canceled.").count() == 0
    assert events(page, "outcome")[-1]["error"] == {
        "type": "invalid_request_error", "code": "payment_intent_unexpected_state",
        "decline_code": None, "message": "This PaymentIntent has a status of canceled."}


@pytest.mark.parametrize("field,value,message", [
    ("Card number", "4242 4242", "Your card number is incomplete."),
    ("Card number", "4242424242424241", "Your card number is invalid."),
    ("Expiration date", "1", "Your card's expiration date is incomplete."),
    ("Expiration date", "12 / 20", "Your card's expiration year is in the past."),
    ("Security code", "12", "Your card's security code is incomplete."),
    ("ZIP", "123", "Your ZIP is incomplete."),
])
def test_inline_validation_messages(page: Any, field: str, value: str, message: str) -> None:
    mount(page)
    page.get_by_role("radio", name="Card", exact=True).check()
    box = page.get_by_label(field)
    box.fill(value)
    box.blur()
    error = page.get_by_text(message)
    error.wait_for()
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == error.get_attribute("id")


def test_submit_reports_validation_errors_without_calling_stripe(page: Any) -> None:
    mount(page)
    page.get_by_role("radio", name="Card", exact=True).check()
    result = page.evaluate("window.checkout.elements.submit()")
    assert result == {"error": {"type": "validation_error", "code": "incomplete_number",
                                "message": "Your card number is incomplete."}}
    page.get_by_role("button", name="Pay $10.99").click()
    page.locator("#error-message", has_text="Your card number is incomplete.").wait_for()
    assert page.get_by_text("Your card's expiration date is incomplete.").is_visible()
    assert page.get_by_label("Card number").evaluate("n => n === document.activeElement")
    assert [c[0] for c in calls(page)] == ["GET", "GET"], "nothing was sent"
    assert events(page, "outcome")[-1]["error"]["type"] == "validation_error"
    assert page.locator("#submit").is_enabled()


def test_keyboard_only_checkout(page: Any) -> None:
    mount(page)
    page.get_by_role("radio", name="Visa •••• 4242").focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Mastercard •••• 4444").is_checked()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Card", exact=True).is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('autocomplete')") == "cc-number"
    page.keyboard.type("4242424242424242")
    page.keyboard.press("Tab")
    page.keyboard.type("1234")
    page.keyboard.press("Tab")
    page.keyboard.type("123")
    page.keyboard.press("Tab")  # country: keep United States
    page.keyboard.press("Tab")
    page.keyboard.type("94103")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit"
    page.keyboard.press("Enter")
    page.get_by_text("Success! Payment received.").wait_for()


def test_change_focus_and_blur_events(page: Any) -> None:
    page.evaluate("""() => {
        const stripe = window.FakeStripe('pk_test_fake');
        const elements = stripe.elements({clientSecret: PI_SECRET});
        const element = elements.create('payment', {layout: 'tabs'});
        window.seen = [];
        for (const name of ['ready', 'change', 'focus', 'blur']) {
          element.on(name, (event) => window.seen.push([name, event]));
        }
        element.mount('#shop');
    }""")
    page.get_by_role("radio", name="Card", exact=True).wait_for(state="attached")
    seen = page.evaluate("window.seen")
    assert seen[0] == ["ready", {"elementType": "payment"}]
    assert seen[1][0] == "change"
    first = seen[1][1]
    assert first["value"]["payment_method"]["id"] == "pm_visa"
    assert first["value"]["payment_method"]["billing_details"]["name"] == "Jenny Rosen"
    page.get_by_text("Card", exact=True).click()
    page.get_by_label("Card number").fill("4242")
    names = [name for name, _ in page.evaluate("window.seen")]
    assert "focus" in names
    last = page.evaluate("window.seen.filter(e => e[0] === 'change').pop()[1]")
    assert last == {"elementType": "payment", "empty": False, "complete": False,
                    "collapsed": False, "value": {"type": "card"}}
    page.mouse.click(900, 800)  # outside the element
    assert page.evaluate("window.seen.pop()[0]") == "blur"


def test_redirect_always_goes_to_return_url_with_stripe_params(page: Any) -> None:
    page.evaluate("""async () => {
        const stripe = window.FakeStripe('pk_test_fake');
        window.elements = stripe.elements({clientSecret: PI_SECRET, customerSessionClientSecret: CUSS});
        window.elements.create('payment').mount('#shop');
        stripe.confirmPayment({elements: window.elements,
                               confirmParams: {return_url: 'https://shop.example/done?order=123'}});
    }""".replace("CUSS", json.dumps(CUSS_SECRET)))
    page.wait_for_function("window.kitNavigations.length === 1")
    url = page.evaluate("window.kitNavigations[0]")
    assert url == ("https://shop.example/done?order=123&payment_intent=pi_3Test0000000000000000001"
                   f"&payment_intent_client_secret={PI_SECRET}&redirect_status=succeeded")


def test_integration_errors_throw_like_stripe_js(page: Any) -> None:
    messages = page.evaluate("""async () => {
        const out = [];
        const attempt = async (fn) => { try { await fn(); out.push(null); }
                                        catch (e) { out.push([e.name, e.message]); } };
        await attempt(() => window.FakeStripe('sk_' + 'test_nope'));
        const stripe = window.FakeStripe('pk_test_fake');
        await attempt(() => stripe.elements({clientSecret: 'nonsense'}));
        const elements = stripe.elements({clientSecret: PI_SECRET});
        await attempt(() => elements.create('payment').mount('#missing'));
        await attempt(() => stripe.confirmPayment({elements, confirmParams: {}}));
        await attempt(() => stripe.retrievePaymentIntent('pi_123'));
        return out;
    }""")
    assert [m[0] if m else None for m in messages] == ["IntegrationError"] * 5
    assert "secret key" in messages[0][1]
    assert "(#missing) applies to no DOM elements" in messages[2][1]
    assert "return_url" in messages[3][1]


def test_retrieve_payment_intent_shapes(page: Any) -> None:
    result = page.evaluate("window.FakeStripe('pk_test_fake').retrievePaymentIntent(PI_SECRET)")
    assert result["paymentIntent"]["status"] == "requires_payment_method"
    page.evaluate("window.fakeTransport = null")
    failing = page.evaluate("""() => KitStripeStandin.create(async () => ({status: 404,
        body: {error: {type: 'invalid_request_error', code: 'resource_missing',
                       message: "No such payment_intent: 'pi_1'"}}}))('pk_test_x')
        .retrievePaymentIntent('pi_1_secret_abc')""")
    assert failing == {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                 "message": "No such payment_intent: 'pi_1'"}}
    offline = page.evaluate("""() => KitStripeStandin.create(async () => { throw new Error('down'); })
        ('pk_test_x').retrievePaymentIntent('pi_1_secret_abc')""")
    assert offline["error"]["type"] == "api_connection_error"


def test_load_error_is_reported(page: Any) -> None:
    page.evaluate("""() => {
        const stripe = window.FakeStripe('pk_test_fake');
        const element = stripe.elements({clientSecret: 'pi_3Other_secret_abc'}).create('payment');
        element.on('loaderror', (e) => { window.loadError = e; });
        element.mount('#shop');
    }""")
    page.get_by_role("alert").wait_for()
    assert page.evaluate("window.loadError") == {
        "elementType": "payment",
        "error": {"type": "invalid_request_error", "message": "No such client secret."}}


def test_other_element_types_are_labelled_placeholders(page: Any) -> None:
    page.evaluate("""() => {
        const elements = window.FakeStripe('pk_test_fake').elements({clientSecret: PI_SECRET});
        for (const type of ['linkAuthentication', 'address', 'expressCheckout', 'card']) {
          const box = document.createElement('div');
          document.getElementById('shop').appendChild(box);
          elements.create(type, {mode: 'shipping'}).mount(box);
        }
    }""")
    notes = page.get_by_role("note")
    assert notes.count() == 4
    assert "Address Element" in notes.nth(1).inner_text()
    assert "offline Stripe.js stand-in" in notes.nth(0).inner_text()


def test_appearance_variables_reach_the_css(page: Any) -> None:
    mount(page, appearance={"theme": "stripe", "variables": {
        "colorPrimary": "#635bff", "colorText": "#111111", "borderRadius": "12px",
        "fontFamily": "Georgia, serif", "colorBackground": "#fafafa"}})
    root = page.locator(".kit-pe")
    style = root.evaluate("""n => { const s = getComputedStyle(n);
        return [s.getPropertyValue('--kit-pe-color-primary'), s.color, s.fontFamily]; }""")
    assert style == ["#635bff", "rgb(17, 17, 17)", "Georgia, serif"]
    radio = page.get_by_role("radio", name="Visa •••• 4242")
    page.wait_for_timeout(300)  # the radio's border animates
    assert radio.evaluate("n => getComputedStyle(n).borderTopColor") == "rgb(99, 91, 255)"
    options = page.locator(".kit-pe__options")
    assert options.evaluate("n => getComputedStyle(n).borderTopLeftRadius") == "12px"


def test_tabs_layout_and_save_checkbox(page: Any) -> None:
    page.evaluate("""() => { window.kitFake.session.customer_session.features.payment_method_save = 'enabled';
                            window.kitFake.session.customer_session.features.payment_method_save_usage = 'on_session'; }""")
    mount(page, layout="tabs")
    assert page.locator(".kit-pe--tabs").count() == 1
    fill_card(page, "4242424242424242")
    page.get_by_label("Save payment details for future purchases").check()
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Success! Payment received.").wait_for()
    created = page.evaluate("window.kitCalls[2].params")
    confirm = page.evaluate("window.kitCalls[3].params")
    assert created["allow_redisplay"] == "always"
    assert confirm["setup_future_usage"] == "on_session"


def test_form_encoding_matches_stripe(page: Any) -> None:
    encoded = page.evaluate("""KitStripeStandin._internals.formEncode({
        type: 'card', card: {number: '4242', exp_month: 12}, expand: ['customer'],
        metadata: {}, skipped: undefined, empty: null})""")
    assert encoded == "type=card&card%5Bnumber%5D=4242&card%5Bexp_month%5D=12&expand%5B0%5D=customer"
    assert page.evaluate("KitStripeStandin._internals.luhnValid('4242424242424242')")
    assert not page.evaluate("KitStripeStandin._internals.luhnValid('4242424242424241')")


@pytest.mark.parametrize("choice,message,status", [
    ("Complete authentication", "Success! Payment received.", "succeeded"),
    ("Fail authentication", "Payment failed. Please try another payment method.",
     "requires_payment_method"),
])
def test_three_d_secure_modal(page: Any, choice: str, message: str, status: str) -> None:
    mount(page)
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name="Pay $10.99").click()
    dialog = page.get_by_role("dialog", name="3D Secure 2 test authentication")
    dialog.wait_for()
    assert dialog.get_by_role("button", name="Complete authentication").evaluate(
        "n => n === document.activeElement"), "focus moves into the dialog"
    dialog.get_by_role("button", name=choice).click()
    page.get_by_text(message).wait_for()
    assert dialog.count() == 0
    authenticate = [c for c in page.evaluate("window.kitCalls") if c["path"].endswith("/authenticate")]
    assert authenticate[0]["params"] == {"client_secret": PI_SECRET,
                                         "outcome": choice.split()[0].lower()}
    assert events(page, "outcome")[-1]["status"] == status
    if status != "succeeded":
        # not a card_error: the customer gets Stripe's generic message, the page the details
        assert page.locator("#error-message").inner_text() == "An unexpected error occurred."
        assert events(page, "outcome")[-1]["error"] == {
            "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
            "decline_code": None,
            "message": "The provided PaymentMethod has failed authentication."}


def test_three_d_secure_escape_fails_the_challenge(page: Any) -> None:
    mount(page)
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_role("dialog").wait_for()
    page.keyboard.press("Escape")
    page.get_by_text("Payment failed. Please try another payment method.").wait_for()


def offer_bank_debits(page: Any) -> None:
    page.evaluate("window.kitFake.session.payment_method_types = "
                  "['card', 'link', 'us_bank_account', 'sepa_debit']")


def test_bank_debit_options_follow_the_intent(page: Any) -> None:
    mount(page)
    names = page.get_by_role("radio").evaluate_all(
        "radios => radios.map(r => document.getElementById(r.getAttribute('aria-labelledby')).textContent)")
    assert names == ["Visa •••• 4242", "Mastercard •••• 4444", "Card"], "only what the intent offers"
    page.evaluate("window.checkout.destroy()")
    offer_bank_debits(page)
    mount(page)
    names = page.get_by_role("radio").evaluate_all(
        "radios => radios.map(r => document.getElementById(r.getAttribute('aria-labelledby')).textContent)")
    assert names == ["Visa •••• 4242", "Mastercard •••• 4444", "Card", "US bank account",
                     "SEPA Debit"]


def test_pay_by_us_bank_account(page: Any) -> None:
    offer_bank_debits(page)
    mount(page)
    page.get_by_role("radio", name="US bank account").check()
    form = page.get_by_role("group", name="US bank account details")
    form.get_by_label("Full name").fill("Jenny Rosen")
    form.get_by_label("Email").fill("jenny@example.com")
    form.get_by_label("Routing number").fill("110000000")
    form.get_by_label("Account number", exact=True).fill("000123456789")
    form.get_by_label("Confirm account number").fill("000123456789")
    assert events(page, "change")[-1]["type"] == "us_bank_account"
    assert events(page, "change")[-1]["complete"] is True
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Payment processing. We'll update you when payment is received.").wait_for()
    created = page.evaluate("window.kitCalls[2].params")
    assert created == {"type": "us_bank_account",
                       "us_bank_account": {"routing_number": "110000000",
                                           "account_number": "000123456789",
                                           "account_holder_type": "individual"},
                       "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"}}
    assert events(page, "outcome")[-1]["status"] == "processing"


@pytest.mark.parametrize("method,field,value,message", [
    ("US bank account", "Routing number", "110000001", "Your routing number is invalid."),
    ("US bank account", "Routing number", "1100", "Your routing number is incomplete."),
    ("US bank account", "Email", "jenny@", "Your email address is invalid."),
    ("SEPA Debit", "IBAN", "DE89370400440532013001", "Your IBAN is invalid."),
    ("SEPA Debit", "IBAN", "DE89 3704", "Your IBAN is incomplete."),
])
def test_bank_details_validation(page: Any, method: str, field: str, value: str,
                                 message: str) -> None:
    offer_bank_debits(page)
    mount(page)
    page.get_by_role("radio", name=method).check()
    box = page.get_by_label(field, exact=True)
    box.fill(value)
    box.blur()
    page.get_by_text(message).wait_for()


def test_account_numbers_must_match(page: Any) -> None:
    offer_bank_debits(page)
    mount(page)
    page.get_by_role("radio", name="US bank account").check()
    page.get_by_label("Account number", exact=True).fill("000123456789")
    page.get_by_label("Confirm account number").fill("000123456788")
    page.get_by_label("Confirm account number").blur()
    page.get_by_text("Your account numbers don't match.").wait_for()
    result = page.evaluate("window.checkout.elements.submit()")
    assert result["error"]["code"] == "incomplete_name", "the first problem, in form order"


def test_sepa_iban_is_grouped_and_sent_compact(page: Any) -> None:
    offer_bank_debits(page)
    mount(page, layout="tabs")
    page.get_by_role("radio", name="SEPA Debit").check()
    page.get_by_label("Full name").fill("Jenny Rosen")
    page.get_by_label("Email").fill("jenny@example.com")
    page.get_by_label("IBAN").fill("de89370400440532013000")
    assert page.get_by_label("IBAN").input_value() == "DE89 3704 0044 0532 0130 00"
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Payment processing. We'll update you when payment is received.").wait_for()
    created = page.evaluate("window.kitCalls[2].params")
    assert created["sepa_debit"] == {"iban": "DE89370400440532013000"}


def test_update_appearance_and_layout_after_mount(page: Any) -> None:
    mount(page)
    page.evaluate("window.checkout.elements.update({appearance: {theme: 'night',"
                  " variables: {colorPrimary: '#ff0000'}}})")
    root = page.locator(".kit-pe")
    assert root.evaluate("n => n.style.getPropertyValue('--kit-pe-color-primary')") == "#ff0000"
    assert "kit-theme-night" in root.get_attribute("class")
    page.evaluate("window.checkout.paymentElement.update({layout: 'tabs'})")
    assert "kit-pe--tabs" in page.locator(".kit-pe").get_attribute("class")
    assert page.get_by_role("radio", name="Visa •••• 4242").is_checked(), "selection survives"


def test_two_checkouts_on_one_page_stay_apart(page: Any) -> None:
    page.evaluate("""() => { const shop = document.getElementById('shop');
        for (const id of ['first', 'second']) {
          const box = document.createElement('section'); box.id = id; shop.appendChild(box); } }""")
    for target in ("first", "second"):
        page.evaluate("""async (target) => {
            await mountCheckout({Stripe: window.FakeStripe, publishableKey: 'pk_test_fake',
              clientSecret: PI_SECRET, container: document.getElementById(target),
              report: (kind, data) => window.kitEvents.push({kind, data, target})});
        }""", target)
    second = page.locator("#second")
    second.get_by_role("radio", name="Card", exact=True).check()
    second.get_by_label("Card number").fill("4242424242424242")
    second.get_by_label("Expiration date").fill("12 / 34")
    second.get_by_label("Security code").fill("123")
    second.get_by_label("ZIP").fill("12345")
    second.get_by_role("button", name="Pay $10.99").click()
    second.get_by_text("Success! Payment received.").wait_for()
    first = page.locator("#first")
    assert first.locator("#message").inner_text() == ""
    assert first.get_by_role("radio", name="Visa •••• 4242").is_checked()
    assert first.get_by_label("Card number").count() == 0
    outcomes = [e["target"] for e in page.evaluate("window.kitEvents") if e["kind"] == "outcome"]
    assert outcomes == ["second"]


# ---- redirect methods (iDEAL, Bancontact) -------------------------------------------------------

def offer_redirect_methods(page: Any) -> None:
    # 'sofort' too, as an intent from before its end might list it: the stand-in must not offer
    # it (Stripe discontinued Sofort on 31 March 2025).
    page.evaluate("window.kitFake.session.payment_method_types = "
                  "['card', 'sepa_debit', 'ideal', 'bancontact', 'sofort']")


def test_redirect_methods_follow_the_intent(page: Any) -> None:
    offer_redirect_methods(page)
    mount(page)
    for name in ("iDEAL", "Bancontact", "SEPA Debit", "Card"):
        assert page.get_by_role("radio", name=name, exact=True).count() == 1, name
    assert page.get_by_role("radio", name="Sofort").count() == 0, "Sofort is discontinued"
    page.get_by_role("radio", name="iDEAL").check()
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Please select your bank.").first.wait_for()
    assert events(page, "outcome")[-1]["error"]["type"] == "validation_error"


@pytest.mark.parametrize("choice,message,redirect_status", [
    ("Authorize test payment", "Success! Payment received.", "succeeded"),
    ("Fail test payment", "Payment failed. Please try another payment method.", "failed"),
])
def test_ideal_bank_page_and_return_page_stay_in_place(page: Any, choice: str, message: str,
                                                       redirect_status: str) -> None:
    offer_redirect_methods(page)
    page.evaluate("""async () => {
        window.checkout = await mountCheckout({Stripe: window.FakeStripeInline, publishableKey: 'pk_test_fake',
          clientSecret: PI_SECRET, customerSessionClientSecret: CUSS, layout: 'accordion',
          returnUrl: 'https://shop.example/done?order=123', container: document.getElementById('shop'),
          report: (kind, data) => window.kitEvents.push({kind, data})});
    }""".replace("CUSS", json.dumps(CUSS_SECRET)))
    page.get_by_role("radio", name="iDEAL").check()
    page.get_by_label("iDEAL Bank").select_option("ing")
    page.get_by_role("button", name="Pay $10.99").click()
    bank = page.get_by_role("region", name="iDEAL test payment page")
    bank.wait_for()
    bank.get_by_role("button", name=choice).click()
    page.get_by_text(message).wait_for()
    url = page.evaluate("window.kitNavigations[0]")
    assert url == ("https://shop.example/done?order=123&payment_intent=pi_3Test0000000000000000001"
                   f"&payment_intent_client_secret={PI_SECRET}&redirect_status={redirect_status}")
    created = [c for c in page.evaluate("window.kitCalls") if c["path"] == "/v1/payment_methods"]
    assert created[-1]["params"] == {"type": "ideal", "ideal": {"bank": "ing"}, "billing_details": {}}
    confirm = [c for c in page.evaluate("window.kitCalls") if c["path"].endswith("/confirm")][-1]
    assert confirm["params"]["return_url"] == "https://shop.example/done?order=123"
    outcome = events(page, "outcome")[-1]
    assert outcome["redirect_status"] == redirect_status
    if redirect_status == "failed":
        page.get_by_role("button", name="Try another payment method").click()
        assert events(page, "retry")


def test_served_script_redirects_to_the_bank_page(page: Any) -> None:
    offer_redirect_methods(page)
    mount(page)
    page.get_by_role("radio", name="Bancontact").check()
    page.get_by_label("Full name").fill("Jenny Rosen")
    page.get_by_role("button", name="Pay $10.99").click()
    page.wait_for_function("window.kitNavigations.length === 1")
    assert page.evaluate("window.kitNavigations[0]") == (
        "http://127.0.0.1:12111/kit/redirect/pa_nonce_Fake0001")


# ---- saved methods per CustomerSession ----------------------------------------------------------

def saved_card(pm_id: str, last4: str, allow_redisplay: str, pm_type: str = "card") -> dict:
    details = {"brand": "visa", "last4": last4, "exp_month": 12, "exp_year": 2034}
    return {"id": pm_id, "object": "payment_method", "type": pm_type,
            "allow_redisplay": allow_redisplay, "billing_details": {}, pm_type: details}


def set_session(page: Any, methods: list[dict], features: dict) -> None:
    page.evaluate("([methods, features]) => { window.kitFake.session.customer.payment_methods = methods;"
                  " window.kitFake.session.customer.default_payment_method = null;"
                  " window.kitFake.session.customer_session.features = features; }",
                  [methods, features])


def shown(page: Any) -> list[str]:
    return page.get_by_role("radio").evaluate_all(
        "radios => radios.map(r => document.getElementById(r.getAttribute('aria-labelledby')).textContent)")


@pytest.mark.parametrize("features,expected", [
    ({"payment_method_redisplay": "disabled"}, ["Card"]),
    ({}, ["Card"]),
    ({"payment_method_redisplay": "enabled"}, ["Visa •••• 0001", "Card"]),
    ({"payment_method_redisplay": "enabled", "payment_method_allow_redisplay_filters": ["limited"]},
     ["Visa •••• 0002", "Card"]),
    ({"payment_method_redisplay": "enabled", "payment_method_allow_redisplay_filters":
      ["always", "limited", "unspecified"], "payment_method_redisplay_limit": 1},
     ["Visa •••• 0001", "Card"]),
    ({"payment_method_redisplay": "enabled", "payment_method_allow_redisplay_filters":
      ["always", "limited", "unspecified"]}, ["Visa •••• 0001", "Visa •••• 0002", "Visa •••• 0003", "Card"]),
])
def test_saved_methods_follow_the_customer_session(page: Any, features: dict,
                                                   expected: list[str]) -> None:
    methods = [saved_card("pm_a", "0001", "always"), saved_card("pm_b", "0002", "limited"),
               saved_card("pm_c", "0003", "unspecified"), saved_card("pm_k", "0004", "always", "klarna"),
               saved_card("pm_s", "0005", "always", "sepa_debit")]
    set_session(page, methods, features)
    mount(page)
    assert shown(page) == expected, "klarna never shows; SEPA not on a card-only intent"


def test_redisplay_limit_ten(page: Any) -> None:
    methods = [saved_card(f"pm_{i:02d}", f"{i:04d}", "always") for i in range(12)]
    set_session(page, methods, {"payment_method_redisplay": "enabled",
                                "payment_method_redisplay_limit": 10})
    mount(page)
    assert len(shown(page)) == 11


def test_save_checkbox_sets_allow_redisplay_and_usage(page: Any) -> None:
    set_session(page, [], {"payment_method_redisplay": "enabled", "payment_method_save": "enabled",
                           "payment_method_save_usage": "on_session"})
    mount(page)
    fill_card(page, "4242424242424242")
    page.get_by_label("Save payment details for future purchases").check()
    page.get_by_role("button", name="Pay $10.99").click()
    page.get_by_text("Success! Payment received.").wait_for()
    created = [c for c in page.evaluate("window.kitCalls") if c["path"] == "/v1/payment_methods"][-1]
    assert created["params"]["allow_redisplay"] == "always"
    confirm = [c for c in page.evaluate("window.kitCalls") if c["path"].endswith("/confirm")][-1]
    assert confirm["params"]["setup_future_usage"] == "on_session"


def test_no_remove_control_unless_enabled(page: Any) -> None:
    mount(page)
    assert page.get_by_role("button", name="Remove Visa •••• 4242").count() == 0


def test_remove_a_saved_method(page: Any) -> None:
    page.evaluate("window.kitFake.session.customer_session.features.payment_method_remove = 'enabled'")
    page.evaluate("window.removals = []")
    mount(page)
    page.evaluate("window.checkout.paymentElement.on('savedpaymentmethodremove', e => window.removals.push(e))")
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    dialog = page.get_by_role("group", name="Remove Visa •••• 4242? You can add it again later.")
    dialog.get_by_role("button", name="Cancel").click()
    assert page.get_by_role("radio", name="Visa •••• 4242").count() == 1
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    dialog.get_by_role("button", name="Remove", exact=True).click()
    page.get_by_role("radio", name="Visa •••• 4242").wait_for(state="detached")
    assert page.get_by_role("radio", name="Mastercard •••• 4444").is_checked()
    detach = [c for c in page.evaluate("window.kitCalls") if c["path"].endswith("/detach")]
    assert detach[0]["path"] == "/v1/elements/sessions/payment_methods/pm_visa/detach"
    assert detach[0]["params"]["customer_session_client_secret"] == CUSS_SECRET
    removal = page.evaluate("window.removals")[0]
    assert removal["success"] is True and removal["payment_method"]["id"] == "pm_visa"
    assert events(page, "remove")[-1] == {"success": True, "payment_method": "pm_visa"}


def test_remove_failure_is_shown(page: Any) -> None:
    page.evaluate("window.kitFake.session.customer_session.features.payment_method_remove = 'enabled';"
                  "window.kitFake.detachFails = true")
    mount(page)
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    page.get_by_role("button", name="Remove", exact=True).click()
    page.get_by_text("Removal is not allowed.").wait_for()
    assert page.get_by_role("radio", name="Visa •••• 4242").count() == 1


# ---- appearance and locales -------------------------------------------------------------------

@pytest.mark.parametrize("theme", ["stripe", "night", "flat"])
def test_themes(page: Any, theme: str) -> None:
    mount(page, appearance={"theme": theme, "variables": {"borderRadius": "2px"}})
    root = page.locator(".kit-pe")
    assert f"kit-theme-{theme}" in root.get_attribute("class")
    background = root.evaluate("n => getComputedStyle(n).getPropertyValue('--kit-pe-color-background')")
    assert background.strip() == {"stripe": "#ffffff", "night": "#30313d", "flat": "#ffffff"}[theme]
    page.get_by_role("radio", name="Card", exact=True).check()
    number = page.get_by_label("Card number")
    assert number.evaluate("n => getComputedStyle(n).borderTopLeftRadius") == "2px"
    shadow = number.evaluate("n => getComputedStyle(n).boxShadow")
    assert (shadow == "none") == (theme == "flat")


def test_french_locale(page: Any) -> None:
    mount(page, locale="fr")
    assert page.get_by_role("radiogroup", name="Moyen de paiement").count() == 1
    page.get_by_role("radio", name="Carte", exact=True).check()
    for label in ("Numéro de carte", "Date d'expiration", "Code de sécurité", "Pays", "Code postal"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    page.get_by_label("Numéro de carte").fill("4242")
    pay = page.get_by_role("button", name="Payer 10,99\u00a0$US")  # the page's words too
    pay.click()
    page.get_by_text("Votre numéro de carte est incomplet.").first.wait_for()
    assert events(page, "outcome")[-1]["error"]["message"] == "Votre numéro de carte est incomplet."
    page.get_by_label("Numéro de carte").fill("4000000000000002")
    page.get_by_label("Date d'expiration").fill("12 / 34")
    page.get_by_label("Code de sécurité").fill("123")
    page.get_by_label("Code postal").fill("94103")
    pay.click()
    page.get_by_text("Votre carte a été refusée.").wait_for()


def test_locale_switch_after_mount(page: Any) -> None:
    mount(page, locale="en")
    page.evaluate("window.checkout.elements.update({locale: 'fr'})")
    page.get_by_role("radio", name="Carte", exact=True).wait_for()
    page.evaluate("window.checkout.setLocale('fr')")  # the page's words follow (the widget's way)
    page.get_by_role("button", name="Payer 10,99\u00a0$US").wait_for()
    page.evaluate("window.checkout.setLocale('en')")
    page.get_by_role("button", name="Pay $10.99").wait_for()


def test_payment_method_order_and_default_values(page: Any) -> None:
    offer_redirect_methods(page)
    page.evaluate("""async () => {
        const stripe = window.FakeStripe('pk_test_fake');
        const elements = stripe.elements({clientSecret: PI_SECRET});
        elements.create('payment', {layout: 'accordion', paymentMethodOrder: ['ideal', 'sepa_debit'],
          defaultValues: {billingDetails: {name: 'Jenny Rosen', email: 'jenny@example.com',
                                           address: {country: 'GB', postal_code: 'WS11 1DB'}}}}).mount('#shop');
    }""")
    page.get_by_role("radiogroup").wait_for()
    new_types = [name for name in shown(page) if "••••" not in name]
    assert new_types == ["iDEAL", "SEPA Debit", "Card", "Bancontact"]
    page.get_by_role("radio", name="SEPA Debit").check()
    assert page.get_by_label("Full name").input_value() == "Jenny Rosen"
    assert page.get_by_label("Email").input_value() == "jenny@example.com"
    page.get_by_role("radio", name="Card", exact=True).check()
    assert page.get_by_label("Country").input_value() == "GB"
    assert page.get_by_label("Postal code").input_value() == "WS11 1DB"
