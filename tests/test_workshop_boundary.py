"""The workshop's edges without a server: widget messages answered shortly, paths scrubbed,
lesson progress recorded, the pool's lines, the printed URLs, one order book per kernel.

The same things served for real (over the kernel websocket, in Voilà) are in
tests/browser/test_workshop_isolation.py.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.waits import read_line

from helpers.workshop import boundary
from helpers.workshop.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]


# ---- widget messages ----------------------------------------------------------------------

class Recorder:
    """A widget's comm, as seen from the kernel: what it sends back to the browser."""

    def __init__(self, widget: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[Any] = []
        monkeypatch.setattr(widget, "send", lambda content, buffers=None:
                            self.sent.append(content))


def message(data: Any) -> dict[str, Any]:
    return {"content": {"data": data}, "buffers": []}


@pytest.fixture
def widget(monkeypatch: pytest.MonkeyPatch) -> Any:
    import anywidget
    import traitlets

    class Commanded(anywidget.AnyWidget):
        _esm = "export default { render() {} };"
        value = traitlets.Int(0).tag(sync=True)

        @anywidget.experimental.command
        def ping(self, msg: Any, buffers: list[bytes]) -> tuple[Any, list[bytes]]:
            if msg == "boom":
                raise RuntimeError(f"failed in {boundary.REPO_ROOT}/helpers/secret_place.py")
            return {"pong": msg}, []

    from ipywidgets.widgets.widget import Widget

    monkeypatch.setattr(Widget, "_handle_msg", Widget._handle_msg)  # restored after the test
    boundary._guard_widgets()
    made = Commanded()
    made.kit_recorder = Recorder(made, monkeypatch)
    return made


def command(name: str, msg: Any = "hi", id_: str = "c1") -> dict[str, Any]:
    return message({"method": "custom", "content": {"kind": "anywidget-command", "id": id_,
                                                    "name": name, "msg": msg}})


def test_a_known_command_still_works(widget: Any) -> None:
    widget._handle_msg(command("ping"))
    assert widget.kit_recorder.sent == [
        {"id": "c1", "kind": "anywidget-command-response", "response": {"pong": "hi"}}]


@pytest.mark.parametrize("bad", [
    command("no_such_command"),
    message({"method": "teleport"}),
    message({"state": {"value": 3}}),  # no method
    message("not an object"),
    {"content": {}},                   # no data at all
    command("ping", msg="boom"),       # the handler raises
    message({"method": "update", "state": {"value": "not a number"}}),  # a trait refuses
])
def test_bad_messages_get_a_short_answer_not_a_traceback(widget: Any, bad: Any,
                                                         capsys: pytest.CaptureFixture) -> None:
    widget._handle_msg(bad)  # never raises
    sent = widget.kit_recorder.sent
    errors = [m for m in sent if m.get("kind") == "kit-error"]
    assert len(errors) == 1, sent
    text = repr(sent)
    assert "Traceback" not in text and str(boundary.REPO_ROOT) not in text
    assert "secret_place" not in text and len(errors[0]["message"]) < 200
    data = (bad.get("content") or {}).get("data")
    if isinstance(data, dict) and isinstance(data.get("content"), dict):
        # an anywidget command gets its response too, so the browser's invoke() resolves
        responses = [m for m in sent if m.get("kind") == "anywidget-command-response"]
        assert responses and "error" in responses[0]["response"]
        answer = responses[0]["response"]  # shaped as the Stripe relay answers, too
        assert answer["status"] >= 400 and answer["body"]["error"]["message"]
    assert widget.value == 0


@pytest.mark.parametrize("name", boundary.COMM_LOGGERS)
def test_comm_errors_reach_the_page_as_one_line(name: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What the comm package logs (a kernel forwards it to the page) loses its traceback,
    which goes to the server's terminal instead."""
    import io
    import logging

    told: list[str] = []
    monkeypatch.setattr(boundary, "log_to_server", told.append)
    logger = logging.getLogger(name)
    monkeypatch.setattr(logger, "filters", [])  # restored after the test
    page = io.StringIO()
    handler = logging.StreamHandler(page)
    logger.addHandler(handler)
    try:
        boundary._one_line_comm_logs()
        try:
            raise KeyError(f"state, in {boundary.REPO_ROOT}/helpers/x.py")
        except KeyError:
            logger.error("Exception opening comm with target: %s", "jupyter.widget",
                         exc_info=True)
    finally:
        logger.removeHandler(handler)
    assert page.getvalue() == "Exception opening comm with target: jupyter.widget\n"
    assert len(told) == 1 and "Traceback" in told[0] and "KeyError" in told[0]


def test_scrub_removes_this_machines_paths() -> None:
    text = f"KeyError in {boundary.REPO_ROOT}/helpers/x.py and {sys.prefix}/lib/y.py, /etc/z/w"
    scrubbed = boundary.scrub(text)
    assert str(boundary.REPO_ROOT) not in scrubbed and sys.prefix not in scrubbed
    assert "helpers/x.py" not in scrubbed and "lib/y.py" not in scrubbed
    assert "/etc/z/w" not in scrubbed and scrubbed.startswith("KeyError in ")


# ---- lesson progress ----------------------------------------------------------------------

def test_lesson_and_participant_from_the_render_request() -> None:
    from helpers.workshop.kernel_hooks import lesson_and_participant

    env = {"SCRIPT_NAME": "/voila/render/04_webhooks.ipynb", "QUERY_STRING": "participant=ab12"}
    assert lesson_and_participant(env) == ("04_webhooks.ipynb", "ab12")
    assert lesson_and_participant({**env, "QUERY_STRING": ""}) == ("04_webhooks.ipynb", None)
    app = {**env, "SCRIPT_NAME": "/voila/render/06_workshop_app.ipynb"}
    assert lesson_and_participant(app) == (None, None)


def test_a_lessons_checks_are_recorded_for_the_participant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.exercises import core
    from helpers.workshop import kernel_hooks, sandbox

    monkeypatch.setenv("KIT_WORKSHOP_DIR", str(tmp_path))
    monkeypatch.setenv("KIT_EMULATOR_DB", ":memory:")  # track_lesson points it at a file
    monkeypatch.setattr(sandbox, "_ledger", None)
    monkeypatch.setattr(core, "ON_CHECK", [])
    account = kernel_hooks.track_lesson("01_customers.ipynb", "browser-1")
    core.check("01-save-with-consent", None)       # ✗: nothing written yet
    core.check("00-first-customer", None)
    core.ON_CHECK[0]("00-first-customer", True)    # a ✓ later
    core.ON_CHECK[0]("00-first-customer", False)   # and a ✗ after it: it stays passed
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    progress = ledger.progress()[account]
    assert progress == {"notebook": "01_customers.ipynb", "passed": ["00-first-customer"],
                        "tried": ["01-save-with-consent"]}
    summary = ledger.summary([])
    assert summary["people"][0]["participant"] == account[-6:]
    assert "browser-1" not in repr(summary) and "acct_" not in repr(summary)
    sandbox._ledger.close()
    ledger.close()


# ---- the pool's lines ---------------------------------------------------------------------

class FakeTask:
    def __init__(self, done: bool, rendered: bool = True) -> None:
        self._done, self.rendered = done, rendered

    def done(self) -> bool:
        return self._done

    def cancelled(self) -> bool:
        return False

    def exception(self) -> None:
        return None

    def result(self) -> dict[str, Any]:
        return {"kernel_id": "k", "task": FakeTask(self.rendered, self.rendered)}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def pool_manager(size: int) -> Any:
    class Manager:
        kernel_pools_config = {"default": {"pool_size": 0}, "06.ipynb": {"pool_size": size}}
        _pools: dict[str, list[FakeTask]] = {"06.ipynb": []}

    return Manager()


def test_pool_monitor_prints_progress_then_one_ready_line() -> None:
    from io import StringIO

    from helpers.workshop.server import PoolMonitor

    manager, out, clock = pool_manager(3), StringIO(), FakeClock()
    monitor = PoolMonitor(manager, out, clock=clock)
    for seconds, pool in ((0, [FakeTask(False)] * 3),
                          (2, [FakeTask(True), FakeTask(True, rendered=False)]),
                          (3, [FakeTask(True)] * 2 + [FakeTask(False)]),
                          (4, [FakeTask(True)] * 3),
                          (9, [FakeTask(True)] * 2)):  # a participant took one: no new line
        clock.now = 100.0 + seconds
        manager._pools["06.ipynb"] = pool
        monitor.poll()
        monitor.poll()  # nothing changed: no line
    assert out.getvalue().splitlines() == [
        "pool warming: 0/3 ready, 0 started (0 s)", "pool warming: 1/3 ready, 2 started (2 s)",
        "pool warming: 2/3 ready, 2 started (3 s)",
        "pool ready: 3 kernels in 4 s, participants can come in"]
    assert monitor.status()["line"] == "pool ready: 3 kernels at start, 2 waiting now"


def test_pool_monitor_is_never_silent_while_kernels_warm_together() -> None:
    """Kernels warming on the same cores finish together: 0/20 for half a minute. A line
    comes at least every quiet_every seconds, with the seconds so far."""
    from io import StringIO

    from helpers.workshop.server import PoolMonitor

    manager, out, clock = pool_manager(20), StringIO(), FakeClock()
    monitor = PoolMonitor(manager, out, clock=clock, quiet_every=5)
    manager._pools["06.ipynb"] = [FakeTask(True, rendered=False)] * 20
    for tenth in range(0, 350):  # 35 s of polls, twice a second, nothing ready
        clock.now = 100.0 + tenth / 10
        monitor.poll()
    clock.now = 135.0
    manager._pools["06.ipynb"] = [FakeTask(True)] * 20
    monitor.poll()
    lines = out.getvalue().splitlines()
    assert lines[0] == "pool warming: 0/20 ready, 20 started (0 s)"
    assert lines[1:-1] == [f"pool warming: 0/20 ready, 20 started ({s} s)"
                           for s in range(5, 35, 5)]
    assert lines[-1] == "pool ready: 20 kernels in 35 s, participants can come in"


def test_pool_monitor_thread_prints_while_the_loop_is_busy() -> None:
    """The monitor's own thread reports while the thread that owns the pool is busy (as
    Voilà's event loop is, starting kernels), and stops once the pool is ready."""
    import time
    from io import StringIO

    from helpers.workshop.server import PoolMonitor

    manager, out = pool_manager(2), StringIO()
    manager._pools["06.ipynb"] = [FakeTask(False)] * 2
    monitor = PoolMonitor(manager, out)
    thread = monitor.start(interval=0.01)
    deadline = time.monotonic() + 30
    while "0/2 ready" not in out.getvalue():  # this thread never yields to an event loop
        assert time.monotonic() < deadline, "waited 30 s for the monitor thread's first line"
        time.sleep(0.01)
    manager._pools["06.ipynb"] = [FakeTask(True)] * 2
    thread.join(timeout=30)
    assert not thread.is_alive(), "the monitor thread did not stop once the pool was ready"
    assert out.getvalue().splitlines()[-1].startswith("pool ready: 2 kernels in ")


# ---- the printed URLs ---------------------------------------------------------------------

def banner_of(*args: str) -> str:
    from helpers.workshop.__main__ import banner, machine_addresses, parse

    parsed = parse(list(args))
    return banner(parsed, parsed.token, "FACSECRET", machine_addresses(parsed.host))


def test_wildcard_host_prints_the_machines_addresses() -> None:
    import psutil

    text = banner_of("--host", "0.0.0.0", "--token", "tok", "--pool-size", "1")
    assert "<this machine" not in text and "0.0.0.0" not in text
    ours = {entry.address for addresses in psutil.net_if_addrs().values()
            for entry in addresses}
    hosts = [line.split("//")[1].split(":")[0] for line in text.splitlines() if "http" in line]
    assert hosts and all(h in ours and not ipaddress.ip_address(h).is_loopback for h in hosts)
    assert any(line.endswith(f"http://{hosts[0]}:8866/?token=tok") for line in text.splitlines())
    facilitator = next(line for line in text.splitlines() if "Facilitator" in line)
    assert "/workshop/facilitator?" in facilitator and "token=tok" in facilitator \
        and "facilitator=FACSECRET" in facilitator
    assert "1 preheated app kernel;" in text and "1 preheated app kernels" not in text


def test_local_host_and_plural() -> None:
    text = banner_of("--port", "9000", "--pool-size", "4")
    assert "participants open http://127.0.0.1:9000/\n" in text + "\n" or \
        "participants open http://127.0.0.1:9000/" in text.splitlines()[0]
    assert "facilitator?facilitator=FACSECRET" in text and "token=" not in text
    assert "4 preheated app kernels;" in text


# ---- one order book per kernel ------------------------------------------------------------

def test_fresh_order_books_are_per_process_and_never_delete_anothers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import fulfilment

    monkeypatch.setattr(fulfilment, "KIT_DIR", tmp_path)  # both processes' books: in tmp_path
    other = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from helpers import fulfilment as f;"
         " f.KIT_DIR = pathlib.Path(sys.argv[1]); b = f.OrderBook.fresh();"
         " b.quarantine({'x': 1}, 'held'); print(b.path, flush=True);"
         " sys.stdin.read(); print(b.count('quarantine'), flush=True)", str(tmp_path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        their_path = read_line(other, 60, "the other kernel's order book path").strip()
        mine = fulfilment.OrderBook.fresh()
        assert mine.path != their_path and str(os.getpid()) in Path(mine.path).name
        assert Path(their_path).exists()  # my fresh book did not delete theirs
        again = fulfilment.OrderBook.fresh()  # a re-run in my kernel: mine, emptied
        assert again.path == mine.path and again.count("quarantine") == 0
        out, _ = other.communicate("", timeout=60)
        assert out.strip() == "1"  # theirs kept its row while mine was made twice
    finally:
        if other.poll() is None:
            other.kill()
    assert repr(mine).startswith("OrderBook(orders:")
