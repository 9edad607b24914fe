"""The Payment Element widget in French (issue 19, item 4): with `locale="fr"` (notebook 03's
"Night, in French"), the page's own words are French too, not only the element's: the button
says "Payer" with the amount formatted by the browser for the locale (`Intl.NumberFormat`:
"10,99 $US", "10,99 €"), and the outcome message and the paid button follow.

A small notebook of French widgets, written under tmp_path and rendered by Voilà in Chromium,
offline (emulator, Stripe.js stand-in). The stand-in's own pages in the widget (the 3-D
Secure test page, the test bank page) are French too, with the browser's amounts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from waits import OUTCOME_MS, WIDGET_READY_MS, goto, wait_for

pytestmark = pytest.mark.browser

CELLS = [
    "import helpers\nhelpers.start()\n"
    "def french(title, currency, **options):\n"
    "    secrets = helpers.create_intent_and_customer_session(\n"
    "        helpers.returning_customer().id, currency=currency,\n"
    "        features={'payment_method_redisplay': 'enabled'})\n"
    "    return helpers.PaymentElement(**secrets, locale='fr', title=title, **options)",
    "french('nuit en dollars', 'usd', appearance={'theme': 'night'})",
    "french('payé en dollars', 'usd')",
    "french('en euros', 'eur')",
    "french('3-D Secure en français', 'usd')",
    "french('iDEAL en français', 'eur')",
]
# One widget per test that pays, so the tests hold in any order (a paid button says "Payé").
TITLES = ("nuit en dollars", "payé en dollars", "en euros", "3-D Secure en français",
          "iDEAL en français")
SUCCESS = "Paiement réussi : nous avons bien reçu votre paiement."


@pytest.fixture(scope="module")
def french_page(module_page: Any, voila_on: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("voila-fr")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbformat.write(nb, root / "french.ipynb")
    server = voila_on(root)
    page = module_page

    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nlog:\n{server.log_tail()}"

    goto(page, f"{server.base}/voila/render/french.ipynb", "Voilà to render the French widgets",
         detail=detail)
    for title in TITLES:
        wait_for(page.locator(f".kit-payment-element[aria-label='{title}'][data-ready='true']"),
                 f"the French Payment Element '{title}' to be ready", WIDGET_READY_MS,
                 detail=detail)
    yield page
    errors = [line for line in page.kit_console if line.startswith("pageerror")]
    assert not errors, errors


def browser_amount(page: Any, locale: str, amount: float, currency: str) -> str:
    """What the browser itself writes for this amount in this locale."""
    return page.evaluate(
        "([locale, amount, currency]) => new Intl.NumberFormat(locale,"
        " {style: 'currency', currency}).format(amount)", [locale, amount, currency])


def test_the_french_button_says_payer_with_a_french_amount(french_page: Any) -> None:
    page = french_page
    dollars = page.get_by_role("region", name="nuit en dollars", exact=True)
    euros = page.get_by_role("region", name="en euros", exact=True)
    us = browser_amount(page, "fr", 10.99, "USD")
    eu = browser_amount(page, "fr", 10.99, "EUR")
    # French style: a decimal comma, the symbol after the amount ("10,99 $US", "10,99 €")
    assert us.startswith("10,99") and "$" in us and eu.startswith("10,99") and "€" in eu, (us, eu)
    assert dollars.locator("#submit").inner_text() == f"Payer {us}"
    assert euros.locator("#submit").inner_text() == f"Payer {eu}"
    assert "Pay $" not in dollars.inner_text() and "Pay " not in euros.inner_text()
    assert dollars.get_attribute("lang") == "fr" and "kit-theme-night" in \
        dollars.locator(".kit-pe").get_attribute("class")
    # the element's own words are French too (the stand-in translates them)
    assert dollars.get_by_role("radiogroup", name="Moyen de paiement").count() == 1


def test_paying_in_french_says_so_in_french(french_page: Any) -> None:
    region = french_page.get_by_role("region", name="payé en dollars", exact=True)
    region.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    region.get_by_role("button", name="Payer ", exact=False).click()
    wait_for(region.get_by_text(SUCCESS), "the French success message", OUTCOME_MS)
    assert region.locator("#submit").inner_text() == "Payé"
    assert region.get_attribute("data-status") == "succeeded"
    assert "Success" not in region.inner_text() and "Paid" not in region.inner_text()



def test_three_d_secure_and_the_bank_page_in_french(french_page: Any) -> None:
    page = french_page
    region = page.get_by_role("region", name="3-D Secure en français", exact=True)
    region.get_by_role("radio", name="Carte", exact=True).check()
    region.get_by_label("Numéro de carte").fill("4000002760003184")
    region.get_by_label("Date d'expiration").fill("12 / 34")
    region.get_by_label("Code de sécurité").fill("123")
    region.get_by_label("Code postal").fill("94103")
    region.get_by_role("button", name="Payer ", exact=False).click()
    dialog = page.get_by_role("dialog", name="Authentification de test 3D Secure 2")
    wait_for(dialog, "the French 3-D Secure test page", OUTCOME_MS)
    assert f"paiement de test de {browser_amount(page, 'fr', 10.99, 'USD')}." in \
        dialog.inner_text()
    dialog.get_by_role("button", name="Terminer l'authentification").click()
    wait_for(region.get_by_text(SUCCESS), "the French success message after 3-D Secure",
             OUTCOME_MS)

    bank_region = page.get_by_role("region", name="iDEAL en français", exact=True)
    bank_region.get_by_role("radio", name="iDEAL", exact=True).check()
    bank_region.get_by_label("Banque iDEAL").select_option("ing")
    bank_region.get_by_role("button", name="Payer ", exact=False).click()
    bank = bank_region.get_by_role("region", name="Page de paiement de test iDEAL")
    wait_for(bank, "the French test bank page", OUTCOME_MS)
    euros = browser_amount(page, "fr", 10.99, "EUR")
    assert f"autoriser {euros}." in bank.inner_text() and "MODE TEST" in bank.inner_text()
    bank.get_by_role("button", name="Autoriser le paiement de test").click()
    wait_for(bank_region.get_by_text(SUCCESS), "the French return page", OUTCOME_MS)
    assert bank_region.get_attribute("data-page") == "return"
