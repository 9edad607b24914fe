"""The workshop served for real (`python -m helpers.workshop`), spoken to the way pages and
the facilitator speak to it, without a browser: Voilà's HTTP pages, Jupyter's kernel
websocket (JSON messages, as a page sends them) and widget comm messages.

- two participants side by side in every lesson (00-05) and in the app (06): one does
  everything (the lesson's own cells, then: the clock moved a day, an order fulfilled, a
  reset), the other's emulator account, clock, order book, webhook endpoints and widgets
  are unchanged;
- a comm message naming an unknown widget command, or malformed, gets a short error on the
  widget's comm, never an iopub `error`, a traceback or a server path; a page cannot run code;
- the facilitator's counts come from the participant's emulator account (a forged widget
  update counts nothing), with progress per participant and no key or personal data;
- Voilà's error pages link nothing outside the server;
- the printed lines (URLs, plural, the pool's progress with seconds and
  `pool ready: 1 kernel in N s, ...`), "reset everyone", "end workshop";
- a page cannot shut down or interrupt its kernel (Voilà's own message list is overridden),
  and a widget comm opened with incomplete state gets a short answer, not a traceback.

The participants' actions on the kernels are run through each kernel's connection file (the
server's side of the protocol: the test stands for the lesson's own code), because a page may
send only widget messages.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from local_servers import start_workshop, stop_group
from support.waits import poll_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ("00_welcome", "01_customers", "02_server_side", "03_client_side", "04_webhooks",
           "05_when_things_go_wrong")
APP = "06_workshop_app"
FACILITATOR = "facilitator-secret-for-tests"
SERVER_START_S = 180   # the server answering and its pool of one executed notebook 06
KERNEL_REPLY_S = 120   # a kernel answering one message (a lesson may still be executing)
POOL_READY = r"pool ready: 1 kernel in \d+ s, participants can come in"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# hosts of XML namespaces and doctypes: names, never fetched
NAMESPACE_HOSTS = {"www.w3.org", "creativecommons.org", "purl.org"}


# ---- the server ---------------------------------------------------------------------------

class Served:
    def __init__(self, base: str, port: int, log: Path, process: subprocess.Popen) -> None:
        self.base, self.port, self.log, self.process = base, port, log, process

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_line(self, line: str, timeout: float, what: str) -> None:
        """Wait for a printed line matching the regular expression `line` (no longer once the
        server has exited)."""
        def printed() -> bool:
            return any(re.fullmatch(line, p) for p in self.text().splitlines())

        try:
            poll_until(lambda: printed() or self.process.poll() is not None, timeout, what,
                       interval=0.5)
        except TimeoutError:
            pass  # the log's end says more than the last check
        if printed():
            return
        raise AssertionError(f"waited {timeout:.0f} s for {what} ({line!r}); the server's log"
                             f" ends:\n{self.text()[-3000:]}")

    def get(self, path: str, **headers: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=KERNEL_REPLY_S) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def facilitator(self) -> dict[str, Any]:
        status, body = self.get(f"/workshop/facilitator.json?facilitator={FACILITATOR}")
        assert status == 200, body
        return json.loads(body)

    def act(self, action: str) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base}/workshop/facilitator/{action}", method="POST", data=b"",
            headers={"X-Kit-Facilitator": FACILITATOR, "Accept": "application/json",
                     "X-XSRFToken": "t", "Cookie": "_xsrf=t"})
        with urllib.request.urlopen(request, timeout=KERNEL_REPLY_S) as response:
            return json.load(response)

    def connection_dir(self) -> Path:
        found = re.search(r"Storing connection files in (\S+?)\.?$", self.text(), re.M)
        assert found, "the server did not say where its kernels' connection files are"
        return Path(found.group(1))

    def render(self, notebook: str, participant: str | None = None) -> tuple[str, str]:
        """Open a page as a participant does: (kernel id, page HTML)."""
        query = f"?participant={participant}" if participant else ""
        status, page = self.get(f"/voila/render/{notebook}.ipynb{query}")
        assert status == 200, f"{notebook}: HTTP {status}\n{page[-2000:]}"
        kernel = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)
        assert kernel, f"{notebook}: no kernel id in the page"
        return kernel.group(1), page


@contextlib.contextmanager
def workshop_server(tmp: Path) -> Iterator[Served]:
    """`python -m helpers.workshop` with a pool of one, its sandboxes under `tmp`."""
    process, base, log = start_workshop(
        tmp, "--pool-size", "1", "--refill-delay", "1", "--workshop-dir", str(tmp / "sandboxes"),
        "--facilitator-token", FACILITATOR, timeout=SERVER_START_S)
    server = Served(base, int(base.rsplit(":", 1)[1]), log, process)
    try:
        server.wait_for_line(POOL_READY, SERVER_START_S, "the pool to be ready")
        yield server
    finally:
        stop_group(process, timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with workshop_server(tmp_path_factory.mktemp("workshop-isolation")) as server:
        yield server


@pytest.fixture
def served_alone(tmp_path: Path) -> Iterator[Served]:
    """A workshop of its own, for a test that resets or ends it (in any test order)."""
    with workshop_server(tmp_path) as server:
        yield server


# ---- a page's side: the kernel websocket --------------------------------------------------

class PageSocket:
    """Jupyter's kernel websocket as a Voilà page speaks it (JSON messages)."""

    def __init__(self, served: Served, kernel_id: str) -> None:
        import websocket

        self.session = uuid.uuid4().hex
        url = (served.base.replace("http", "ws", 1)
               + f"/api/kernels/{kernel_id}/channels?session_id={self.session}")
        self.ws = websocket.create_connection(url, timeout=KERNEL_REPLY_S)
        self.heard: list[dict[str, Any]] = []

    def close(self) -> None:
        self.ws.close()

    def send(self, msg_type: str, content: dict[str, Any], channel: str = "shell",
             metadata: dict[str, Any] | None = None) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "participant", "session": self.session,
                       "msg_type": msg_type, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": metadata or {}, "content": content,
            "buffers": [], "channel": channel}))
        return msg_id

    def comm(self, comm_id: str, data: Any) -> str:
        return self.send("comm_msg", {"comm_id": comm_id, "data": data})

    def until(self, done: Callable[[dict[str, Any]], bool],
              what: str = "the kernel's answer") -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + KERNEL_REPLY_S
        while True:
            if time.monotonic() > deadline:  # a kernel that keeps talking but never answers
                kinds = [m["header"]["msg_type"] for m in got][-20:]
                raise AssertionError(f"waited {KERNEL_REPLY_S} s for {what}; heard {kinds}")
            raw = self.ws.recv()
            if isinstance(raw, bytes):  # a message with buffers: none of ours
                continue
            message = json.loads(raw)
            self.heard.append(message)
            got.append(message)
            if done(message):
                return got

    def settle(self) -> list[dict[str, Any]]:
        """Everything the kernel says until it has handled all we sent: a kernel_info
        request goes last on the shell channel; its iopub `idle` follows all earlier output."""
        marker = self.send("kernel_info_request", {})
        return self.until(lambda m: m.get("channel") == "iopub"
                          and m["header"]["msg_type"] == "status"
                          and m["parent_header"].get("msg_id") == marker
                          and m["content"].get("execution_state") == "idle",
                          "the kernel to be idle after a kernel_info_request")

    def comms(self) -> list[str]:
        self.send("comm_info_request", {"target_name": "jupyter.widget"})
        reply = self.until(lambda m: m["header"]["msg_type"] == "comm_info_reply")[-1]
        return list(reply["content"]["comms"])

    def states(self) -> dict[str, dict[str, Any]]:
        """Every widget's state, asked for as a page asks (`request_state`)."""
        ids = self.comms()
        for comm_id in ids:
            self.comm(comm_id, {"method": "request_state"})
        states = {}
        for message in self.settle():
            data = message["content"].get("data") or {}
            if message["header"]["msg_type"] == "comm_msg" and data.get("method") == "update":
                states[message["content"]["comm_id"]] = data.get("state") or {}
        return states

    def invoke(self, comm_id: str, name: str, msg: Any) -> Any:
        """An anywidget command, as the widget's JavaScript sends it; returns the response."""
        call = uuid.uuid4().hex
        self.comm(comm_id, {"method": "custom", "content": {
            "kind": "anywidget-command", "id": call, "name": name, "msg": msg}})
        for message in self.settle():
            content = (message["content"].get("data") or {}).get("content") or {}
            if content.get("kind") == "anywidget-command-response" and content.get("id") == call:
                return content["response"]
        raise AssertionError(f"no response to the {name} command")


