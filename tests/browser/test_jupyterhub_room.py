"""A real JupyterHub with the kit's config (helpers/workshop/jupyterhub_config.py): three users
log in through the hub's login page in Chromium, each lands in their own single-user server's
workshop app and pays with the saved Visa; their sandboxes are apart (each payment lives only
in its user's emulator, and one user cannot open another's server); a page cannot run code in
its kernel (an execute_request over the user's kernel websocket runs nothing) and an unknown
widget command gets a short `kit-error`, no traceback (the workshop's kernel protection, as
`python -m helpers.workshop` has it); then, with every tab still open and nobody doing
anything, the hub's idle culler stops all three servers.

Needs configurable-http-proxy from the npm registry (`.ci/run` installs it into .kit/npm).
In CI (`.ci/run` sets KIT_REQUIRE_HUB=1; CI=... counts too) a missing proxy fails the test;
elsewhere it skips and says how to install it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jupyterhub_runner import APP_PATH, INSTALL_CHP, Hub, chp_command, running_hub
from offline import OfflineGuard
from waits import NAVIGATION_MS, OUTCOME_MS, STEP_MS, goto, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.timeout(1200)]  # its own named waits (up to ~10 min) fire first

ROOT = Path(__file__).resolve().parents[2]
USERS = ["ada", "grace", "linus"]
# login → the hub spawns a server → Voilà runs the app's notebook: three at once on 2 cores
LOGIN_TO_APP_READY_MS = 2 * NAVIGATION_MS
# The culler stops a server idle for this long; the payments must fit inside it, so it is
# not tiny. The culler looks every CULL_EVERY_S seconds.
IDLE_TIMEOUT_S = 45
CULL_EVERY_S = 5
CULLED_WITHIN_S = IDLE_TIMEOUT_S + 120
READY = ".kit-payment-element[data-ready=true]"
# what a page's probe of its own kernel waits for before giving up and reporting what it heard
KERNEL_PROBE_MS = 60_000
MARKER = "ran-from-a-page"  # the file the probe's execute_request would write in the user's home

# Run in a user's app page: the user's kernel websocket, spoken as a page speaks it (JSON
# messages, with the page's own cookies). It sends code to run, then an unknown command to a
# widget, then a kernel_info request: the shell channel answers in order, so the kernel has
# handled (or never got) everything before once that request's `idle` arrives.
PROBE_KERNEL = """async ({code, waitMs}) => {
  const base = location.origin + location.pathname.split('/voila/')[0] + '/';
  // the hub's single-user servers want the page's XSRF token with cookie-authenticated
  // requests, as JupyterLab and Voilà send it
  const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
  const listed = await fetch(base + 'api/kernels', {headers: {'X-XSRFToken': xsrf}});
  const kernels = await listed.json();
  if (!listed.ok || !kernels.length) return {listed: listed.status, kernels, heard: []};
  const ws = new WebSocket(
    `${base.replace(/^http/, 'ws')}api/kernels/${kernels[0].id}/channels?session_id=probe`
    + `&_xsrf=${encodeURIComponent(xsrf)}`);
  const heard = [];
  let settle = null;
  ws.onmessage = (event) => {
    if (typeof event.data !== 'string') return;
    const m = JSON.parse(event.data);
    heard.push(m);
    if (settle) settle(m);
  };
  const until = (done) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    settle = (m) => { if (done(m)) { clearTimeout(timer); resolve(m); } };
  });
  let n = 0;
  const send = (msg_type, content) => {
    const msg_id = `probe-${++n}`;
    ws.send(JSON.stringify({header: {msg_id, msg_type, username: 'page', session: 'probe',
      version: '5.3', date: ''}, parent_header: {}, metadata: {}, content, buffers: [],
      channel: 'shell'}));
    return msg_id;
  };
  const opened = await new Promise((resolve) => {
    ws.onopen = () => resolve(true); ws.onerror = () => resolve(false); });
  if (!opened) return {kernels: kernels.length, opened, heard, settled: false};
  send('comm_info_request', {target_name: 'jupyter.widget'});
  const reply = await until((m) => m.header.msg_type === 'comm_info_reply');
  const comms = Object.keys(reply ? reply.content.comms : {});
  send('execute_request', {code, silent: false, store_history: false, user_expressions: {},
                           allow_stdin: false});
  for (const comm_id of comms) {
    send('comm_msg', {comm_id, data: {method: 'custom', content: {
      kind: 'anywidget-command', id: 'probe', name: 'no_such_command', msg: {}}}});
  }
  const marker = send('kernel_info_request', {});
  const settled = null !== await until((m) => m.channel === 'iopub' && m.header.msg_type === 'status'
    && m.parent_header.msg_id === marker && m.content.execution_state === 'idle');
  ws.close();
  return {kernels: kernels.length, opened, comms: comms.length, heard, settled};
}"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    chp = chp_command()
    if chp is None:
        message = f"configurable-http-proxy is not installed: {INSTALL_CHP}"
        if os.environ.get("KIT_REQUIRE_HUB") or os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with running_hub(tmp_path_factory.mktemp("hub"), USERS, chp=chp,
                     idle_timeout=IDLE_TIMEOUT_S, cull_every=CULL_EVERY_S) as running:
        yield running



