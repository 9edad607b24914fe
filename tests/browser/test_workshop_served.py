"""The workshop served as the facilitator serves it (`python -m helpers.workshop`), driven by
Chromium: persona → pay → timeline → order with no request leaving 127.0.0.1; two
participants in parallel kept apart; a reload gives a participant their own state back; the
landing page and the facilitator view.

One server for the whole module (a preheated pool of 2), so the tier stays short.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_servers import start_workshop, stop_group
from offline import OfflineGuard
from waits import NAVIGATION_MS, STEP_MS, WIDGET_READY_MS

from helpers.workshop.truth import workshop_counts

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = "/voila/render/06_workshop_app.ipynb"
READY_MS = WIDGET_READY_MS  # the shared, generous widget wait (waits.py)
FACILITATOR = "facilitator-secret-for-tests"


def stop(process: subprocess.Popen) -> None:
    stop_group(process, timeout=15)


class Workshop:
    def __init__(self, base: str, workshop_dir: Path, log: Path) -> None:
        self.base, self.dir, self.log = base, workshop_dir, log

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def facilitator(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/workshop/facilitator.json?facilitator="
                                    f"{FACILITATOR}", timeout=10) as r:
            return json.load(r)


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workshop]:
    tmp = tmp_path_factory.mktemp("workshop")
    process, base, log = start_workshop(
        tmp, "--pool-size", "2", "--workshop-dir", str(tmp / "sandboxes"),
        "--facilitator-token", FACILITATOR)
    try:
        yield Workshop(base, tmp / "sandboxes", log)
    finally:
        stop(process)


def participant(browser: Any) -> tuple[Any, Any]:
    """A participant: their own browser context (own localStorage), strictly offline."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    guard = OfflineGuard()
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.kit = guard
    page.set_default_timeout(STEP_MS)
    page.set_default_navigation_timeout(NAVIGATION_MS)
    return context, page


def open_app(page: Any, workshop: Workshop) -> Any:
    page.goto(workshop.base + APP)
    try:
        page.locator(".kit-payment-element[data-ready=true]").wait_for(timeout=READY_MS)
    except Exception as exc:
        raise AssertionError(f"the app did not become ready\n{workshop.log_tail()}") from exc
    return page.locator(".kit-payment-element")


def sandbox_label(page: Any) -> str:
    return page.locator(".kit-workshop code").first.inner_text()


def pay_with_saved_visa(page: Any) -> str:
    widget = page.locator(".kit-payment-element")
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    widget.get_by_role("button", name="Pay $10.99").click()
    widget.get_by_text("Success! Payment received.").wait_for()
    pi = widget.get_attribute("data-payment-intent")
    assert pi and pi.startswith("pi_")
    return pi


def test_persona_pay_timeline_order_offline(browser: Any, workshop: Workshop) -> None:
    context, page = participant(browser)
    try:
        widget = open_app(page, workshop)
        # Oliver: only his Visa is shown until the `limited` filter is on
        page.get_by_role("button", name="Oliver Smith").click()
        page.get_by_text("hidden by these features").wait_for()
        widget = page.locator(".kit-payment-element[data-ready=true]")
        widget.get_by_role("radio", name="Visa •••• 4242", exact=True).wait_for()
        amex = widget.get_by_role("radio", name=re.compile(r"•••• 0005"))
        assert amex.count() == 0
        page.get_by_role("checkbox", name="limited").check()
        amex.wait_for()

        pi = pay_with_saved_visa(page)
        page.locator(".kit-timeline").get_by_text("succeeded").first.wait_for()
        orders = page.locator("table.kit-table").filter(has_text="payment_intent")
        orders.get_by_text(pi).wait_for()
        assert "paid" in orders.filter(has_text=pi).inner_text()
        page.get_by_text("PaymentIntent status: succeeded").wait_for()
        assert page.kit.outside == [], "every request stays on 127.0.0.1 (template included)"
    finally:
        context.close()


