"""Voilà with the workshop's settings, a landing page and a facilitator view.

What the settings do, and why (facts from Voilà 0.5 on a 2-core machine):

- `preheat_kernel` with a pool for the app only: each pooled kernel has already run notebook
  06, so an arriving participant gets a page without waiting for a kernel to start. Size the
  pool for the burst you expect (everyone opens the link at once). The lessons 00-05 are
  rendered on demand (no pool).
- idle-kernel culling (`MappingKernelManager.cull_idle_timeout`): a closed tab does not shut
  its kernel down in Voilà 0.5, so kernels of people who left are culled after a while.
  Kernels with a page still connected are never culled.
- `show_tracebacks=False`: an exception never prints a stack (or a key) into a page.
- the `kit` template (share/voila/templates/kit): the lab template without its CDN links, so
  every byte a page loads comes from this server; and `allow_template_override=NO`, so
  `?template=lab` cannot bring the CDN back.
- an optional token (`--token`): participants open `http://HOST:PORT/?token=T` once.
- only widget traffic reaches a kernel from a browser (`allowed_message_types`: comm
  messages and kernel info, applied over Voilà's own list, see `WorkshopVoila.init_settings`):
  a page cannot run code, read the workshop secret or another participant's sandbox, nor
  shut down or interrupt its kernel (nor DELETE it over HTTP). Every kernel starts with
  `kernel_hooks.install()` (an IPython startup file in `<workshop dir>/ipython`): malformed
  or unknown widget messages, and widget comms opened with incomplete state, get a short
  answer, and no traceback or server path leaves the kernel.
- the facilitator view (`/workshop/facilitator?facilitator=F`, a secret of its own, printed
  at start) reads counts from each participant's emulator account (`truth.py`), progress
  from the ledger, and has "reset everyone" and "end workshop" (kernels stopped, ledger
  kept).
- kernels of the app keep their sandboxes in `KIT_WORKSHOP_DIR` (SQLite, shared, surviving
  kernel restarts); kernels of the lessons keep an emulator each, so no participant's lesson
  sees another's objects: in memory (`KIT_EMULATOR_DB=:memory:`), or, for a lesson opened
  with the participant's id, a file of that kernel's own in `lessons/<account>/`, which the
  facilitator's counts read too.
- kernels talk to the server over Unix sockets (`KernelManager.transport = "ipc"`), see
  `workshop_config`.
"""

from __future__ import annotations

import hmac
import html
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import tornado.escape
import tornado.ioloop
import tornado.web
import zmq
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.utils import url_path_join
from traitlets.config import Config
from voila.app import Voila

from ..sqlite_files import remove_database
from . import truth
from .ledger import Ledger

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
SHARE = HERE / "share"
APP_NOTEBOOK = "06_workshop_app.ipynb"
LESSONS = {
    "00_welcome.ipynb": "00 · Welcome & setup",
    "01_customers.ipynb": "01 · Customers & saved payment methods",
    "02_server_side.ipynb": "02 · The server side",
    "03_client_side.ipynb": "03 · The client side",
    "04_webhooks.ipynb": "04 · Webhooks",
    "05_when_things_go_wrong.ipynb": "05 · When things go wrong",
}
DEFAULT_POOL = 10
DEFAULT_CULL_IDLE = 20 * 60  # seconds a kernel with no page connected may sit idle
DEFAULT_CULL_INTERVAL = 60
POOL_OUTPUT_WAIT = 300  # seconds a pooled render waits for a cell's outputs (see below)
DEFAULT_REFILL_DELAY = 20.0  # seconds before a used pool kernel is replaced (see below)
# What a browser may send a kernel: the widgets' comm messages and kernel info. Voilà's pages
# need nothing else (the notebook is executed by the server), and anything else
# (execute_request, inspect_request…) would let a page run code in its kernel.
BROWSER_MESSAGES = ["kernel_info_request", "comm_info_request", "comm_open", "comm_msg",
                    "comm_close"]