def log_in(browser: Any, hub: Hub, user: str) -> tuple[Any, Any, OfflineGuard]:
    """A participant's own browser context: the hub's login page, submitted (not awaited)."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    guard = OfflineGuard()
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    goto(page, hub.base + "/hub/login", "the hub's login page", detail=hub.log_tail)
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(hub.password)
    page.locator("#login_submit").click()
    return context, page, guard


def wait_for_app(page: Any, hub: Hub, user: str) -> Any:
    """After login the hub spawns the user's server and its default URL opens the app."""
    widget = wait_for(page.locator(READY), f"{user}'s app to be ready after login",
                      LOGIN_TO_APP_READY_MS,
                      detail=lambda: f"(page at {page.url})\n{hub.log_tail()}")
    assert urlsplit(page.url).path == f"/user/{user}/{APP_PATH}", page.url
    return widget


def pay_with_saved_visa(page: Any) -> str:
    widget = page.locator(".kit-payment-element")
    widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
    widget.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    wait_for(widget.get_by_text("Success! Payment received."), "the payment to succeed",
             OUTCOME_MS)
    pi = widget.get_attribute("data-payment-intent")
    assert pi and pi.startswith("pi_"), pi
    return pi


def probe_kernel(page: Any, hub: Hub, user: str) -> None:
    """A page sends code and an unknown widget command to its own kernel: nothing runs, and
    the command gets a short `kit-error` without a traceback or a server path."""
    code = f"open(__import__('os').path.expanduser('~/{MARKER}'), 'w').write('ran')"
    got = page.evaluate(PROBE_KERNEL, {"code": code, "waitMs": KERNEL_PROBE_MS})
    heard = got.pop("heard")
    assert got["opened"] and got["settled"] and got["comms"], (got, heard[-5:], hub.log_tail())
    kinds = {m["header"]["msg_type"] for m in heard}
    assert not kinds & {"execute_input", "execute_reply", "execute_result", "stream", "error"}, \
        kinds
    assert not (hub.home(user) / MARKER).exists(), "the page's code ran in its kernel"
    errors = [(m["content"].get("data") or {}).get("content") or {} for m in heard
              if m["header"]["msg_type"] == "comm_msg"]
    errors = [e for e in errors if e.get("kind") == "kit-error"]
    assert len(errors) == got["comms"], (got, heard)  # one short answer per widget
    assert all(0 < len(e["message"]) < 200 for e in errors), errors
    text = json.dumps(heard)
    assert "Traceback" not in text and str(hub.dir) not in text and str(ROOT) not in text, \
        text[:2000]
    assert 'Received message of type "execute_request", which is not allowed' in \
        hub.log.read_text(errors="replace"), hub.log_tail()


