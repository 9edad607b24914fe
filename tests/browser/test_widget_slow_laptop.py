"""The Payment Element on a slow laptop, against a busy workshop server.

1. Chromium's CPU is throttled 6× (DevTools `Emulation.setCPUThrottlingRate`) while several
   simulated participants (benchmarks/workshop_load.py's protocol client: page, kernel
   websocket, widget comm messages, paying with the saved Visa) arrive at the same moment;
   the throttled page still gets a ready Payment Element and pays with the saved Visa. Its
   widget code comes from the server's `kit/static` route, not from the widget's state.
2. When the widget's code cannot start (here: the server's copy is unreachable and the copy
   the browser kept is corrupt), the widget says so and offers Retry; Retry then works.

One workshop server for the module (`python -m helpers.workshop`, a preheated pool).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_servers import start_workshop, stop_group
from offline import OfflineGuard

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = "/voila/render/06_workshop_app.ipynb"
BURST = 5           # simulated participants arriving with the throttled one
CPU_SLOWDOWN = 6    # Chromium's CPU throttling rate (6×: a low-end laptop, per DevTools)
READY_MS = 180_000  # generous: a 6× slower page on a server taking a burst
PAID_MS = 90_000


def load_benchmark() -> Any:
    """benchmarks/workshop_load.py, for its protocol-speaking participant."""
    spec = importlib.util.spec_from_file_location("workshop_load",
                                                  ROOT / "benchmarks" / "workshop_load.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("slow-laptop")
    process, base, _log = start_workshop(
        tmp, "--pool-size", str(BURST + 3), "--workshop-dir", str(tmp / "sandboxes"),
        timeout=120)
    try:
        yield base
    finally:
        stop_group(process, timeout=15)


def participant_page(browser: Any) -> tuple[Any, Any, list[str]]:
    """A fresh participant (own storage), offline; returns (context, page, local URLs asked)."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    guard = OfflineGuard()
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page, guard.local


def pay_with_saved_visa(page: Any) -> None:
    widget = page.locator(".kit-payment-element[data-ready=true]")
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    widget.get_by_role("button", name="Pay $10.99").click()
    widget.get_by_text("Success! Payment received.").wait_for(timeout=PAID_MS)


def test_throttled_browser_during_a_burst_gets_a_ready_widget_and_pays(
        browser: Any, workshop: str) -> None:
    bench = load_benchmark()
    burst_results: list[dict[str, Any]] = []

    async def burst() -> None:
        import httpx

        async with httpx.AsyncClient() as http:
            burst_results.extend(await asyncio.gather(*(
                bench.simulated_participant(http, workshop + APP, 0.05 * i, 240.0, True)
                for i in range(BURST))))

    context, page, asked = participant_page(browser)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        crowd = threading.Thread(target=lambda: asyncio.run(burst()), daemon=True)
        crowd.start()
        page.goto(workshop + APP)
        page.locator(".kit-payment-element[data-ready=true]").wait_for(timeout=READY_MS)
        pay_with_saved_visa(page)
        crowd.join(timeout=300)
        assert not crowd.is_alive(), "the simulated participants finished"
        assert len(burst_results) == BURST
        assert all("page" in r["marks"] for r in burst_results), \
            f"the burst reached the server: {[r.get('error') for r in burst_results]}"
        assert page.locator(".kit-payment-element__problem").count() == 0
        assert "Failed to initialize model" not in page.locator("body").inner_text()
        module_requests = [u for u in asked if "/kit/static/payment-element.js?v=" in u]
        assert len(module_requests) == 1, "the widget's code came once, from the server"
    finally:
        context.close()


def test_a_widget_that_cannot_start_says_so_and_retry_works(browser: Any,
                                                            workshop: str) -> None:
    """The server's copy is unreachable and the browser's kept copy is corrupt: the widget
    says it could not load and offers Retry; Retry asks the kernel and the payment goes on."""
    from helpers.payment_element import module_version

    context, page, _ = participant_page(browser)
    refused: list[str] = []

    def unreachable(route: Any) -> None:
        refused.append(route.request.url)
        route.abort()

    page.route(re.compile(r".*/kit/static/payment-element\.js.*"), unreachable)
    broken = json.dumps({"version": module_version(), "source": "%% not JavaScript"})
    page.add_init_script(
        f"window.localStorage.setItem('kit-payment-element-module', {json.dumps(broken)});")
    try:
        page.goto(workshop + APP)
        problem = page.get_by_role("alert").filter(has_text="The payment form could not load")
        problem.wait_for(timeout=READY_MS)
        assert page.locator(".kit-payment-element[data-ready=true]").count() == 0
        problem.get_by_role("button", name="Retry").click()
        page.locator(".kit-payment-element[data-ready=true]").wait_for(timeout=READY_MS)
        assert page.get_by_role("alert").filter(has_text="could not load").count() == 0
        assert refused, "the loader tried the server's copy first"
        kept = json.loads(page.evaluate(
            "window.localStorage.getItem('kit-payment-element-module')"))
        assert kept["version"] == module_version() and "mountCheckout" in kept["source"], \
            "the kernel's copy replaced the corrupt one"
        pay_with_saved_visa(page)
    finally:
        context.close()