# ---- the server's side: the kernel's connection file --------------------------------------

class KernelRunner:
    """Runs code in a kernel through its connection file; returns what it printed."""

    def __init__(self, served: Served, kernel_id: str) -> None:
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(served.connection_dir() / f"kernel-{kernel_id}.json"))
        self.client.start_channels()
        self.client.wait_for_ready(timeout=KERNEL_REPLY_S)

    def run(self, code: str, ok: bool = True) -> str:
        out: list[str] = []

        def hook(message: dict[str, Any]) -> None:
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append(f"ERROR {content['ename']}: {content['evalue']}")

        reply = self.client.execute_interactive(code, output_hook=hook,
                                                timeout=KERNEL_REPLY_S)
        text = "".join(out)
        assert (reply["content"]["status"] == "ok") == ok, text
        self.last_reply = reply["content"]
        return text

    def json(self, code: str) -> Any:
        return json.loads(self.run(code).strip().splitlines()[-1])

    def close(self) -> None:
        self.client.stop_channels()


# What a participant's state is, read inside their kernel: the emulator, each account's clock,
# webhook endpoints and receivers, order books and widgets.
SNAPSHOT = r"""
import gc as _gc, json as _json, os as _os
from helpers.emulator import get_emulator as _get
from helpers.fulfilment import OrderBook as _Book
_e = _get()
_accounts = sorted(r[0] for r in _e.store.execute("SELECT DISTINCT account FROM objects"))
def _count(book, table="orders"):
    try:
        return book.count(table)
    except Exception:  # a book closed by the lesson
        return None
# (names, not paths: a kernel's output leaves no path of the server's)
_books = sorted((_os.path.basename(b.path), _count(b), _count(b, "outbox"))
                for b in _gc.get_objects()
                if isinstance(b, _Book) and b.path != ":memory:")
print(_json.dumps({
    "pid": _os.getpid(), "db": str(_e.store.path),
    "objects": {a: _e.store.execute("SELECT COUNT(*) FROM objects WHERE account=?",
                                    (a,)).fetchone()[0] for a in _accounts},
    "clocks": {a: _e.clock.offset_for(a) for a in _accounts},
    "shared_clock": _e.clock.offset,
    "endpoints": {a: _e.store.execute("SELECT COUNT(*) FROM objects WHERE account=? AND"
                                      " type='webhook_endpoint'", (a,)).fetchone()[0]
                  for a in _accounts},
    "receivers": sorted(_e.deliveries.receivers),
    "books": _books}))
"""
# Everything a participant can do to their own state, done at once: every clock a day ahead,
# an order fulfilled into a fresh order book, then every account reset.
EVERYTHING = r"""
from helpers.emulator import get_emulator as _get
from helpers.fulfilment import OrderBook as _Book
_e = _get()
_moved_from = _e.clock.offset
for _a in [r[0] for r in _e.store.execute("SELECT DISTINCT account FROM objects")]:
    _e.advance_clock(86400, _a)
_e.advance_clock(3600)
_book = _Book.fresh()
_outcome = _book.handle({"id": "evt_isolation", "type": "payment_intent.succeeded",
                         "created": 1, "data": {"object": {
                             "object": "payment_intent", "id": "pi_isolation",
                             "amount": 1099, "currency": "usd", "customer": None}}})
print(_outcome, _book.count(), round(_e.clock.offset - _moved_from))
_e.reset()
"""


