"""Every Payment Element scenario of issue 4, in JupyterLab and in Voilà alike.

`SCENARIOS_NOTEBOOK` builds, with the real helpers (emulator mode), one PaymentElement widget per
scenario, each a region named by its `title`. The `scenarios` fixture opens it once per front end
(one JupyterLab "run all", one Voilà render), and every test below runs against both: the very
same checks on the same notebook. The README's screenshots are taken in Voilà.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from waits import NAVIGATION_MS, WIDGET_READY_MS, goto, wait_for, wait_for_function

pytestmark = pytest.mark.browser

SETUP = r'''
import ipywidgets
from IPython.display import display
import helpers

helpers.start()
FEATURES = {"payment_method_redisplay": "enabled"}
EVERYTHING = ["always", "limited", "unspecified"]


def checkout(title, customer, features=None, currency="usd", **options):
    secrets = helpers.create_intent_and_customer_session(
        customer.id, currency=currency, features={**FEATURES, **(features or {})})
    widget = helpers.PaymentElement(**secrets, title=title, **options)
    display(widget)  # (returns nothing: a returned widget would be displayed twice)


# Filters: one customer with a card per allow_redisplay value, and a SEPA debit a USD intent
# cannot use.
filters = helpers.returning_customer(name="Filter Fan", cards=())
helpers.save_card(filters.id, "pm_success_de", "always")  # oldest: limit 1 picks the newest
helpers.save_card(filters.id, "pm_card_visa", "always")
helpers.save_card(filters.id, "pm_card_mastercard", "limited")
helpers.save_card(filters.id, "pm_card_amex", "unspecified")
many = helpers.returning_customer(name="Many Cards", cards=["pm_card_visa"] * 12)
'''

CELLS = [
    'checkout("redisplay off", filters, {"payment_method_redisplay": "disabled"})',
    'checkout("filters default", filters)',
    'checkout("filters limited", filters, {"payment_method_allow_redisplay_filters": ["limited"]})',
    'checkout("filters unspecified", filters,'
    ' {"payment_method_allow_redisplay_filters": ["unspecified"]})',
    'checkout("filters all limit 1", filters,'
    ' {"payment_method_allow_redisplay_filters": EVERYTHING, "payment_method_redisplay_limit": 1})',
    'checkout("limit 10", many, {"payment_method_redisplay_limit": 10})',
    'checkout("filters default eur", filters, currency="eur")',
    'checkout("saved card", helpers.returning_customer())',
    'checkout("decline then retry", helpers.returning_customer())',
    'checkout("3ds complete", helpers.returning_customer())',
    'checkout("3ds fail", helpers.returning_customer())',
    'checkout("ideal authorize", helpers.returning_customer(), currency="eur")',
    'checkout("ideal fail", helpers.returning_customer(), currency="eur")',
    'checkout("sepa", helpers.returning_customer(), currency="eur")',
    'checkout("remove", helpers.returning_customer(), {"payment_method_remove": "enabled"})',
    r'''saver = helpers.returning_customer(name="Sam Saver", cards=())
save_features = {"payment_method_save": "enabled", "payment_method_save_usage": "off_session"}
checkout("save new card", saver, save_features)
again = ipywidgets.Output()
button = ipywidgets.Button(description="New checkout session")


def new_session(_):
    with again:
        checkout("saved again", saver, save_features)


button.on_click(new_session)
display(button, again)''',
    'checkout("night theme", helpers.returning_customer(),'
    ' appearance={"theme": "night", "variables": {"colorPrimary": "#7a73ff"}})',
]


def write_notebook(directory: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + [nbformat.v4.new_code_cell(c) for c in CELLS]
    path = directory / "payment_element_scenarios.ipynb"
    nbformat.write(nb, path)
    return path


# ---- driving the widgets ------------------------------------------------------------------

def widget(page: Any, title: str) -> Any:
    wait_for(page.locator(f".kit-payment-element[aria-label='{title}'][data-ready='true']"),
             f"the Payment Element '{title}' to be ready", WIDGET_READY_MS)
    return page.get_by_role("region", name=title, exact=True)


def saved_names(region: Any) -> list[str]:
    radios = region.locator(".kit-pe__option--saved .kit-pe__label")
    return radios.all_text_contents()


def fill_card(region: Any, number: str) -> None:
    region.get_by_role("radio", name="Card", exact=True).check()
    region.get_by_label("Card number").fill(number)
    region.get_by_label("Expiration date").fill("12 / 34")
    region.get_by_label("Security code").fill("123")
    region.get_by_label("ZIP").fill("94103")


def pay(region: Any, amount: str = "$10.99") -> None:
    region.get_by_role("button", name=f"Pay {amount}").click()


def intent_of(region: Any) -> str:
    pi = region.get_attribute("data-payment-intent")
    assert pi and re.fullmatch(r"pi_\w+", pi), pi
    return pi


def emulator_get(db: Path, path: str) -> dict[str, Any]:
    from helpers.emulator import DEFAULT_SECRET_KEY, Emulator

    response = Emulator(db).request("GET", path, {}, api_key=DEFAULT_SECRET_KEY)
    assert response.status == 200, response.body
    return response.body


# ---- the two front ends -----------------------------------------------------------------------
def page_and_server_log(page: Any, server: Any) -> Any:
    """What a wait that ran out shows: the page's last console lines and the server's log."""
    return lambda: f"console: {page.kit_console[-20:]}\nlog:\n{server.log_tail()}"


def open_in_jupyterlab(request: pytest.FixtureRequest, page: Any, root: Path) -> Any:
    """JupyterLab's own "run all" on the scenario notebook (a temporary copy, never saved)."""
    notebook = write_notebook(root)
    server = request.getfixturevalue("jupyter_lab_on")(root)
    detail = page_and_server_log(page, server)

    goto(page, f"{server.base}/lab/tree/{notebook.name}?token={server.token}",
         "JupyterLab to load with the scenario notebook", detail=detail)
    wait_for_function(page, "window.jupyterapp && window.jupyterapp.shell.currentWidget"
                      " && window.jupyterapp.shell.currentWidget.sessionContext"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                      "JupyterLab to open the notebook with a kernel", NAVIGATION_MS, detail)
    wait_for_function(page, "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                      ".status === 'idle'", "the notebook's kernel to be idle", NAVIGATION_MS,
                      detail)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for(page.locator(".kit-payment-element[data-ready='true']").first,
             "a Payment Element in JupyterLab to be ready (after run all)", detail=detail)
    return server