def test_two_participants_apart_and_a_reload_keeps_mine(browser: Any,
                                                       workshop: Workshop) -> None:
    (ctx_a, a), (ctx_b, b) = participant(browser), participant(browser)
    try:
        # both arrive together, before either has paid
        a.goto(workshop.base + APP)
        b.goto(workshop.base + APP)
        for page in (a, b):
            page.locator(".kit-payment-element[data-ready=true]").wait_for(timeout=READY_MS)
        label_a, label_b = sandbox_label(a), sandbox_label(b)
        assert label_a != label_b
        pi_a, pi_b = pay_with_saved_visa(a), pay_with_saved_visa(b)
        for page, mine, theirs in ((a, pi_a, pi_b), (b, pi_b, pi_a)):
            page.get_by_text(mine).first.wait_for()
            text = page.locator(".kit-workshop").inner_text()
            assert theirs not in text

        # what each sandbox holds, read from the shared emulator database
        from helpers.emulator import Emulator

        emulator = Emulator(workshop.dir / "emulator.sqlite3")
        owner = dict(emulator.store.execute(
            "SELECT id, account FROM objects WHERE id IN (?, ?)", (pi_a, pi_b)).fetchall())
        assert owner[pi_a] != owner[pi_b]
        for pi in (pi_a, pi_b):
            customers = {row[0] for row in emulator.store.execute(
                "SELECT customer FROM objects WHERE account=? AND type='payment_intent'",
                (owner[pi],))}
            others = {row[0] for row in emulator.store.execute(
                "SELECT id FROM objects WHERE account!=? AND type='customer'", (owner[pi],))}
            assert customers and not customers & others
            events = [json.loads(row[0]) for row in emulator.store.execute(
                "SELECT data FROM objects WHERE account=? AND type='event'", (owner[pi],))]
            other_pi = pi_b if pi == pi_a else pi_a
            assert events and all(other_pi not in json.dumps(e) for e in events)
        emulator.store.close()

        # a reload: same sandbox, same order, still not the other one's
        a.reload()
        a.locator(".kit-payment-element[data-ready=true]").wait_for(timeout=READY_MS)
        assert sandbox_label(a) == label_a
        a.get_by_text(pi_a).first.wait_for()
        assert pi_b not in a.locator(".kit-workshop").inner_text()
        assert a.kit.outside == [] and b.kit.outside == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_landing_page_and_facilitator_view(browser: Any, workshop: Workshop) -> None:
    context, page = participant(browser)
    try:
        page.goto(workshop.base + "/")
        assert page.get_by_role("link", name="▶ Open the workshop app").get_attribute(
            "href").endswith("voila/render/06_workshop_app.ipynb")
        for lesson in ("00 · Welcome & setup", "05 · When things go wrong"):
            page.get_by_role("link", name=lesson).wait_for()
        # a lesson's link carries this browser's participant id: the facilitator sees it there
        welcome = page.get_by_role("link", name="00 · Welcome & setup")
        assert "participant=" in welcome.get_attribute("href")
        browser_id = re.search(r"participant=([0-9a-f]+)", welcome.get_attribute("href"))[1]
        welcome.click()
        page.get_by_text("Welcome", exact=False).first.wait_for()
        # ...and so do the lesson's own links to the next one (the kit template adds it)
        follow = page.get_by_role("link", name="next: 01 customers")
        follow.wait_for(timeout=NAVIGATION_MS)
        assert f"participant={browser_id}" in follow.get_attribute("href")
        follow.click()
        page.get_by_role("heading", name="01 · Customers and saved payment methods").wait_for(
            timeout=NAVIGATION_MS)
        # Voilà's own error page, with every outside request aborted
        page.goto(workshop.base + "/voila/render/does_not_exist.ipynb")
        page.get_by_text("404").first.wait_for()
        page.goto(workshop.base + "/workshop/facilitator")
        page.get_by_role("heading", name="Facilitator only").wait_for()  # no secret, no view
        page.goto(f"{workshop.base}/workshop/facilitator?facilitator={FACILITATOR}")
        page.get_by_role("heading", name="Facilitator view").wait_for()
        page.get_by_role("button", name="Reset everyone").wait_for()
        page.get_by_text("pool ready: 2 kernels").first.wait_for()
        html = page.content()
        summary = workshop.facilitator()
        # What the server's sandboxes hold, read from their databases: the view counts the
        # same, whichever of this module's tests (which pay) ran before this one.
        truth = workshop_counts(workshop.dir)
        paid = sum(c["payments_by_status"].get("succeeded", 0) for c in truth.values())
        assert summary["succeeded"] == paid
        assert summary["participants"] >= 1  # this browser, which opened two lessons
        assert any(p["notebook"] == "01_customers.ipynb" for p in summary["people"])
        assert summary["connected"] <= summary["participants"]
        for secret in ("sk_test_", "pk_test_", "whsec_", "_secret_", "acct_"):
            assert secret not in html and secret not in json.dumps(summary)
        assert page.kit.outside == []
    finally:
        context.close()