def test_two_participants_apart_in_every_lesson(served: Served) -> None:
    for lesson in LESSONS:
        a_kernel, _ = served.render(lesson, participant="alice-" + lesson)
        b_kernel, _ = served.render(lesson, participant="bob-" + lesson)
        a, b = KernelRunner(served, a_kernel), KernelRunner(served, b_kernel)
        try:
            before_a, before_b = a.json(SNAPSHOT), b.json(SNAPSHOT)
            assert before_a["pid"] != before_b["pid"]
            # A did it all: an order fulfilled, the clock an hour on (a day for each account)
            assert a.run(EVERYTHING).split() == ["fulfilled", "1", "3600"], lesson
            after_a, after_b = a.json(SNAPSHOT), b.json(SNAPSHOT)
        finally:
            a.close()
            b.close()
        assert after_a["objects"] == {}, lesson  # and the reset emptied it
        assert any(count == 1 for _, count, _ in after_a["books"]), lesson
        # B saw none of it: same objects, clocks, endpoints, receivers, order books
        assert after_b == before_b, f"{lesson}: B changed\n{before_b}\n{after_b}"
        books_a = {path for path, *_ in after_a["books"]}
        assert not books_a & {path for path, *_ in after_b["books"]}, lesson
        for name, *_ in after_b["books"]:
            assert (ROOT / ".kit" / "books" / name).exists() or \
                not name.startswith("orders-"), f"{lesson}: B's order book was deleted"


