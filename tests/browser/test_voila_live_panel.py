"""Notebook 03 in Voilà: the panel fed by the widget's callbacks updates by itself.

Voilà cannot re-run a cell, so notebook 03 shows what Python hears (ready, change, outcome) in
an ipywidgets HTML panel that its callbacks rewrite. Chromium pays with the saved Visa in the
first checkout; the panel must then say so, with nothing re-run.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 90_000  # a cold Voilà render on a busy 2-core runner
PANEL_TIMEOUT_MS = 30_000  # the outcome travels browser → kernel → callback → browser


def test_the_panel_hears_ready_change_and_outcome(offline_page: Any, voila: Any,
                                                  checkout_notebook: str) -> None:
    page = offline_page
    server = voila()
    page.goto(server.url(checkout_notebook))
    visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True).first
    try:
        visa.wait_for(timeout=WIDGET_TIMEOUT_MS)
    except Exception as exc:
        raise AssertionError(f"widget did not show the saved Visa.\nconsole: {page.kit_console}"
                             f"\nVoilà log:\n{server.log_tail()}") from exc
    panel = page.locator(".widget-html").filter(has_text="ready: the form is drawn").first
    panel.wait_for(timeout=PANEL_TIMEOUT_MS)

    widget = page.locator(".kit-payment-element").filter(has=visa).first
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    widget.get_by_role("button", name="Pay $10.99").click()
    widget.get_by_text("Success! Payment received.").wait_for()
    pi_id = widget.get_attribute("data-payment-intent")
    assert pi_id and pi_id.startswith("pi_")
    page.locator(".widget-html").filter(
        has_text=f"outcome: succeeded (PaymentIntent {pi_id})").first.wait_for(
        timeout=PANEL_TIMEOUT_MS)
    assert "ready: the form is drawn" in panel.inner_text()
