"""Voilà serves the client-side notebook; Chromium pays with the Payment Element widget.

Notebook 03 itself, in a fresh Voilà: pay with the saved Visa. (Every other scenario runs in
Voilà and in JupyterLab alike: test_checkout_scenarios.py.)

Offline (emulator mode): the widget uses the Stripe.js stand-in, whose requests go through the
kernel to the emulator. Afterwards the test opens the same emulator database and checks the
PaymentIntent's status there, not only what the page says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from waits import OUTCOME_MS, goto, wait_for

pytestmark = pytest.mark.browser


def open_checkout(page: Any, voila: Any, notebook: str) -> Any:
    """Render the notebook and return the first Payment Element widget showing the Visa."""
    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nVoilà log:\n{voila.log_tail()}"

    goto(page, voila.url(notebook), f"Voilà to render {notebook}", detail=detail)
    visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True).first
    wait_for(visa, "the Payment Element to show the saved Visa •••• 4242", detail=detail)
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
    wait_for(widget.get_by_text("Success! Payment received."),
             "the widget to say the payment succeeded", OUTCOME_MS)
    page.screenshot(path=str(Path(server.log).with_name("voila-success.png")), full_page=True)

    pi_id = widget.get_attribute("data-payment-intent")
    assert pi_id and pi_id.startswith("pi_")
    assert widget.get_attribute("data-status") == "succeeded"
    intent = payment_intent(server, pi_id)
    assert intent["status"] == "succeeded"
    assert intent["amount"] == 1099
    assert page.kit.outside_but_voila_template == []