STARTUP_FILE = """\
# Made by helpers/workshop/server.py for the workshop's kernels: see kernel_hooks.py.
import importlib.util as _util
import sys as _sys


def _kit_say(what, error):
    _sys.__stderr__.write(f"[kit workshop kernel] {what}: {type(error).__name__}\\n")


try:  # the boundary first, loaded from its file: it holds even if the kit fails to import
    _spec = _util.spec_from_file_location("kit_workshop_boundary", BOUNDARY_PATH)
    _boundary = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_boundary)
    _boundary.install()
except Exception as error:  # never a traceback into a participant's page
    _kit_say("boundary not installed", error)
try:
    from helpers.workshop import kernel_hooks as _hooks
    _hooks.install()
except Exception as error:
    _kit_say("hooks not installed", error)
"""


def workshop_config(*, host: str = "127.0.0.1", port: int = 8866, token: str | None = None,
                    pool_size: int = DEFAULT_POOL, cull_idle: int = DEFAULT_CULL_IDLE,
                    cull_interval: int = DEFAULT_CULL_INTERVAL,
                    refill_delay: float = DEFAULT_REFILL_DELAY) -> Config:
    """The traitlets configuration of a workshop server (see the module docstring)."""
    c = Config()
    c.Voila.ip = host
    c.Voila.port = port
    c.Voila.open_browser = False
    c.Voila.token = token or ""
    c.Voila.root_dir = str(NOTEBOOKS)
    c.VoilaConfiguration.template = "kit"
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.preheat_kernel = pool_size > 0
    c.VoilaKernelManager.kernel_pools_config = {
        "default": {"pool_size": 0},
        APP_NOTEBOOK: {"pool_size": pool_size},
    }
    # Voilà refills the pool 1 s after a kernel is taken: during a burst, that starts a new
    # kernel (and runs the notebook) for every arrival while the arrivals are being served,
    # on the same cores. Waiting lets the burst finish first. But the refill is also what an
    # arrival beyond the pool gets: Voilà hands them the pending refill, so they wait this
    # long plus a kernel start (measured: a longer delay of 120 s made a late arrival wait
    # two minutes). 20 s is past a room's burst when each participant brings their own CPU;
    # size --pool-size for the room so nobody is a late arrival.
    c.VoilaKernelManager.fill_delay = float(refill_delay)
    # A pooled kernel runs the notebook while the others warm up on the same cores, and its
    # outputs can arrive well after the cell's reply. nbclient waits 4 s for them, then
    # renders the cell without them: with a pool of 84 on 2 cores, 72 pages came without the
    # app (no widget to show, though the kernel held it). Wait as long as a warm-up takes.
    c.VoilaExecutor.iopub_timeout = POOL_OUTPUT_WAIT
    # Kernels talk to the server over Unix sockets, not TCP: with many kernels starting at
    # once, a TCP port jupyter_client picked (bind to 0, release) was taken again before the
    # kernel bound it ("Address already in use"), and the restarter kept the same ports, so
    # some of a large pool never came up (seen with a pool of 84 on this machine). (Windows'
    # ZeroMQ has no ipc transport: TCP there.)
    c.KernelManager.transport = "ipc" if zmq.has("ipc") else "tcp"
    c.MappingKernelManager.cull_idle_timeout = cull_idle
    c.MappingKernelManager.cull_interval = cull_interval
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.allowed_message_types = list(BROWSER_MESSAGES)
    return c


def kernel_profile(workshop_dir: Path) -> Path:
    """The IPython directory of the workshop's kernels: a startup file that installs
    `kernel_hooks` (the boundary, lesson progress). Returns the directory (IPYTHONDIR)."""
    ipython_dir = workshop_dir / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-kit-workshop.py").write_text(
        STARTUP_FILE.replace("BOUNDARY_PATH", repr(str(HERE / "boundary.py"))))
    return ipython_dir