# ---- the app: two sandboxes in one shared emulator ----------------------------------------

def open_sandbox(served: Served, browser_id: str) -> tuple[str, PageSocket]:
    """Open the app as a page does: its BrowserId widget reports the browser's id."""
    kernel, _ = served.render(APP)
    page = PageSocket(served, kernel)
    states = page.states()
    identity = next(c for c, s in states.items() if "browser_id" in s)
    page.comm(identity, {"method": "update", "state": {"browser_id": browser_id}})
    page.settle()
    return kernel, page


APP_SNAPSHOT = r"""
import gc as _gc, json as _json
from helpers.workshop.app import WorkshopApp as _App
_app = next(o for o in _gc.get_objects() if isinstance(o, _App))
_s = _app.sandbox
_e = _s.emulator
print(_json.dumps({
    "account": _s.account,
    "objects": _e.store.execute("SELECT COUNT(*) FROM objects WHERE account=?",
                                (_s.account,)).fetchone()[0],
    "payments": sorted((p.id, p.status) for p in
                       _s.client.v1.payment_intents.list({"limit": 100}).data),
    "clock": _e.clock.offset_for(_s.account),
    "endpoint": _s.client.v1.webhook_endpoints.retrieve(_s.state["endpoint_id"]).status,
    "orders": _s.orders.count(), "book": _s.orders.path.rsplit("/", 1)[-1],
    "persona": _s.state.get("persona")}))
"""
APP_EVERYTHING = r"""
import gc as _gc
from helpers.workshop.app import WorkshopApp as _App
_app = next(o for o in _gc.get_objects() if isinstance(o, _App))
_s = _app.sandbox
_visa = next(m["id"] for m in _s.saved_methods() if m["type"] == "card"
             and m["card"]["last4"] == "4242")
_pay = _s.checkout()
_s.emulator.request("POST", f"/v1/payment_intents/{_pay['payment_intent']}/confirm",
                    {"client_secret": _pay["client_secret"], "payment_method": _visa,
                     "return_url": "http://127.0.0.1/done"}, api_key=_s.publishable_key)
_s.emulator.advance_clock(86400, _s.account)
print(_s.orders.count())
_app.reset()
"""


