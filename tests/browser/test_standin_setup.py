"""The stand-in in setup mode, served by the emulator: how a customer's card gets saved.

A plain shop page loads `<script src=".../js.stripe.com/v3/">` from the emulator, makes
`stripe.elements({clientSecret: 'seti_…_secret_…', customerSessionClientSecret})`, mounts the
Payment Element and calls `stripe.confirmSetup`. The card ends up attached to the customer;
3-D Secure shows the same test challenge as payments; declines show Stripe's inline message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from test_standin_served import PUBLISHABLE_KEY, Shop, client_for, shop  # noqa: F401

pytestmark = pytest.mark.browser

SETUP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Save a card</title>
<script src="{api}/js.stripe.com/v3/"></script></head>
<body><main>
<form id="setup-form"><div id="payment-element"></div>
<button id="submit">Save card</button><div id="error-message" role="alert"></div>
<div id="result"></div></form>
<script>
  const stripe = Stripe('{pk}');
  const elements = stripe.elements({{clientSecret: '{secret}',
                                    customerSessionClientSecret: '{cuss}'}});
  elements.create('payment', {{layout: 'accordion'}}).mount('#payment-element');
  document.getElementById('setup-form').addEventListener('submit', async (event) => {{
    event.preventDefault();
    const {{error, setupIntent}} = await stripe.confirmSetup({{elements, redirect: '{redirect}',
      confirmParams: {{return_url: '{shop}/saved?from=setup'}}}});
    if (error) {{ document.querySelector('#error-message').textContent = error.message; return; }}
    document.querySelector('#result').textContent = 'Saved: ' + setupIntent.status;
  }});
</script></main></body></html>"""

RETURN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Saved</title>
<script src="{api}/js.stripe.com/v3/"></script></head>
<body><div id="message"></div>
<script>
  const stripe = Stripe('{pk}');
  const clientSecret = new URLSearchParams(window.location.search).get(
    'setup_intent_client_secret');
  stripe.retrieveSetupIntent(clientSecret).then(({{setupIntent}}) => {{
    document.querySelector('#message').innerText = setupIntent.status === 'succeeded'
      ? 'Your card is saved.' : 'Saving failed: ' + setupIntent.status;
  }});