def workshop_environment(workshop_dir: Path) -> dict[str, str]:
    """Environment variables for the server and its kernels."""
    paths = [str(SHARE)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    return {
        "JUPYTER_PATH": os.pathsep.join(paths),  # finds the `kit` template
        "KIT_BACKEND": "emulator",               # even if .env holds test keys
        "KIT_WORKSHOP_DIR": str(workshop_dir),   # the app's sandboxes (shared SQLite)
        "KIT_EMULATOR_DB": ":memory:",           # the lessons: one emulator per kernel
        "KIT_WIDGET_STATIC": "1",  # this server serves the Payment Element's module
        "IPYTHONDIR": str(workshop_dir / "ipython"),  # kernel_hooks (see kernel_profile)
    }


# ---- pages ---------------------------------------------------------------------------------

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{head}
<title>{title}</title><style>
body{{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:760px;margin:40px auto;
padding:0 20px;color:#1f2328;line-height:1.5}}
a{{color:#635bff}} .app{{display:block;padding:18px 20px;border:1px solid #d0d7de;
border-radius:8px;margin:16px 0;text-decoration:none;font-size:18px}}
td,th{{padding:4px 16px 4px 0;text-align:left}} .num{{font-size:28px;font-weight:600}}
</style></head><body>{body}</body></html>"""


LANDING_JS = """<script>
// The lessons' links carry this browser's participant id (the same one the app keeps in
// localStorage), so the facilitator sees which lesson each participant is in.
(function () {
  const KEY = 'kit-workshop-participant';
  let id = null;
  try {
    id = window.localStorage.getItem(KEY);
    if (!id) {
      const bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      window.localStorage.setItem(KEY, id);
    }
  } catch (e) { return; }
  document.querySelectorAll('a.kit-lesson').forEach((a) => {
    const url = new URL(a.href, window.location.href);
    url.searchParams.set('participant', id);
    a.href = url.toString();
  });
})();
</script>"""
ENDED = ("<h1>The workshop has ended</h1><p>Thank you for taking part. The facilitator has"
         " stopped the workshop's kernels; to practise on your own machine, clone the kit and"
         " run <code>python3 kit.py</code>.</p>")


def ended(settings: dict[str, Any]) -> bool:
    return bool(settings.get("kit_workshop_ended"))


class LandingHandler(JupyterHandler):
    """`/`: the app first, then the step-by-step lessons, each opened as an app."""

    @tornado.web.authenticated
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        if ended(self.settings):
            self.finish(PAGE.format(title="Workshop", head="", body=ENDED))
            return
        base = self.base_url
        lessons = "".join(
            f"<li><a class='kit-lesson' href='{url_path_join(base, 'voila/render', name)}'>"
            f"{html.escape(title)}</a></li>"
            for name, title in LESSONS.items() if (NOTEBOOKS / name).exists())
        body = (
            "<h1>Stripe payments for existing customers</h1>"
            f"<a class='app' href='{url_path_join(base, 'voila/render', APP_NOTEBOOK)}'>"
            "▶ Open the workshop app</a>"
            "<p>Pick a returning customer, choose what the Payment Element may show, pay, and"
            " watch the webhook events and your orders arrive. Everything you do stays in"
            " your own sandbox (this browser keeps it: a reload brings it back).</p>"
            "<h2>The lessons, step by step</h2>"
            f"<ul>{lessons}</ul>{LANDING_JS}")
        self.finish(PAGE.format(title="Workshop", head="", body=body))


# ---- the preheated pool ----------------------------------------------------------------------

def pool_progress(manager: Any) -> tuple[int, int, int]:
    """(kernels ready, kernels started, kernels wanted) in the preheated pools: started = the
    kernel runs (it may still be executing the notebook); ready = the notebook executed too,
    so an arriving participant is served at once."""
    config = getattr(manager, "kernel_pools_config", None) or {}
    wanted = sum(int((v or {}).get("pool_size", 0)) for k, v in config.items() if k != "default")
    ready = started = 0
    for pool in list((getattr(manager, "_pools", None) or {}).values()):
        for task in list(pool):
            if not task.done() or task.cancelled() or task.exception() is not None:
                continue
            started += 1
            render = (task.result() or {}).get("task")
            if render is None or render.done():
                ready += 1
    return ready, started, wanted


def pool_status(manager: Any) -> tuple[int, int]:
    """(kernels ready, kernels wanted) in the preheated pools (see `pool_progress`)."""
    ready, _, wanted = pool_progress(manager)
    return ready, wanted


def kernels_word(n: int) -> str:
    return f"{n} kernel" if n == 1 else f"{n} kernels"


POOL_QUIET_EVERY = 5.0  # seconds: while the pool warms, a line at least this often


class PoolMonitor:
    """Prints the pool's warm-up with the seconds since it began, as kernels start and become
    ready (`pool warming: 5/20 ready, 12 started (12 s)`), and again every `quiet_every`
    seconds when nothing changed: kernels warming together on a few cores tend to finish
    together, and a facilitator looking at `0/20` for half a minute cannot tell warming from
    stuck. Then one final line (`pool ready: 20 kernels in 35 s, participants can come in`),
    once; the facilitator view shows `status()`.

    `start()` polls from a thread of its own: while Voilà starts a pool's kernels it keeps
    the server's event loop busy (measured with a pool of 10: a callback on the loop printed
    nothing between 1 s and 7 s, while a thread saw nine kernels started at 1 s), and a
    callback on that loop would be silent just then. The thread only reads the pool (which
    tasks are done)."""

    def __init__(self, manager: Any, out: Any = None, clock: Any = time.monotonic,
                 quiet_every: float = POOL_QUIET_EVERY) -> None:
        self.manager = manager
        self.out = out or sys.stdout
        self.clock = clock
        self.quiet_every = quiet_every
        self.began = clock()
        self.last: tuple[int, int, int] | None = None
        self.last_printed = self.began
        self.was_ready = False

    def status(self) -> dict[str, Any]:
        ready, started, wanted = pool_progress(self.manager)
        return {"ready": ready, "wanted": wanted, "was_ready": self.was_ready,
                "line": self.line(ready, wanted, started)}

    def line(self, ready: int, wanted: int, started: int | None = None) -> str:
        seconds = round(self.clock() - self.began)
        if ready >= wanted:
            if self.was_ready:
                return f"pool ready: {kernels_word(wanted)}"
            return f"pool ready: {kernels_word(wanted)} in {seconds} s, participants can come in"
        if self.was_ready:  # participants took some; refills come after --refill-delay
            return f"pool ready: {kernels_word(wanted)} at start, {ready} waiting now"
        also = f", {started} started" if started is not None else ""
        return f"pool warming: {ready}/{wanted} ready{also} ({seconds} s)"

    def start(self, interval: float = 0.5) -> threading.Thread:
        """Poll every `interval` seconds, in a daemon thread, until the pool is ready."""
        def run() -> None:
            while not self.was_ready:
                try:
                    self.poll()
                except RuntimeError:  # the pools changed while being read: next time
                    pass
                time.sleep(interval)

        thread = threading.Thread(target=run, name="kit-pool-monitor", daemon=True)
        thread.start()
        return thread

    def poll(self) -> None:
        ready, started, wanted = pool_progress(self.manager)
        if wanted <= 0:  # no pool (or the workshop ended): nothing to report
            self.was_ready = True
            return
        if self.was_ready:
            return
        now = self.clock()
        if (ready, started, wanted) == self.last and now - self.last_printed < self.quiet_every:
            return
        self.last, self.last_printed = (ready, started, wanted), now
        print(self.line(ready, wanted, started), file=self.out, flush=True)
        if ready >= wanted:
            self.was_ready = True


# ---- the facilitator -------------------------------------------------------------------------

class FacilitatorBase(JupyterHandler):
    """Pages for the facilitator only: they need the facilitator's secret (`facilitator=`
    in the URL or the form), which the server prints at start; participants have only the
    room's token."""

    def initialize(self, workshop_dir: Path, facilitator_token: str) -> None:
        self.workshop_dir = workshop_dir
        self.facilitator_token = facilitator_token

    @property
    def ledger_path(self) -> Path:
        return self.workshop_dir / "ledger.sqlite3"

    def given_secret(self) -> str:
        return self.get_argument("facilitator", "") or \
            self.request.headers.get("X-Kit-Facilitator", "")

    def allowed(self) -> bool:
        given = self.given_secret()
        return bool(self.facilitator_token) and hmac.compare_digest(
            given.encode(), self.facilitator_token.encode())

    def refuse(self) -> None:
        self.set_status(403)
        self.finish(PAGE.format(title="Facilitator", head="", body=(
            "<h1>Facilitator only</h1><p>Open the facilitator URL the server printed when it"
            " started (it ends with <code>facilitator=…</code>).</p>")))

    def _live_pids(self) -> set[int] | None:
        """Process ids of kernels that have at least one page connected, if we can tell."""
        manager = self.settings.get("kernel_manager")
        connections = getattr(manager, "_kernel_connections", None)
        if manager is None or connections is None:
            return None
        pids = set()
        for kernel_id in list(manager.list_kernel_ids()):
            if connections.get(kernel_id, 0) <= 0:
                continue
            kernel = manager.get_kernel(kernel_id)
            pid = getattr(getattr(kernel, "provisioner", None), "pid", None)
            if pid:
                pids.add(pid)
        return pids

    def summary(self) -> dict[str, Any]:
        counts = truth.workshop_counts(self.workshop_dir)
        if not self.ledger_path.exists():
            found: dict[str, Any] = Ledger(":memory:").summary([], counts)
        else:
            ledger = Ledger(self.ledger_path)
            try:
                found = ledger.summary(self._live_pids(), counts)
            finally:
                ledger.close()
        manager = self.settings.get("kernel_manager")
        found["kernels"] = len(manager.list_kernel_ids()) if manager is not None else None
        monitor = self.settings.get("kit_pool_monitor")
        found["pool"] = monitor.status() if monitor is not None else None
        found["ended"] = ended(self.settings)
        return found


class FacilitatorHandler(FacilitatorBase):
    """`/workshop/facilitator` (HTML, refreshes itself) and `/workshop/facilitator.json`:
    counts and progress only, never a key, a secret or a participant's personal data."""

    @tornado.web.authenticated
    def get(self, fmt: str | None = None) -> None:
        self.set_header("Cache-Control", "no-store")
        if not self.allowed():
            self.refuse()
            return
        summary = self.summary()
        if fmt == ".json":
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(summary))
            return
        self.finish(self.render_page(summary))

    def render_page(self, summary: dict[str, Any]) -> str:
        def rows(counts: dict[str, int]) -> str:
            return "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v}</td></tr>"
                           for k, v in sorted(counts.items())) or \
                "<tr><td colspan=2><i>none</i></td></tr>"

        def person(p: dict[str, Any]) -> str:
            cells = [html.escape(p["participant"]), "●" if p["connected"] else "",
                     html.escape(p["notebook"] or "—"),
                     html.escape(", ".join(p["passed"]) or "—"),
                     html.escape(", ".join(p["tried"]) or "—"),
                     str(p["payments"]), str(p["succeeded"]), str(p["events"])]
            return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

        secret = html.escape(self.given_secret(), quote=True)
        pool = summary.get("pool") or {}
        pool_line = html.escape(pool.get("line") or "no preheated pool") \
            if pool.get("wanted") else "no preheated pool: each page starts its own kernel"

        def action(name: str, label: str, confirm: str) -> str:
            return (f"<form method='post' style='display:inline' action='"
                    f"{url_path_join(self.base_url, 'workshop/facilitator', name)}'"
                    f" onsubmit=\"return confirm('{confirm}')\">{self.xsrf_form_html()}"
                    f"<input type='hidden' name='facilitator' value='{secret}'>"
                    f"<button type='submit'>{label}</button></form> ")

        people = "".join(person(p) for p in summary["people"]) or \
            "<tr><td colspan=8><i>nobody yet</i></td></tr>"
        body = (
            "<h1>Facilitator view</h1>"
            + ("<p><b>The workshop has ended</b>: kernels stopped, the ledger kept.</p>"
               if summary["ended"] else "")
            + f"<p id='pool'>{pool_line}</p><table><tr>"
            f"<td><div class='num' id='connected'>{summary['connected']}</div>connected</td>"
            f"<td><div class='num' id='participants'>{summary['participants']}</div>"
            "participants so far</td>"
            f"<td><div class='num' id='payments'>{summary['payments']}</div>payment attempts</td>"
            f"<td><div class='num' id='errors'>{summary['errors']}</div>errors</td></tr></table>"
            f"<h2>Payments by status</h2><table>{rows(summary['payments_by_status'])}</table>"
            f"<h2>Errors by code</h2><table>{rows(summary['errors_by_code'])}</table>"
            "<h2>Participants</h2><table id='people'><tr><th>sandbox</th><th>here</th>"
            "<th>notebook</th><th>exercises passed</th><th>tried</th><th>payments</th>"
            f"<th>succeeded</th><th>events</th></tr>{people}</table>"
            "<h2>The room</h2><p>"
            + action("reset", "Reset everyone",
                     "Empty every sandbox and stop every participant kernel?")
            + action("end", "End workshop",
                     "Stop every kernel and close the workshop? The ledger is kept.")
            + "</p><p style='color:#57606a'>"
            f"{summary['kernels']} kernels running (preheated ones included). Payments and"
            " errors are read on this server from each participant's sandbox and the"
            " emulators of the lessons they opened through the workshop's links; progress"
            " from the lessons' exercise checks. This page refreshes every 5 seconds.</p>")
        return PAGE.format(title="Facilitator", body=body,
                           head="<meta http-equiv='refresh' content='5'>")