def test_two_participants_apart_in_the_app(served: Served) -> None:
    kernel_a, page_a = open_sandbox(served, "alice-app")
    kernel_b, page_b = open_sandbox(served, "bob-app")
    a, b = KernelRunner(served, kernel_a), KernelRunner(served, kernel_b)
    try:
        before_b = b.json(APP_SNAPSHOT)
        assert before_b["account"] != a.json(APP_SNAPSHOT)["account"]
        assert a.run(APP_EVERYTHING).strip() == "1"  # paid, fulfilled from the webhook
        after_a, after_b = a.json(APP_SNAPSHOT), b.json(APP_SNAPSHOT)
    finally:
        for closing in (a, b, page_a, page_b):
            closing.close()
    # A's reset: only the new checkout's PaymentIntent, never confirmed; no order
    assert [status for _, status in after_a["payments"]] == ["requires_payment_method"]
    assert after_a["orders"] == 0
    assert after_b == before_b and after_b["endpoint"] == "enabled"
    assert after_b["book"] != after_a["book"]


# ---- no traceback leaves the server -------------------------------------------------------

def test_bad_widget_messages_get_a_short_answer_over_the_websocket(served: Served) -> None:
    kernel, page = open_sandbox(served, "carol-app")
    try:
        states = page.states()
        element = next(c for c, s in states.items() if "ready" in s and "attempts" in s)
        any_widget = next(iter(states))
        for comm_id in (element, any_widget):
            page.comm(comm_id, {"method": "custom", "content": {
                "kind": "anywidget-command", "id": "c1", "name": "no_such_command", "msg": {}}})
            page.comm(comm_id, {"method": "custom", "content": {
                "kind": "anywidget-command", "id": "c2", "name": "kit_stripe_request"}})
            page.comm(comm_id, {"method": "teleport"})
            page.comm(comm_id, {"state": {"ready": True}})        # no method
            page.comm(comm_id, "not an object")
        page.comm(element, {"method": "update", "state": {"attempts": "many"}})  # a bad type
        # a page cannot run code in its kernel either
        page.send("execute_request", {"code": "import os; print(os.getcwd())",
                                      "silent": False, "store_history": False,
                                      "user_expressions": {}, "allow_stdin": False})
        page.send("inspect_request", {"code": "os", "cursor_pos": 2, "detail_level": 1})
        heard = page.settle()
    finally:
        page.close()
    kinds = [m["header"]["msg_type"] for m in heard]
    assert "error" not in kinds and "execute_reply" not in kinds and \
        "inspect_reply" not in kinds and "execute_result" not in kinds, kinds
    text = json.dumps(heard)
    assert "Traceback" not in text and str(ROOT) not in text and sys.prefix not in text
    errors = [m["content"]["data"]["content"] for m in heard
              if m["header"]["msg_type"] == "comm_msg"
              and (m["content"]["data"].get("content") or {}).get("kind") == "kit-error"]
    assert len(errors) == 11, errors
    assert all(len(e["message"]) < 200 for e in errors)
    responses = [m["content"]["data"]["content"] for m in heard
                 if (m["content"].get("data", {}).get("content") or {}).get("kind")
                 == "anywidget-command-response"]
    assert len(responses) == 4 and all("error" in r["response"] for r in responses)


def test_kernel_side_errors_reach_a_page_as_one_line(served: Served) -> None:
    """Lesson or app code that raises, warns or prints a path while a page listens: the page
    hears one line, without the server's paths (the whole story goes to the kernel's own
    stderr, the server's terminal)."""
    kernel, page = open_sandbox(served, "frank-app")
    runner = KernelRunner(served, kernel)
    try:
        runner.run("import helpers, warnings\n"
                   "print('kit at', helpers.__file__)\n"
                   "warnings.warn('deprecated in ' + helpers.__file__)\n"
                   "raise RuntimeError('broken in ' + helpers.__file__)", ok=False)
        reply = runner.last_reply
        heard = page.settle()
    finally:
        runner.close()
        page.close()
    errors = [m["content"] for m in heard if m["header"]["msg_type"] == "error"]
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1, errors
    assert errors[0]["traceback"][0].startswith("RuntimeError: broken in ")
    streams = "".join(m["content"]["text"] for m in heard if m["header"]["msg_type"] == "stream")
    assert "kit at " in streams and "deprecated" not in streams
    leaks = [m for m in heard + [reply]
             if str(ROOT) in json.dumps(m) or "Traceback" in json.dumps(m)
             or "helpers/__init__" in json.dumps(m)]
    assert not leaks, leaks