def payment_intents(home: Path) -> dict[str, str]:
    """PaymentIntent id -> emulator account, from the user's own workshop emulator."""
    path = home / ".kit-workshop" / "emulator.sqlite3"
    assert path.exists(), f"no workshop emulator in {home}"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return dict(db.execute(
            "SELECT id, account FROM objects WHERE type='payment_intent'").fetchall())


def test_three_users_pay_apart_and_the_idle_culler_stops_their_servers(
        browser: Any, hub: Hub) -> None:
    participants = [log_in(browser, hub, user) for user in USERS]
    try:
        # all three servers spawn at once; each user pays as soon as their app is ready, in
        # whatever order they get ready (a ready app left waiting would count as idle)
        paid: dict[str, str] = {}
        pages = {user: page for user, (_, page, _) in zip(USERS, participants, strict=True)}
        deadline = time.monotonic() + LOGIN_TO_APP_READY_MS / 1000
        while len(paid) < len(USERS) and time.monotonic() < deadline:
            for user, page in pages.items():
                if user not in paid and page.locator(READY).count():
                    wait_for_app(page, hub, user)
                    paid[user] = pay_with_saved_visa(page)
            pages[USERS[0]].wait_for_timeout(500)
        for user, page in pages.items():
            if user not in paid:  # fails naming the user, the page and the hub's log
                wait_for_app(page, hub, user)
                paid[user] = pay_with_saved_visa(page)
        assert len(set(paid.values())) == 3, paid

        # apart: each payment lives in its own user's emulator and nowhere else
        held = {user: payment_intents(hub.home(user)) for user in USERS}
        for user, pi in paid.items():
            assert pi in held[user], f"{user}'s payment is not in {user}'s emulator"
            for other in USERS:
                if other != user:
                    assert pi not in held[other], f"{user}'s payment is visible to {other}"
        accounts = {user: held[user][paid[user]] for user in USERS}

        # apart: a user cannot open another user's server (the hub refuses, no app is served)
        _, grace_page, _ = participants[1]
        response = grace_page.goto(hub.app_url("ada"))
        assert response is not None and response.status == 403, \
            (response and response.status, grace_page.url)
        assert grace_page.locator(".kit-payment-element").count() == 0

        # the workshop's kernel protection holds in a hub user's server too
        probe_kernel(participants[0][1], hub, USERS[0])

        for user, (_, _, guard) in zip(USERS, participants, strict=True):
            assert guard.outside == [], f"{user}'s pages asked for {guard.outside}"
            # the widget's code came from the user's server as a file (cacheable)
            asked = {urlsplit(url).path for url in guard.local}
            assert f"/user/{user}/kit/static/payment-element.js" in asked, \
                f"{user}'s page never fetched the Payment Element's code from its server"

        # the idle culler: every tab stays open, nobody acts, and the hub stops each server
        running = {user for user in USERS if hub.servers(user)}
        assert running == set(USERS), running
        started_wait = time.monotonic()
        hub.wait_for("the idle culler to stop all three servers",
                     lambda: not any(hub.servers(user) for user in USERS),
                     timeout=CULLED_WITHIN_S)
        idle_for = time.monotonic() - started_wait
        log = hub.log.read_text(errors="replace")
        for user in USERS:
            assert re.search(rf"Culling server {user}\b", log), \
                f"no culler line for {user}\n{hub.log_tail()}"
        print(f"culled {len(USERS)} servers {idle_for:.0f}s after the last payment")

        # culling stops the server, not the user's data: the sandboxes are still there
        for user in USERS:
            assert payment_intents(hub.home(user))[paid[user]] == accounts[user]
    finally:
        for context, _, _ in participants:
            context.close()
