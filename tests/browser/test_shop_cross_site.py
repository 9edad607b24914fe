"""A page on another origin cannot act for the shop's signed-in user (Chromium, real processes).

The attacker's page is served from another port of 127.0.0.1: the same *site* as the shop, so
SameSite=Lax sends the victim's session cookie with its forms. It auto-submits a `text/plain`
form to `/create-intent-and-customer-session` (no CORS preflight for that) and a form to
`/login`. Neither can carry the session's CSRF token, so the shop refuses both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from shop_support import ShopProcess, api, start_shop

pytestmark = pytest.mark.browser

ATTACK = """<!doctype html>
<title>You won a prize</title>
<iframe name="pay"></iframe><iframe name="login"></iframe>
<form id="pay" method="post" enctype="text/plain" target="pay"
      action="{shop}/create-intent-and-customer-session">
  <input name='{{"amount": 1, "ignore": "' value='"}}'>
</form>
<form id="login" method="post" target="login" action="{shop}/login">
  <input name="user" value="sam">
</form>
<script>
  document.getElementById('pay').submit();
  document.getElementById('login').submit();
</script>
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopProcess]:
    tmp = tmp_path_factory.mktemp("shop")
    running = start_shop(tmp / "shop.sqlite3")
    try:
        yield running
    finally:
        running.terminate()


@pytest.fixture
def attacker(shop: ShopProcess) -> Iterator[str]:
    """The attacker's page, served from another port of the same host."""
    page = ATTACK.format(shop=shop.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="attacker", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/prize"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def counts(shop: ShopProcess) -> tuple[int, int]:
    """(orders in the shop's database, PaymentIntents in its emulator)."""
    with sqlite3.connect(shop.db) as db:
        orders = db.execute("SELECT COUNT(*) FROM shop_orders").fetchone()[0]
    intents = len(api(shop.emulator_url).v1.payment_intents.list({"limit": 100}).data)
    return orders, intents


def test_a_page_on_another_port_cannot_pay_or_sign_in_for_the_user(
        offline_page: Any, shop: ShopProcess, attacker: str) -> None:
    page = offline_page
    page.goto(shop.url + "/")
    checkout = f"{shop.url}/create-intent-and-customer-session"
    with page.expect_response(checkout) as loaded:  # the checkout page's own POST, with the token
        page.get_by_role("button", name="Sign in as Jenny Rosen").click()
    assert loaded.value.status == 200, loaded.value.text()
    page.get_by_role("button", name="Pay 10.99 USD").wait_for()
    before = counts(shop)
    assert before[0] == before[1] >= 1

    with page.expect_response(checkout) as paid, \
            page.expect_response(f"{shop.url}/login") as login:
        page.goto(attacker)
    for response in (paid.value, login.value):
        assert response.request.headers.get("origin") == attacker.rsplit("/", 1)[0]
        assert response.status == 400, (response.url, response.status, response.text())
        assert "CSRF token is missing" in response.json()["error"]["message"]

    assert counts(shop) == before  # no new order, no new PaymentIntent
    page.goto(shop.url + "/orders")  # a page that starts no checkout of its own
    page.get_by_role("heading", name="Your orders").wait_for()
    assert "Signed in as Jenny Rosen" in page.locator("header").inner_text()
    assert page.kit.outside == []