def test_a_page_cannot_shut_down_or_interrupt_its_kernel(served: Served) -> None:
    """Voilà gives its kernel manager a message list of its own, with `shutdown_request` in
    it; the workshop's list is the one in force: the kernel survives with its widgets."""
    kernel, page = open_sandbox(served, "grace-app")

    def kernel_pid() -> str:  # a new client each time: a restarted kernel would confuse one
        runner = KernelRunner(served, kernel)
        try:
            return runner.run("import os; print(os.getpid())").strip()
        finally:
            runner.close()

    try:
        pid_before, comms_before = kernel_pid(), page.comms()
        page.send("shutdown_request", {"restart": False}, channel="control")
        page.send("shutdown_request", {"restart": True}, channel="shell")
        page.send("interrupt_request", {}, channel="control")
        page.send("debug_request", {"type": "request", "seq": 1, "command": "initialize",
                                    "arguments": {}}, channel="control")
        page.send("usage_request", {}, channel="control")
        page.send("history_request", {"output": False, "raw": True, "hist_access_type": "tail",
                                      "n": 10})
        heard = page.settle()
        pid_after, comms_after = kernel_pid(), page.comms()
    finally:
        page.close()
    kinds = [m["header"]["msg_type"] for m in heard]
    assert not {"shutdown_reply", "interrupt_reply", "debug_reply", "usage_reply",
                "history_reply"} & set(kinds), kinds
    assert pid_after == pid_before and comms_after == comms_before and comms_before
    # over HTTP: no restart or interrupt route, and no DELETE of the kernel
    xsrf = {"X-XSRFToken": "t", "Cookie": "_xsrf=t"}
    for method, path in (("DELETE", ""), ("POST", "/restart"), ("POST", "/interrupt")):
        request = urllib.request.Request(f"{served.base}/api/kernels/{kernel}{path}",
                                         method=method, data=b"", headers=xsrf)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=KERNEL_REPLY_S)
        assert refused.value.code in (404, 405), (method, path, refused.value.code)
    assert served.get(f"/api/kernels/{kernel}")[0] == 200  # still running


