"""The stand-in served by the emulator's HTTP server, used like Stripe.js by a plain web page.

This is the guide's flow without Jupyter: checkout.html loads `<script src=".../js.stripe.com/v3/">`
from the emulator, pays with a saved card, is redirected to its return_url (default
`redirect: 'always'`), and the return page's status.js reads the PaymentIntent from the query.
The shop pages come from another origin (a small server on another port) than the emulator,
so the stand-in's requests are real cross-origin fetches with `Authorization: Bearer pk_test_…`.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

pytestmark = pytest.mark.browser

SECRET_KEY = "sk_test_emulator_default"
PUBLISHABLE_KEY = "pk_test_emulator_default"


class Shop:
    """The merchant's web server: serves the pages a test puts in `pages` (path -> HTML)."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}
        self.pages = pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = pages.get(urlsplit(self.path).path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def shop() -> Iterator[Shop]:
    server = Shop()
    yield server
    server.server.shutdown()
    server.server.server_close()


def client_for(server_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": server_url},
                               http_client=stripe.new_default_http_client(),
                               max_network_retries=0)


def returning_customer(client: stripe.StripeClient, currency: str = "usd") -> dict[str, Any]:
    customer = client.v1.customers.create({"name": "Jenny Rosen"})
    for test_pm in ("pm_card_visa", "pm_card_mastercard"):
        pm = client.v1.payment_methods.attach(test_pm, {"customer": customer.id})
        client.v1.payment_methods.update(pm.id, {"allow_redisplay": "always"})
    intent = client.v1.payment_intents.create({
        "amount": 1099, "currency": currency, "customer": customer.id,
        "automatic_payment_methods": {"enabled": True}})
    session = client.v1.customer_sessions.create({
        "customer": customer.id,
        "components": {"payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled"}}}})
    return {"intent": intent, "session": session}


CHECKOUT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Checkout</title>
<script src="{api}/js.stripe.com/v3/"></script></head>
<body><main id="shop"></main>
<script>
  // The guide's checkout.js, with redirect: 'always' (the default) instead of 'if_required'.
  const stripe = Stripe('{pk}');
  const elements = stripe.elements({{clientSecret: '{secret}', customerSessionClientSecret: '{cuss}'}});
  const container = document.getElementById('shop');
  container.innerHTML = '<form id="payment-form"><div id="payment-element"></div>' +
    '<button id="submit">Submit</button><div id="error-message"></div></form>';
  const paymentElement = elements.create('payment', {{layout: 'accordion'}});
  paymentElement.mount('#payment-element');
  document.getElementById('payment-form').addEventListener('submit', async (event) => {{
    event.preventDefault();
    const {{error}} = await stripe.confirmPayment({{elements,
      confirmParams: {{return_url: '{shop}/order/123/complete?order=123'}}}});
    if (error) document.querySelector('#error-message').textContent = error.message;
  }});
</script></body></html>"""

STATUS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Order status</title>
<script src="{api}/js.stripe.com/v3/"></script></head>
<body><div id="message"></div>
<script>
  // The guide's status.js, verbatim apart from the key.
  const stripe = Stripe('{pk}');
  const clientSecret = new URLSearchParams(window.location.search).get(
    'payment_intent_client_secret'
  );
  stripe.retrievePaymentIntent(clientSecret).then(({{paymentIntent}}) => {{
    const message = document.querySelector('#message')
    switch (paymentIntent.status) {{
      case 'succeeded':
        message.innerText = 'Success! Payment received.';
        break;
      case 'processing':
        message.innerText = "Payment processing. We'll update you when payment is received.";
        break;
      case 'requires_payment_method':
        message.innerText = 'Payment failed. Please try another payment method.';
        break;
      default:
        message.innerText = 'Something went wrong.';
        break;
    }}
  }});
</script></body></html>"""


def shop_checkout(shop: Shop, emulator_server: Any,
                  currency: str = "usd") -> tuple[stripe.StripeClient, dict[str, Any]]:
    """A returning customer's intent and session, and the shop's checkout and return pages
    written for them; returns the API client and those objects."""
    client = client_for(emulator_server.url)
    objects = returning_customer(client, currency)
    fill = {"api": emulator_server.url, "pk": PUBLISHABLE_KEY,
            "secret": objects["intent"].client_secret,
            "cuss": objects["session"].client_secret, "shop": shop.url}
    shop.pages["/checkout"] = CHECKOUT_PAGE.format(**fill)
    shop.pages["/order/123/complete"] = STATUS_PAGE.format(**fill)
    return client, objects