class FacilitatorActionHandler(FacilitatorBase):
    """POST `/workshop/facilitator/reset` (every sandbox emptied, participants' kernels
    stopped: a reload starts again) and `/workshop/facilitator/end` (every kernel stopped,
    no new page served, the ledger kept)."""

    @tornado.web.authenticated
    async def post(self, action: str) -> None:
        if not self.allowed():
            self.refuse()
            return
        if action == "reset":
            done = await reset_everyone(self.settings["kernel_manager"], self.workshop_dir)
        else:
            done = await end_workshop(self.settings, self.workshop_dir)
        if "application/json" in self.request.headers.get("Accept", ""):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(done))
            return
        self.redirect(url_path_join(self.base_url, "workshop/facilitator")
                      + "?facilitator=" + tornado.escape.url_escape(self.given_secret()))


def pooled_kernel_ids(manager: Any) -> set[str]:
    ids = set()
    for pool in list((getattr(manager, "_pools", None) or {}).values()):
        for task in list(pool):
            if task.done() and not task.cancelled() and task.exception() is None:
                ids.add((task.result() or {}).get("kernel_id"))
    return ids


async def reset_everyone(manager: Any, workshop_dir: Path) -> dict[str, Any]:
    """Stop every participant's kernel (the preheated ones, used by nobody yet, stay), then
    empty every sandbox: emulator account, app state, order book. Progress is kept."""
    from ..emulator import Emulator

    pooled = pooled_kernel_ids(manager)
    stopped = 0
    for kernel_id in list(manager.list_kernel_ids()):
        if kernel_id not in pooled:
            await manager.shutdown_kernel(kernel_id)
            stopped += 1
    ledger = Ledger(workshop_dir / "ledger.sqlite3")
    try:
        accounts = ledger.accounts()
        database = workshop_dir / "emulator.sqlite3"
        if database.exists():
            emulator = Emulator(database)
            try:
                for account in accounts:
                    emulator.reset(account)
            finally:
                emulator.store.close()
        for account in accounts:
            ledger.forget(account)
            remove_database(workshop_dir / "orders" / f"{account}.sqlite3")  # kernels stopped
            shutil.rmtree(workshop_dir / "lessons" / account, ignore_errors=True)
    finally:
        ledger.close()
    return {"kernels_stopped": stopped, "sandboxes_reset": len(accounts)}


