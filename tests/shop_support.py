"""The take-home shop (`python -m helpers.shop`) as a real process, and a visitor that uses it
as the seed's page does: signs in with the form, POSTs with the page's CSRF token, pays with a
saved card through the emulator (as Stripe.js would), reads its orders.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stripe
from local_servers import free_port, stop_group, wait_until_answers
from support.env import clean_env as scrubbed_env
from support.waits import poll_until

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60  # seconds for `python -m helpers.shop` to print its URL (its emulator too)
PAID_TIMEOUT = 30  # seconds for the signed webhook to reach the shop and mark the order paid
EMULATOR_START_TIMEOUT = 60  # seconds for `python -m helpers.emulator serve` to answer
URL_LINE = re.compile(r"Your server: (?P<url>http://\S+)\s+\((?:offline emulator at"
                      r" (?P<emulator>http://[^;]+);)?")
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def clean_env() -> dict[str, str]:
    """No keys or kit settings from the developer's shell: offline, random ids, wall clock."""
    return scrubbed_env(KIT_BACKEND="emulator", PYTHONUNBUFFERED="1")


@dataclass
class ShopProcess:
    """`python -m helpers.shop --db DB ...`, started in its own process group."""

    process: subprocess.Popen
    url: str
    emulator_url: str | None
    db: Path
    output: list[str] = field(default_factory=list)

    def kill(self) -> None:
        """kill -9: no cleanup of any kind runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> None:
        """`kill` (SIGTERM): the shop stops as cleanly as with Ctrl-C."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            raise AssertionError("the shop did not stop within 20 s of SIGTERM") from None


def start_shop(db: Path, *args: str, port: int = 0) -> ShopProcess:
    """Start the shop; returns once it has printed its URL (read with a deadline)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.shop", "--port", str(port), "--db", str(db), *args],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:  # the pipe must be drained for as long as the shop runs
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="shop-output", daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        left = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(left, 0.01))
        except queue.Empty:
            line = ""
        if line is None or left <= 0:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(
                f"the shop printed no 'Your server: URL' line within {START_TIMEOUT} s"
                f" (exit code {process.poll()}); it printed:\n{''.join(seen)}")
        seen.append(line)
        found = URL_LINE.search(line)
        if found:
            return ShopProcess(process, found["url"], found["emulator"], db, seen)


class Visitor:
    """A browser's view of the shop: cookies kept, the page's CSRF token sent with each POST."""

    def __init__(self, shop_url: str) -> None:
        self.shop_url = shop_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        request = urllib.request.Request(self.shop_url + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def page_token(self) -> str:
        """The CSRF token of the page the shop serves this visitor now."""
        status, page, _ = self.request("GET", "/", headers={"Accept": "text/html"})
        assert status == 200, page
        found = TOKEN.search(page)
        assert found, f"no csrf-token meta tag on the shop's page:\n{page[:500]}"
        return found[1]

    def sign_in(self, user_id: str) -> None:
        form = urllib.parse.urlencode({"user": user_id, "csrf_token": self.page_token()})
        status, page, _ = self.request("POST", "/login", form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and "Checkout" in page, (status, page[:300])  # after the 303

    def start_checkout(self) -> dict[str, Any]:
        """What checkout.js does when the page loads: POST with the token, nothing else."""
        status, body, _ = self.request("POST", "/create-intent-and-customer-session", b"",
                                       {"X-CSRFToken": self.page_token()})
        assert status == 200, (status, body)
        return json.loads(body)

    def orders(self) -> list[dict[str, Any]]:
        status, body, _ = self.request("GET", "/orders.json")
        assert status == 200, (status, body)
        return json.loads(body)["orders"]

    def wait_until_paid(self, payment_intent: str, timeout: float = PAID_TIMEOUT
                        ) -> dict[str, Any]:
        """The order for `payment_intent` once the webhook has marked it paid."""
        def paid() -> dict[str, Any] | None:
            orders = {order["payment_intent"]: order for order in self.orders()}
            order = orders.get(payment_intent)
            return order if order is not None and order["status"] == "paid" else None

        return poll_until(paid, timeout, f"the order for {payment_intent} to be paid (the"
                          " signed webhook reaching the shop)", interval=0.2)


def api(emulator_url: str, key: str = DEFAULT_SECRET_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": emulator_url},
                               max_network_retries=0)


def pay_with_saved_visa(emulator_url: str, secrets: dict[str, Any]) -> str:
    """What the Payment Element does for a returning customer who picks her saved Visa: read
    the Elements session (publishable key and client secrets only), confirm with that card.
    Returns the PaymentIntent's id."""
    browser = api(emulator_url, DEFAULT_PUBLISHABLE_KEY)
    session = json.loads(browser.raw_request(
        "get", "/v1/elements/sessions", client_secret=secrets["client_secret"],
        customer_session_client_secret=secrets["customer_session_client_secret"]).body)
    saved = {pm["card"]["last4"]: pm["id"] for pm in session["customer"]["payment_methods"]}
    assert "4242" in saved, f"the returning customer's saved Visa is not offered: {saved}"
    intent_id = secrets["client_secret"].split("_secret_")[0]
    intent = browser.v1.payment_intents.confirm(intent_id, {
        "client_secret": secrets["client_secret"], "payment_method": saved["4242"],
        "return_url": "http://127.0.0.1/complete"})
    assert intent.status == "succeeded", intent.status
    return intent_id


def page_token_of(test_client: Any) -> str:
    """The CSRF token on the page a Flask test client is served now (its session's)."""
    page = test_client.get("/").get_data(as_text=True)
    found = TOKEN.search(page)
    assert found, f"no csrf-token meta tag on the shop's page:\n{page[:500]}"
    return found[1]


@contextlib.contextmanager
def served_emulator(tmp: Path, **settings: str) -> Iterator[str]:
    """`python -m helpers.emulator serve` on a free port, in a process of its own (it outlives
    the shop's restarts), with `settings` in its environment; yields its URL."""
    port = free_port()
    log = (tmp / "emulator.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.emulator", "serve", "--port", str(port),
         "--db", str(tmp / "served-emulator.sqlite3")],
        cwd=ROOT, env={**clean_env(), **settings}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(url + "/health", process, timeout=EMULATOR_START_TIMEOUT)
        yield url
    finally:
        stop_group(process)
        log.close()


def checkout_then_kill(db: Path, emulator_url: str, port: int) -> dict[str, Any]:
    """Jenny starts a checkout on a shop (on `emulator_url`), which is then killed with -9:
    nothing of the shop's runs on the way out. Returns the checkout's two client secrets."""
    shop = start_shop(db, "--emulator", emulator_url, port=port)
    try:
        jenny = Visitor(shop.url)
        jenny.sign_in("jenny")
        return jenny.start_checkout()
    finally:
        shop.kill()
