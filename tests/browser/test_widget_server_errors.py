"""A participant's open page shows the server's short answer to a bad widget message (issue 14,
item 2): the workshop's kernels answer a malformed or unknown widget message with a
`{"kind": "kit-error", "message": ...}` on the widget's own comm (helpers/workshop/boundary.py),
and the Payment Element shows it as a `.kit-payment-element__notice` (role=alert) above a form
that stays usable.

The bad messages come from a second websocket on the page's kernel, as another page (or a
forged request) would send them: a kernel's iopub is broadcast to every connection to it, so the
reply reaches the participant's Chromium page too. The served workshop and the page-side
websocket are those of test_workshop_isolation.py.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest
from test_workshop_isolation import APP, ROOT, PageSocket, Served, served  # noqa: F401
from waits import OUTCOME_MS, goto, wait_for

from conftest import guarded_page

pytestmark = pytest.mark.browser


def test_open_page_shows_the_servers_short_error(browser: Any,
                                                 served: Served) -> None:  # noqa: F811
    context, page = guarded_page(browser, 1100)
    socket = None
    try:
        goto(page, f"{served.base}/voila/render/{APP}.ipynb", "Voilà to render the workshop app",
             detail=lambda: served.text()[-3000:])
        element = page.locator(".kit-payment-element[data-ready='true']")
        wait_for(element, "the Payment Element to be ready", detail=lambda: served.text()[-3000:])
        notice = page.locator(".kit-payment-element__notice")
        assert notice.count() == 0, "a notice before any bad message"

        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page.content())
        assert found, "no kernel id in the Voilà page"
        socket = PageSocket(served, found.group(1))
        states = socket.states()
        comm = next(c for c, s in states.items() if "ready" in s and "attempts" in s)
        socket.comm(comm, {"method": "teleport"})
        socket.comm(comm, {"method": "custom", "content": {
            "kind": "anywidget-command", "id": "bad1", "name": "no_such_command", "msg": {}}})
        heard = socket.settle()
        # the kernel did answer (on this socket too): so a missing notice is the page's fault
        assert sum((m["content"].get("data") or {}).get("content", {}).get("kind") == "kit-error"
                   for m in heard if m["header"]["msg_type"] == "comm_msg") == 2, heard

        wait_for(notice, "the server's kit-error notice in the participant's page",
                 timeout_ms=OUTCOME_MS, detail=lambda: "\n".join(page.kit_console[-20:]))
        assert notice.count() == 1 and notice.get_attribute("role") == "alert"
        text = notice.inner_text()
        assert text.startswith("The server could not handle a request: ") and len(text) < 300
        assert "no_such_command" in text, text  # the latest answer is shown
        for leak in ("Traceback", str(ROOT), sys.prefix, "/home/", "/usr/", "/tmp/"):
            assert leak not in text, (leak, text)
        assert "Traceback" not in json.dumps(heard)
        # the form is still there and ready: the saved cards and the Pay button
        assert element.count() == 1
        element.get_by_role("radio", name="Visa •••• 4242", exact=True).wait_for()
        assert element.get_by_role("button", name=re.compile(r"^Pay ")).is_enabled()
    finally:
        if socket:
            socket.close()
        context.close()
