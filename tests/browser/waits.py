"""The browser tests' waits: one generous, named timeout per kind of step, shared by every file.

Why: on a 2-core machine that is also running the rest of the suite, a Voilà page can take a
minute to render (Voilà runs the whole notebook before the page finishes loading), and a test
that allowed 20 s for that failed while the next line allowed 90 s for less. Every wait here is
long enough for a busy machine and short enough that a real hang still ends the test, and a
step that runs out fails saying what it waited for and how long, not with Playwright's bare
`Timeout 20000ms exceeded`.

    from waits import NAVIGATION_MS, goto, wait_for

    goto(page, url, "Voilà to render notebook 03")
    wait_for(page.locator(".kit-payment-element[data-ready='true']"), "the Payment Element")
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# A page load that runs a notebook first (Voilà renders after executing every cell; JupyterLab
# loads ~6 MB of JavaScript): the slowest single step, so the longest wait.
NAVIGATION_MS = 180_000
# A widget appearing and saying it is ready (a kernel, anywidget's module, Stripe.js stand-in).
WIDGET_READY_MS = 180_000
# An outcome travelling browser → kernel → Python callback → browser, or a server's reply.
OUTCOME_MS = 60_000
# Any other single step (a click, a fill, reading a text): Playwright's default for the page.
STEP_MS = 60_000
# A local server answering its first HTTP request (seconds: used with wait_until_answers).
SERVER_START_S = 120


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.0f} s"


Detail = Callable[[], str] | None  # more to show on failure: a server log, the console


@contextlib.contextmanager
def waiting_for(what: str, timeout_ms: int, detail: Detail = None) -> Iterator[None]:
    """Turn a Playwright timeout inside the block into a failure that names what was awaited."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        yield
    except PlaywrightTimeoutError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "timeout"
        more = f"\n{detail()}" if detail else ""
        pytest.fail(f"Waited {_seconds(timeout_ms)} for {what}, in vain (Playwright: {first})."
                    + more)


def goto(page: Any, url: str, what: str | None = None, timeout_ms: int = NAVIGATION_MS,
         detail: Detail = None, **options: Any) -> Any:
    """`page.goto` with the navigation timeout; on timeout, say which page was awaited."""
    with waiting_for(what or f"the page {url} to load", timeout_ms, detail):
        return page.goto(url, timeout=timeout_ms, **options)


def wait_for(locator: Any, what: str, timeout_ms: int = WIDGET_READY_MS,
             detail: Detail = None, **options: Any) -> Any:
    """`locator.wait_for` with a named timeout (by default the widget one)."""
    with waiting_for(what, timeout_ms, detail):
        locator.wait_for(timeout=timeout_ms, **options)
    return locator


def wait_for_function(page: Any, expression: str, what: str, timeout_ms: int = OUTCOME_MS,
                      detail: Detail = None, **options: Any) -> Any:
    """`page.wait_for_function` with a named timeout."""
    with waiting_for(what, timeout_ms, detail):
        return page.wait_for_function(expression, timeout=timeout_ms, **options)