def test_guide_flow_with_served_standin(offline_page: Any, emulator_server: Any,
                                        shop: Shop) -> None:
    page = offline_page
    client, objects = shop_checkout(shop, emulator_server)
    intent = objects["intent"]
    shop = shop.url
    api_requests: list[tuple[str, str | None]] = []
    page.on("request", lambda r: api_requests.append((r.method, r.headers.get("authorization")))
            if "/v1/" in r.url else None)

    page.goto(f"{shop}/checkout")
    assert page.evaluate("window.Stripe && window.Stripe.standin") == "kit-standin/1", (
        page.kit_console)
    page.get_by_role("radio", name="Visa •••• 4242").check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{shop}/order/123/complete?**")
    page.get_by_text("Success! Payment received.").wait_for()

    query = parse_qs(urlsplit(page.url).query)
    assert query["order"] == ["123"], "the merchant's own query parameters survive"
    assert query["payment_intent"] == [intent.id]
    assert query["payment_intent_client_secret"] == [intent.client_secret]
    assert query["redirect_status"] == ["succeeded"]
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    sent = [auth for method, auth in api_requests if method != "OPTIONS"]
    assert sent and set(sent) == {f"Bearer {PUBLISHABLE_KEY}"}
    assert page.kit.outside == []


def test_served_decline_stays_on_the_page(offline_page: Any, emulator_server: Any,
                                          shop: Shop) -> None:
    page = offline_page
    client, objects = shop_checkout(shop, emulator_server)
    intent = objects["intent"]
    shop = shop.url
    page.goto(f"{shop}/checkout")
    page.get_by_role("radio", name="Card", exact=True).check()
    page.get_by_label("Card number").fill("4000000000000002")
    page.get_by_label("Expiration date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("ZIP").fill("94103")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Your card was declined.").wait_for()
    assert page.url == f"{shop}/checkout"
    refreshed = client.v1.payment_intents.retrieve(intent.id)
    assert refreshed.status == "requires_payment_method"
    assert refreshed.last_payment_error.decline_code == "generic_decline"


@pytest.mark.parametrize("currency,method", [("usd", "US bank account"),
                                             ("eur", "SEPA Debit")])
def test_served_bank_debit_is_processing(offline_page: Any, emulator_server: Any, shop: Shop,
                                         currency: str, method: str) -> None:
    """A bank debit does not succeed at once: the return page says it is processing."""
    page = offline_page
    client, objects = shop_checkout(shop, emulator_server, currency)
    intent = objects["intent"]
    page.goto(f"{shop.url}/checkout")
    page.get_by_role("radio", name=method).check()
    page.get_by_label("Full name").fill("Jenny Rosen")
    page.get_by_label("Email").fill("jenny@example.com")
    if currency == "usd":
        page.get_by_label("Routing number").fill("110000000")
        page.get_by_label("Account number", exact=True).fill("000123456789")
        page.get_by_label("Confirm account number").fill("000123456789")
    else:
        page.get_by_label("IBAN").fill("DE89370400440532013000")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{shop.url}/order/123/complete?**")
    page.get_by_text("Payment processing. We'll update you when payment is received.").wait_for()
    refreshed = client.v1.payment_intents.retrieve(intent.id, {"expand": ["payment_method"]})
    assert refreshed.status == "processing"
    expected_type = "us_bank_account" if currency == "usd" else "sepa_debit"
    assert refreshed.payment_method.type == expected_type
    assert page.kit.outside == []


@pytest.mark.parametrize("choice,message,redirect_status", [
    ("Authorize test payment", "Success! Payment received.", "succeeded"),
    ("Fail test payment", "Payment failed. Please try another payment method.", "failed"),
])
def test_served_ideal_redirects_to_the_bank_and_back(offline_page: Any, emulator_server: Any,
                                                     shop: Shop, choice: str, message: str,
                                                     redirect_status: str) -> None:
    """A plain page: iDEAL leaves for the emulator's test bank page, which returns to return_url."""
    page = offline_page
    client, objects = shop_checkout(shop, emulator_server, "eur")
    intent = objects["intent"]
    page.goto(f"{shop.url}/checkout")
    page.get_by_role("radio", name="iDEAL").check()
    page.get_by_label("iDEAL Bank").select_option("rabobank")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{emulator_server.url}/kit/redirect/pa_nonce_*")
    page.get_by_role("button", name=choice).click()
    page.wait_for_url(f"{shop.url}/order/123/complete?**")
    page.get_by_text(message).wait_for()
    query = parse_qs(urlsplit(page.url).query)
    assert query["order"] == ["123"] and query["redirect_status"] == [redirect_status]
    refreshed = client.v1.payment_intents.retrieve(intent.id)
    assert refreshed.status == ("succeeded" if redirect_status == "succeeded"
                                else "requires_payment_method")
    assert page.kit.outside == []
