"""Voilà serves the client-side notebook; Chromium pays with the Payment Element widget.

Offline (emulator mode): the widget uses the Stripe.js stand-in, whose requests go through the
kernel to the emulator. Afterwards the test opens the same emulator database and checks the
PaymentIntent's status there, not only what the page says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 90_000  # a cold Voilà render on a busy 2-core runner


def open_checkout(page: Any, voila: Any, notebook: str) -> Any:
    """Render the notebook and return the first Payment Element widget showing the Visa."""
    page.goto(voila.url(notebook))
    visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True).first
    try:
        visa.wait_for(timeout=WIDGET_TIMEOUT_MS)
    except Exception as exc:
        raise AssertionError(f"widget did not show the saved Visa.\nconsole: {page.kit_console}"
                             f"\nVoilà log:\n{voila.log_tail()}") from exc
    return page.locator(".kit-payment-element").filter(has=visa).first


def payment_intent(voila: Any, pi_id: str) -> dict[str, Any]:
    """Read the PaymentIntent from the emulator database the notebook's kernel used."""
    from helpers.emulator import DEFAULT_SECRET_KEY, Emulator

    emulator = Emulator(Path(voila.env["KIT_EMULATOR_DB"]))
    response = emulator.request("GET", f"/v1/payment_intents/{pi_id}", {},
                                api_key=DEFAULT_SECRET_KEY)
    assert response.status == 200, response.body
    return response.body


def test_pay_with_saved_visa(offline_page: Any, voila: Any, checkout_notebook: str) -> None:
    page = offline_page
    server = voila()
    widget = open_checkout(page, server, checkout_notebook)
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    pay = widget.get_by_role("button", name="Pay $10.99")
    pay.click()
    widget.get_by_text("Success! Payment received.").wait_for()
    page.screenshot(path=str(Path(server.log).with_name("voila-success.png")), full_page=True)

    pi_id = widget.get_attribute("data-payment-intent")
    assert pi_id and pi_id.startswith("pi_")
    assert widget.get_attribute("data-status") == "succeeded"
    intent = payment_intent(server, pi_id)
    assert intent["status"] == "succeeded"
    assert intent["amount"] == 1099
    assert page.kit.outside_but_voila_template == []


def test_declined_new_card(offline_page: Any, voila: Any, checkout_notebook: str) -> None:
    page = offline_page
    server = voila()
    widget = open_checkout(page, server, checkout_notebook)
    widget.get_by_role("radio", name="Card", exact=True).check()
    widget.get_by_label("Card number").fill("4000000000000002")
    widget.get_by_label("Expiration date").fill("12 / 34")
    widget.get_by_label("Security code").fill("123")
    widget.get_by_label("ZIP").fill("94103")
    widget.get_by_role("button", name="Pay $10.99").click()
    widget.get_by_text("Your card was declined.").wait_for()
    widget.get_by_text("Payment failed. Please try another payment method.").wait_for()

    pi_id = widget.get_attribute("data-payment-intent")
    intent = payment_intent(server, pi_id)
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["decline_code"] == "generic_decline"
    assert page.kit.outside_but_voila_template == []


def test_three_d_secure_card(offline_page: Any, voila: Any, checkout_notebook: str) -> None:
    page = offline_page
    server = voila()
    widget = open_checkout(page, server, checkout_notebook)
    widget.get_by_role("radio", name="Card", exact=True).check()
    widget.get_by_label("Card number").fill("4000002760003184")
    widget.get_by_label("Expiration date").fill("12 / 34")
    widget.get_by_label("Security code").fill("123")
    widget.get_by_label("ZIP").fill("94103")
    widget.get_by_role("button", name="Pay $10.99").click()
    dialog = page.get_by_role("dialog", name="3D Secure 2 test authentication")
    dialog.wait_for()
    page.screenshot(path=str(Path(server.log).with_name("voila-3ds.png")))
    dialog.get_by_role("button", name="Complete authentication").click()
    widget.get_by_text("Success! Payment received.").wait_for()
    intent = payment_intent(server, widget.get_attribute("data-payment-intent"))
    assert intent["status"] == "succeeded"
    assert page.url.startswith(server.base), "the page never left the notebook"