def open_in_voila(request: pytest.FixtureRequest, page: Any, root: Path) -> Any:
    """Voilà's render of the scenario notebook."""
    notebook = write_notebook(root)
    server = request.getfixturevalue("voila_on")(root)
    detail = page_and_server_log(page, server)

    goto(page, f"{server.base}/voila/render/{notebook.name}",
         "Voilà to render the scenario notebook", detail=detail)
    wait_for(page.locator(".kit-payment-element[data-ready='true']").first,
             "a Payment Element in Voilà to be ready", detail=detail)
    return server


FRONT_ENDS = {"jupyterlab": open_in_jupyterlab, "voila": open_in_voila}


@pytest.fixture(scope="module", params=sorted(FRONT_ENDS))
def scenarios(request: pytest.FixtureRequest, module_page: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """(page, server) with the scenario notebook open and its widgets ready, in each front end."""
    page = module_page
    # The module's page serves both front ends (in either order under -p randomly): each is
    # held to what the page logged while it was open.
    logged = (len(page.kit_console), len(page.kit.unexpected),
              len(page.kit.outside_but_voila_template))
    server = FRONT_ENDS[request.param](request, page, tmp_path_factory.mktemp(request.param))
    yield page, server
    errors = [line for line in page.kit_console[logged[0]:] if line.startswith("pageerror")]
    assert not errors, errors
    if request.param == "voila":  # Voilà's own template may ask for its CDN fonts, nothing else
        assert page.kit.outside_but_voila_template[logged[2]:] == [], "nothing else may leave"
    else:
        assert page.kit.unexpected[logged[1]:] == [], "nothing may leave 127.0.0.1"


# ---- the checks: each test takes `scenarios` and runs once per front end ------------------------

# The README's screenshots are rewritten only on request (KIT_UPDATE_SCREENSHOTS=1), so a test
# run leaves the repository clean; otherwise they go to a temporary directory.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("KIT_UPDATE_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / "kit-screenshots")
DECLINED = "Your card was declined."
FAILED = "Payment failed. Please try another payment method."
SUCCESS = "Success! Payment received."


def shoot(region: Any, name: str) -> None:
    """Save a screenshot into docs/screenshots/ (used by the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    region.screenshot(path=str(SCREENSHOTS / name), animations="disabled")


def test_saved_methods_follow_customer_session(scenarios: Any) -> None:
    page, _ = scenarios
    expected = {
        "redisplay off": [],
        "filters default": ["Visa •••• 4242"],
        "filters limited": ["Mastercard •••• 4444"],
        "filters unspecified": ["American Express •••• 0005"],
        "filters all limit 1": ["American Express •••• 0005"],
    }
    for title, names in expected.items():
        region = widget(page, title)
        assert saved_names(region) == names, (title, saved_names(region))
        # never the saved SEPA debit (a USD intent cannot use it)
        assert region.get_by_role("radio", name="SEPA Debit •••• 3000").count() == 0
    eur = widget(page, "filters default eur")  # a EUR intent accepts the saved SEPA debit
    assert saved_names(eur) == ["Visa •••• 4242", "SEPA Debit •••• 3000"]
    many = widget(page, "limit 10")
    assert saved_names(many) == ["Visa •••• 4242"] * 10
    for name in ("Card", "US bank account"):
        assert many.get_by_role("radio", name=name, exact=True).count() == 1


def test_pay_with_saved_card(scenarios: Any) -> None:
    page, server = scenarios
    region = widget(page, "saved card")
    visa = region.get_by_role("radio", name="Visa •••• 4242", exact=True)
    visa.check()
    shoot(region, "payment-element-saved-methods.png")
    pay(region)
    region.get_by_text(SUCCESS).wait_for()
    intent = emulator_get(server.db, f"/v1/payment_intents/{intent_of(region)}")
    assert intent["status"] == "succeeded" and intent["amount"] == 1099


def test_decline_then_retry(scenarios: Any) -> None:
    page, server = scenarios
    region = widget(page, "decline then retry")
    fill_card(region, "4000000000000002")
    pay(region)
    region.get_by_text(DECLINED).wait_for()
    region.get_by_text(FAILED).wait_for()
    pi = intent_of(region)
    assert emulator_get(server.db, f"/v1/payment_intents/{pi}")["last_payment_error"][
        "decline_code"] == "generic_decline"
    region.get_by_label("Card number").fill("4242424242424242")
    pay(region)
    region.get_by_text(SUCCESS).wait_for()
    assert emulator_get(server.db, f"/v1/payment_intents/{pi}")["status"] == "succeeded"


def three_d_secure(scenarios: Any, title: str, button: str, shot: str | None = None) -> Any:
    page, server = scenarios
    region = widget(page, title)
    fill_card(region, "4000002760003184")
    pay(region)
    dialog = page.get_by_role("dialog", name="3D Secure 2 test authentication")
    dialog.wait_for()
    if shot:  # the challenge and what is around it
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        box = dialog.bounding_box()
        pad = 60
        page.screenshot(path=str(SCREENSHOTS / shot), animations="disabled", clip={
            "x": max(box["x"] - pad, 0), "y": max(box["y"] - pad, 0),
            "width": box["width"] + 2 * pad, "height": box["height"] + 2 * pad})
    dialog.get_by_role("button", name=button).click()
    return region


def test_three_d_secure_complete(scenarios: Any) -> None:
    region = three_d_secure(scenarios, "3ds complete", "Complete authentication",
                            "payment-element-3ds-challenge.png")
    region.get_by_text(SUCCESS).wait_for()
    assert emulator_get(scenarios[1].db, f"/v1/payment_intents/{intent_of(region)}")[
        "status"] == "succeeded"


def test_three_d_secure_fail(scenarios: Any) -> None:
    region = three_d_secure(scenarios, "3ds fail", "Fail authentication")
    region.get_by_text(FAILED).wait_for()
    intent = emulator_get(scenarios[1].db, f"/v1/payment_intents/{intent_of(region)}")
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "payment_intent_authentication_failure"


def ideal(scenarios: Any, title: str, button: str, message: str, status: str) -> None:
    page, server = scenarios
    start_url = page.url
    region = widget(page, title)
    region.get_by_role("radio", name="iDEAL", exact=True).check()
    region.get_by_label("iDEAL Bank").select_option("ing")
    pay(region, "€10.99")
    bank = region.get_by_role("region", name="iDEAL test payment page")
    bank.get_by_role("button", name=button).click()
    region.get_by_text(message).wait_for()
    assert region.get_attribute("data-page") == "return", "the return page is drawn in the widget"
    assert page.url == start_url, "the notebook never navigated away"
    assert emulator_get(server.db, f"/v1/payment_intents/{intent_of(region)}")["status"] == status


def test_ideal_authorize(scenarios: Any) -> None:
    ideal(scenarios, "ideal authorize", "Authorize test payment", SUCCESS, "succeeded")


def test_ideal_fail(scenarios: Any) -> None:
    ideal(scenarios, "ideal fail", "Fail test payment", FAILED, "requires_payment_method")
    region = widget(scenarios[0], "ideal fail")
    region.get_by_role("button", name="Try another payment method").click()
    region.get_by_role("radio", name="iDEAL", exact=True).wait_for()


def test_sepa_is_processing(scenarios: Any) -> None:
    page, server = scenarios
    region = widget(page, "sepa")
    region.get_by_role("radio", name="SEPA Debit", exact=True).check()
    region.get_by_label("Full name").fill("Jenny Rosen")
    region.get_by_label("Email").fill("jenny@example.com")
    region.get_by_label("IBAN").fill("DE89370400440532013000")
    pay(region, "€10.99")
    region.get_by_text("Payment processing. We'll update you when payment is received.").wait_for()
    intent = emulator_get(server.db, f"/v1/payment_intents/{intent_of(region)}")
    assert intent["status"] == "processing"


def test_remove_saved_method(scenarios: Any) -> None:
    page, server = scenarios
    region = widget(page, "remove")
    mastercard = region.get_by_role("radio", name="Mastercard •••• 4444", exact=True)
    pm_id = mastercard.get_attribute("value")
    region.get_by_role("button", name="Remove Mastercard •••• 4444").click()
    region.get_by_role("button", name="Remove", exact=True).click()
    mastercard.wait_for(state="detached")
    assert emulator_get(server.db, f"/v1/payment_methods/{pm_id}")["customer"] is None
    assert saved_names(region) == ["Visa •••• 4242"]


def test_save_new_card_then_redisplayed(scenarios: Any) -> None:
    page, server = scenarios
    region = widget(page, "save new card")
    assert saved_names(region) == []
    fill_card(region, "4242424242424242")
    region.get_by_label("Save payment details for future purchases").check()
    pay(region)
    region.get_by_text(SUCCESS).wait_for()
    intent = emulator_get(server.db, f"/v1/payment_intents/{intent_of(region)}")
    assert intent["setup_future_usage"] == "off_session"
    pm = emulator_get(server.db, f"/v1/payment_methods/{intent['payment_method']}")
    assert pm["allow_redisplay"] == "always" and pm["customer"] == intent["customer"]
    page.get_by_role("button", name="New checkout session").click()
    again = widget(page, "saved again")
    assert saved_names(again) == ["Visa •••• 4242"]


@pytest.mark.parametrize("scenarios", ["voila"], indirect=True)  # the README's look: Voilà's
def test_themes_screenshots(scenarios: Any) -> None:
    page, _ = scenarios
    shoot(widget(page, "filters default"), "payment-element-light.png")
    night = widget(page, "night theme")
    assert "kit-theme-night" in night.locator(".kit-pe").get_attribute("class")
    shoot(night, "payment-element-night.png")
