"""Your server in a browser: `python -m helpers.shop` serves the seed's page; a returning
customer pays with her saved Visa; only the signed webhook fulfils the order.

The shop runs as its own process with its offline emulator (the Stripe.js stand-in comes from
the emulator's origin, another port: real cross-origin requests). Every request off this
machine is aborted.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from local_servers import free_port, stop_group, wait_until_answers
from support.env import KEYS_AND_KIT, clean_env

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

SHOP_START_TIMEOUT = 60  # seconds for the shop and its emulator to answer
ORDER_TIMEOUT = 30  # seconds for the signed webhook to reach the shop and be handled


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("shop")
    port = free_port()
    log = (tmp / "shop.log").open("w")
    # offline whatever the developer's shell holds: no keys, the emulator forced
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.shop", "--port", str(port),
         "--db", str(tmp / "shop.sqlite3")],
        cwd=ROOT, env=clean_env(prefixes=KEYS_AND_KIT, KIT_BACKEND="emulator"), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/config", process, timeout=SHOP_START_TIMEOUT)
        yield base
    finally:
        stop_group(process)
        log.close()


def sign_in(page: Any, shop: str, name: str) -> None:
    page.goto(shop + "/")
    page.get_by_role("button", name=f"Sign in as {name}").click()
    page.get_by_role("heading", name="Checkout").wait_for()
    assert page.evaluate("window.Stripe && window.Stripe.standin") == "kit-standin/1", (
        page.kit_console)


def orders_once_settled(page: Any, shop: str) -> list[dict[str, Any]]:
    """The signed-in user's orders, once the webhook has reported on one (or the timeout)."""
    deadline = time.monotonic() + ORDER_TIMEOUT
    while True:
        orders = page.request.get(shop + "/orders").json()["orders"]
        if orders or time.monotonic() > deadline:
            return orders
        time.sleep(0.2)


def test_a_returning_customer_pays_with_her_saved_visa(offline_page: Any, shop: str) -> None:
    page = offline_page
    sign_in(page, shop, "Jenny Rosen")
    page.get_by_role("radio", name="Mastercard •••• 4444").wait_for()  # both saved cards shown
    page.get_by_role("radio", name="Visa •••• 4242").check()
    page.get_by_role("button", name="Pay 10.99 USD").click()
    page.wait_for_url(f"{shop}/complete?**")
    page.get_by_text("Success! Payment received.").wait_for()  # status.js, the seed's words
    query = parse_qs(urlsplit(page.url).query)
    assert query["redirect_status"] == ["succeeded"]
    orders = orders_once_settled(page, shop)
    assert len(orders) == 1, orders
    assert orders[0]["payment_intent"] == query["payment_intent"][0]
    assert (orders[0]["status"], orders[0]["fulfilled"]) == ("paid", True)
    assert (orders[0]["amount"], orders[0]["currency"]) == (1099, "usd")
    assert page.kit.outside == []


def test_a_declined_card_shows_stripes_message_and_stays(offline_page: Any, shop: str) -> None:
    page = offline_page
    sign_in(page, shop, "Sam Okafor")  # a new customer: no saved cards
    assert page.get_by_role("radio", name="Visa •••• 4242").count() == 0
    page.get_by_role("radio", name="Card", exact=True).check()
    page.get_by_label("Card number").fill("4000000000000002")
    page.get_by_label("Expiration date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("ZIP").fill("94103")
    page.get_by_role("button", name="Pay 10.99 USD").click()
    page.get_by_text("Your card was declined.").wait_for()  # a card_error: shown as is
    assert urlsplit(page.url).path == "/"
    orders = orders_once_settled(page, shop)
    assert [order["status"] for order in orders] == ["payment_failed"]
    assert page.kit.outside == []