</script></body></html>"""


def setup_shop(shop: Shop, emulator_server: Any,  # noqa: F811
               redirect: str = "if_required") -> tuple[stripe.StripeClient, dict[str, Any]]:
    client = client_for(emulator_server.url)
    customer = client.v1.customers.create({"name": "Jenny Rosen"})
    intent = client.v1.setup_intents.create({"customer": customer.id})
    session = client.v1.customer_sessions.create({
        "customer": customer.id,
        "components": {"payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled", "payment_method_save": "enabled"}}}})
    fill = {"api": emulator_server.url, "pk": PUBLISHABLE_KEY, "secret": intent.client_secret,
            "cuss": session.client_secret, "shop": shop.url, "redirect": redirect}
    shop.pages["/save"] = SETUP_PAGE.format(**fill)
    shop.pages["/saved"] = RETURN_PAGE.format(**fill)
    return client, {"customer": customer, "intent": intent}


def fill_card(page: Any, number: str) -> None:
    page.get_by_role("radio", name="Card", exact=True).check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("ZIP").fill("94103")


def test_a_card_is_saved_with_confirm_setup(offline_page: Any, emulator_server: Any,
                                            shop: Shop) -> None:  # noqa: F811
    page = offline_page
    client, objects = setup_shop(shop, emulator_server)
    page.goto(f"{shop.url}/save")
    fill_card(page, "4242424242424242")
    assert page.get_by_text("nothing is charged now").is_visible()
    assert page.get_by_text("$").count() == 0, "setup mode shows no amount"
    page.get_by_label("Save payment details for future purchases").check()
    page.get_by_role("button", name="Save card").click()
    page.get_by_text("Saved: succeeded").wait_for()
    saved = client.v1.customers.payment_methods.list(objects["customer"].id).data
    assert [pm.card.last4 for pm in saved] == ["4242"]
    assert saved[0].allow_redisplay == "always", "the ticked box is the customer's consent"
    intent = client.v1.setup_intents.retrieve(objects["intent"].id)
    assert intent.status == "succeeded" and intent.payment_method == saved[0].id
    assert page.kit.outside == []


def test_three_d_secure_challenge_when_saving(offline_page: Any, emulator_server: Any,
                                              shop: Shop) -> None:  # noqa: F811
    page = offline_page
    client, objects = setup_shop(shop, emulator_server)
    page.goto(f"{shop.url}/save")
    fill_card(page, "4000002500003155")
    page.get_by_role("button", name="Save card").click()
    dialog = page.get_by_role("dialog", name="3D Secure 2 test authentication")
    dialog.wait_for()
    assert "saving this card" in dialog.inner_text()
    dialog.get_by_role("button", name="Complete authentication").click()
    page.get_by_text("Saved: succeeded").wait_for()
    saved = client.v1.customers.payment_methods.list(objects["customer"].id).data
    assert [pm.card.last4 for pm in saved] == ["3155"]
    assert saved[0].allow_redisplay == "limited", "saved without the box ticked"


def test_a_failed_challenge_and_a_decline_stay_on_the_page(
        offline_page: Any, emulator_server: Any, shop: Shop) -> None:  # noqa: F811
    page = offline_page
    client, objects = setup_shop(shop, emulator_server)
    page.goto(f"{shop.url}/save")
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name="Save card").click()
    page.get_by_role("dialog").get_by_role("button", name="Fail authentication").click()
    page.get_by_role("alert").filter(has_text="authentication failed").wait_for()
    fill_card(page, "4000000000000002")
    page.get_by_role("button", name="Save card").click()
    page.get_by_role("alert").filter(has_text="Your card was declined.").wait_for()
    assert client.v1.customers.payment_methods.list(objects["customer"].id).data == []
    intent = client.v1.setup_intents.retrieve(objects["intent"].id)
    assert intent.status == "requires_payment_method"
    assert intent.last_setup_error.decline_code == "generic_decline"


def test_redirect_always_goes_to_the_return_page(offline_page: Any, emulator_server: Any,
                                                 shop: Shop) -> None:  # noqa: F811
    page = offline_page
    _client, objects = setup_shop(shop, emulator_server, redirect="always")
    page.goto(f"{shop.url}/save")
    fill_card(page, "5555555555554444")
    page.get_by_role("button", name="Save card").click()
    page.wait_for_url(f"{shop.url}/saved?**")
    page.get_by_text("Your card is saved.").wait_for()
    query = parse_qs(urlsplit(page.url).query)
    assert query["from"] == ["setup"]
    assert query["setup_intent"] == [objects["intent"].id]
    assert query["setup_intent_client_secret"] == [objects["intent"].client_secret]
    assert query["redirect_status"] == ["succeeded"]


def test_wrong_kind_of_client_secret_is_an_integration_error(
        offline_page: Any, emulator_server: Any, shop: Shop) -> None:  # noqa: F811
    page = offline_page
    _client, objects = setup_shop(shop, emulator_server)
    page.goto(f"{shop.url}/save")
    page.get_by_role("radiogroup").first.wait_for()
    messages = page.evaluate("""async () => {
        const out = [];
        for (const attempt of [
            () => stripe.confirmPayment({elements, redirect: 'if_required'}),
            () => stripe.retrieveSetupIntent('pi_123_secret_abc'),
            () => stripe.retrieveSetupIntent('nonsense'),
        ]) {
            try { await attempt(); out.push('no error'); } catch (e) { out.push(e.message); }
        }
        return out;
    }""")
    assert "expected a PaymentIntent client secret" in messages[0]
    assert "expected a SetupIntent client secret" in messages[1]
    assert "clientSecret should be a client secret" in messages[2]
    retrieved = page.evaluate(
        "async (s) => (await stripe.retrieveSetupIntent(s)).setupIntent.status",
        objects["intent"].client_secret)
    assert retrieved == "requires_payment_method"