async def end_workshop(settings: dict[str, Any], workshop_dir: Path) -> dict[str, Any]:
    """Stop every kernel, the preheated ones too, and serve no new page; keep the ledger."""
    import time

    manager = settings["kernel_manager"]
    settings["kit_workshop_ended"] = True
    config = dict(getattr(manager, "kernel_pools_config", {}) or {})
    manager.kernel_pools_config = {k: {**(v or {}), "pool_size": 0} for k, v in config.items()}
    running = len(manager.list_kernel_ids())
    await manager.shutdown_all()
    ledger = Ledger(workshop_dir / "ledger.sqlite3")
    try:
        ledger.set_setting("ended_at", str(time.time()))
    finally:
        ledger.close()
    return {"kernels_stopped": running, "ended": True}


class EndedGuard:
    """Mixed into Voilà's page and kernel handlers: after "end workshop", a page says so."""

    def prepare(self) -> Any:
        if ended(self.settings):  # type: ignore[attr-defined]
            self.set_status(410)  # type: ignore[attr-defined]
            self.finish(PAGE.format(title="Workshop", head="", body=ENDED))  # type: ignore
            return None
        return super().prepare()  # type: ignore[misc]


class NoKernelDelete:
    """Mixed into Voilà's `/api/kernels/<id>` handler: a page may read its kernel's status
    (GET) but not shut it down with DELETE, which no Voilà page sends. (Closing a tab still
    frees its kernel through Voilà's own `/voila/api/shutdown/<id>`; restart and interrupt
    have no route in Voilà.)"""

    async def delete(self, kernel_id: str) -> None:
        self.set_status(405)  # type: ignore[attr-defined]
        self.finish(json.dumps({  # type: ignore[attr-defined]
            "message": "A workshop page cannot shut its kernel down; close the tab instead."}))