def test_a_widget_opened_with_incomplete_state_gets_a_short_answer(served: Served) -> None:
    """A page opening a widget comm ipywidgets cannot use: a `kit-error` on that comm and
    the comm closed, never a traceback on iopub; the page's widgets are unchanged."""
    kernel, page = open_sandbox(served, "heidi-app")
    widget, control = {"version": "2.1.0"}, {"version": "1.0.0"}
    try:
        states = page.states()
        state = next(s for s in states.values() if "ready" in s and "attempts" in s)
        comms_before = page.comms()
        opens = {  # comm id: (target, data, metadata)
            "no-state": ("jupyter.widget", {}, widget),
            "only-a-name": ("jupyter.widget", {"state": {"_model_name": "AnyModel"},
                                               "buffer_paths": []}, widget),
            "no-view-name": ("jupyter.widget", {"state": {
                k: v for k, v in state.items() if k != "_view_name"}}, widget),
            "no-version": ("jupyter.widget", {"state": state}, {}),
            "control-old": ("jupyter.widget.control", {}, {"version": "0.1"}),
        }
        for comm_id, (target, data, metadata) in opens.items():
            page.send("comm_open", {"comm_id": comm_id, "target_name": target, "data": data},
                      metadata=metadata)
        page.send("comm_open", {"comm_id": "control", "target_name": "jupyter.widget.control",
                                "data": {}}, metadata=control)
        heard = page.settle()  # (ipykernel may run a comm_msg before an earlier comm_open)
        page.comm("control", {"method": "teleport"})  # the control comm knows request_states
        heard += page.settle()
        comms_after = page.comms()
        assert page.states()  # the page's widgets still answer
    finally:
        page.close()
    text = json.dumps(heard)
    assert "Traceback" not in text and str(ROOT) not in text and sys.prefix not in text
    assert "error" not in [m["header"]["msg_type"] for m in heard]
    errors = {m["content"]["comm_id"]: m["content"]["data"]["content"]["message"]
              for m in heard if m["header"]["msg_type"] == "comm_msg"
              and (m["content"]["data"].get("content") or {}).get("kind") == "kit-error"}
    assert set(errors) == set(opens) | {"control"}, errors
    assert all(len(message) < 200 for message in errors.values()), errors
    closed = {m["content"]["comm_id"] for m in heard if m["header"]["msg_type"] == "comm_close"}
    assert closed == set(opens), closed  # the refused ones; the good control comm stays
    assert comms_after == comms_before  # no half-made widget left behind
    stderr = [m["content"]["text"] for m in heard
              if m["header"]["msg_type"] == "stream" and m["content"]["name"] == "stderr"]
    assert not stderr, stderr


# ---- the facilitator: server-side truth ---------------------------------------------------

def test_facilitator_counts_what_happened_not_what_a_widget_says(served: Served) -> None:
    before = served.facilitator()
    kernel, page = open_sandbox(served, "dave-app")
    try:
        states = page.states()
        element = next(c for c, s in states.items() if "ready" in s and "attempts" in s)
        for n in range(3):  # forged: what a browser could claim
            page.comm(element, {"method": "update", "state": {
                "status": "succeeded", "payment_intent_id": f"pi_forged{n}", "attempts": n + 1,
                "error": {"code": "forged_code"}}})
        page.settle()
        forged = served.facilitator()
        # a real payment through the widget's own commands: the saved Visa, confirmed with
        # the publishable key and the client secret, as the Payment Element does
        config = page.invoke(element, "kit_config", {})
        pi = config["clientSecret"].split("_secret_")[0]
        runner = KernelRunner(served, kernel)
        try:
            visa = runner.run(
                "import gc\nfrom helpers.workshop.app import WorkshopApp\n"
                "app = next(o for o in gc.get_objects() if isinstance(o, WorkshopApp))\n"
                "print(next(m['id'] for m in app.sandbox.saved_methods()"
                " if m['type'] == 'card' and m['card']['last4'] == '4242'))").strip()
        finally:
            runner.close()
        paid = page.invoke(element, "kit_stripe_request", {
            "method": "POST", "path": f"/v1/payment_intents/{pi}/confirm",
            "params": {"client_secret": config["clientSecret"], "payment_method": visa,
                       "return_url": "http://127.0.0.1/done"}})
        assert paid["status"] == 200 and paid["body"]["status"] == "succeeded", paid
        after = served.facilitator()
    finally:
        page.close()
    assert forged["payments"] == before["payments"] and "forged_code" not in json.dumps(forged)
    assert after["payments_by_status"].get("succeeded", 0) == \
        before["payments_by_status"].get("succeeded", 0) + 1
    dave = [p for p in after["people"] if p["notebook"] == f"{APP}.ipynb" and p["succeeded"]]
    assert dave and dave[0]["events"] > 0
    text = json.dumps(after)
    assert "sk_test" not in text and "pk_test" not in text and "whsec" not in text
    assert "acct_" not in text and "@example.com" not in text and "dave-app" not in text
    # a lesson opened from the landing page (its link carries the participant) is reported
    served.render("00_welcome", participant="dave-app")
    moved = [p for p in served.facilitator()["people"] if p["participant"] == dave[0][
        "participant"]]
    assert moved and moved[0]["notebook"] == "00_welcome.ipynb"
    assert "00-first-customer" in moved[0]["tried"] + moved[0]["passed"]
    status, html = served.get(f"/workshop/facilitator?facilitator={FACILITATOR}")
    assert status == 200 and "pool ready: 1 kernel" in html and "Reset everyone" in html
    assert served.get("/workshop/facilitator.json")[0] == 403  # participants' token only


