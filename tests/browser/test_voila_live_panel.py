"""Notebook 03 in Voilà: the panel fed by the widget's callbacks updates by itself.

Voilà cannot re-run a cell, so notebook 03 shows what Python hears (ready, change, outcome) in
an ipywidgets HTML panel that its callbacks rewrite. Chromium pays with the saved Visa in the
first checkout; the panel must then say so, with nothing re-run.
"""

from __future__ import annotations

from typing import Any

import pytest
from waits import OUTCOME_MS, goto, wait_for

pytestmark = pytest.mark.browser


def test_the_panel_hears_ready_change_and_outcome(offline_page: Any, voila: Any,
                                                  checkout_notebook: str) -> None:
    page = offline_page
    server = voila()

    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nVoilà log:\n{server.log_tail()}"

    goto(page, server.url(checkout_notebook), f"Voilà to render {checkout_notebook}",
         detail=detail)
    visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True).first
    wait_for(visa, "the Payment Element to show the saved Visa •••• 4242", detail=detail)
    panel = page.locator(".widget-html").filter(has_text="ready: the form is drawn").first
    wait_for(panel, "the live panel to say 'ready: the form is drawn'", OUTCOME_MS, detail)

    widget = page.locator(".kit-payment-element").filter(has=visa).first
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    widget.get_by_role("button", name="Pay $10.99").click()
    wait_for(widget.get_by_text("Success! Payment received."),
             "the widget to say the payment succeeded", OUTCOME_MS, detail)
    pi_id = widget.get_attribute("data-payment-intent")
    assert pi_id and pi_id.startswith("pi_")
    wait_for(page.locator(".widget-html").filter(
        has_text=f"outcome: succeeded (PaymentIntent {pi_id})").first,
        "the live panel to report the outcome", OUTCOME_MS, detail)
    assert "ready: the form is drawn" in panel.inner_text()