class WorkshopVoila(Voila):
    """Voilà serving notebooks/, with the landing page and the facilitator view added."""

    name = "voila-workshop"
    workshop_dir = Path(os.environ.get("KIT_WORKSHOP_DIR") or REPO_ROOT / ".kit" / "workshop")
    facilitator_token = ""

    def init_settings(self) -> dict:
        settings = super().init_settings()
        # Voilà 0.5 makes its kernel manager with an `allowed_message_types` argument of its
        # own (app.py, init_settings: the widget messages and `shutdown_request`), and an
        # argument wins over configuration: without this, a page could shut its kernel
        # down. The workshop's list (`workshop_config`) is the one in force.
        configured = self.config.get("MappingKernelManager", {}).get("allowed_message_types")
        self.kernel_manager.allowed_message_types = list(configured or BROWSER_MESSAGES)
        return settings

    def init_handlers(self) -> list:
        base = self.server_url
        settings = {"workshop_dir": self.workshop_dir,
                    "facilitator_token": self.facilitator_token}
        from ..widget_static import handlers as widget_module  # the Payment Element's code

        ours = [
            *widget_module(base),
            (base, LandingHandler),
            (url_path_join(base, r"/workshop/facilitator(\.json)?"), FacilitatorHandler,
             settings),
            (url_path_join(base, r"/workshop/facilitator/(reset|end)"),
             FacilitatorActionHandler, settings),
        ]
        theirs = []
        for pattern, handler, *rest in super().init_handlers():
            if "voila/render" in pattern or "/channels" in pattern:
                handler = type("Workshop" + handler.__name__, (EndedGuard, handler), {})
            elif handler is KernelHandler:
                handler = type("Workshop" + handler.__name__, (NoKernelDelete, handler), {})
            theirs.append((pattern, handler, *rest))
        # (Voilà makes its kernel manager and tornado app in start(), just before this)
        monitor = PoolMonitor(self.kernel_manager)
        self.app.settings["kit_pool_monitor"] = monitor
        monitor.start()
        return ours + theirs