# ---- pages with no outside link -----------------------------------------------------------

def outside_links(html: str) -> set[str]:
    urls = set(re.findall(r"""https?://[^\s"'<>)]+""", html))
    return {u for u in urls
            if (urllib.parse.urlsplit(u).hostname or "") not in LOCAL_HOSTS | NAMESPACE_HOSTS}


@pytest.mark.parametrize("path", ["/voila/render/does_not_exist.ipynb",
                                  "/voila/render/../../etc/passwd",
                                  "/voila/tree/nowhere", "/no/such/page"])
def test_error_pages_link_nothing_outside(served: Served, path: str) -> None:
    status, html = served.get(path)
    assert status >= 400 and html, (status, html[:300])
    assert outside_links(html) == set(), outside_links(html)
    assert "Traceback" not in html and str(ROOT) not in html


def test_landing_and_facilitator_pages_link_nothing_outside(served: Served) -> None:
    for path in ("/", f"/workshop/facilitator?facilitator={FACILITATOR}"):
        status, html = served.get(path)
        assert status == 200 and outside_links(html) == set(), (path, outside_links(html))


# ---- what the server printed --------------------------------------------------------------

def test_printed_lines(served: Served) -> None:
    lines = served.text().splitlines()
    assert f"Workshop: participants open http://127.0.0.1:{served.port}/" in lines
    assert any(line.startswith("Facilitator view") and line.endswith(
        f"http://127.0.0.1:{served.port}/workshop/facilitator?facilitator={FACILITATOR}")
        for line in lines)
    assert any(line.startswith("1 preheated app kernel;") for line in lines)
    ready = [line for line in lines if line.startswith("pool ready")]
    assert len(ready) == 1 and re.fullmatch(POOL_READY, ready[0]), ready
    warming = [line for line in lines if line.startswith("pool warming:")]
    assert warming, "no progress line while the pool warmed"
    assert all(re.fullmatch(r"pool warming: 0/1 ready, [01] started \(\d+ s\)", line)
               for line in warming), warming


# ---- reset everyone, end workshop (on a server of its own: they stop every kernel) --------

def test_reset_everyone_then_end_workshop(served_alone: Served) -> None:
    served = served_alone
    kernel, page = open_sandbox(served, "erin-app")
    page.close()
    ledger_before = served.facilitator()
    done = served.act("reset")
    assert done["kernels_stopped"] >= 1 and done["sandboxes_reset"] >= 1
    after = served.facilitator()
    assert after["payments"] == 0 and all(p["events"] == 0 for p in after["people"])
    assert after["participants"] == ledger_before["participants"]  # the ledger is kept
    assert served.get(f"/api/kernels/{kernel}")[0] == 404  # its kernel was stopped
    # a participant reloads: their sandbox again, empty
    kernel, page = open_sandbox(served, "erin-app")
    page.close()
    runner = KernelRunner(served, kernel)
    try:
        fresh = runner.json(APP_SNAPSHOT)
    finally:
        runner.close()
    assert [status for _, status in fresh["payments"]] == ["requires_payment_method"]
    assert fresh["orders"] == 0 and fresh["endpoint"] == "enabled"

    ended = served.act("end")
    assert ended["ended"] is True
    status, page_html = served.get(f"/voila/render/{APP}.ipynb")
    assert status == 410 and "The workshop has ended" in page_html
    summary = served.facilitator()
    assert summary["ended"] and summary["kernels"] == 0
    assert summary["participants"] >= after["participants"] > 0  # the ledger is kept