def serve(*, host: str = "127.0.0.1", port: int = 8866, token: str | None = None,
          pool_size: int = DEFAULT_POOL, cull_idle: int = DEFAULT_CULL_IDLE,
          cull_interval: int = DEFAULT_CULL_INTERVAL, refill_delay: float = DEFAULT_REFILL_DELAY,
          workshop_dir: Path | None = None, facilitator_token: str = "") -> None:
    """Run the workshop server until Ctrl-C."""
    workshop_dir = Path(workshop_dir or os.environ.get("KIT_WORKSHOP_DIR")
                        or REPO_ROOT / ".kit" / "workshop").resolve()
    workshop_dir.mkdir(parents=True, exist_ok=True)
    kernel_profile(workshop_dir)
    os.environ.update(workshop_environment(workshop_dir))
    for name in ("KIT_DETERMINISTIC", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"):
        os.environ.pop(name, None)
    WorkshopVoila.workshop_dir = workshop_dir
    WorkshopVoila.facilitator_token = facilitator_token
    config = workshop_config(host=host, port=port, token=token, pool_size=pool_size,
                             cull_idle=cull_idle, cull_interval=cull_interval,
                             refill_delay=refill_delay)
    app = WorkshopVoila(config=config)
    app.initialize([str(NOTEBOOKS)])
    app.start()
