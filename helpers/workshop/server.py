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
- kernels of the app keep their sandboxes in `KIT_WORKSHOP_DIR` (SQLite, shared, surviving
  kernel restarts); kernels of the lessons keep an in-memory emulator each
  (`KIT_EMULATOR_DB=:memory:`), so no participant's lesson sees another's objects.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from traitlets.config import Config
from voila.app import Voila

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
DEFAULT_REFILL_DELAY = 20.0  # seconds before a used pool kernel is replaced (see below)


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
    c.MappingKernelManager.cull_idle_timeout = cull_idle
    c.MappingKernelManager.cull_interval = cull_interval
    c.MappingKernelManager.cull_connected = False
    return c


def workshop_environment(workshop_dir: Path) -> dict[str, str]:
    """Environment variables for the server and its kernels."""
    paths = [str(SHARE)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    return {
        "JUPYTER_PATH": os.pathsep.join(paths),  # finds the `kit` template
        "KIT_BACKEND": "emulator",               # even if .env holds test keys
        "KIT_WORKSHOP_DIR": str(workshop_dir),   # the app's sandboxes (shared SQLite)
        "KIT_EMULATOR_DB": ":memory:",           # the lessons: one emulator per kernel
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


class LandingHandler(JupyterHandler):
    """`/`: the app first, then the step-by-step lessons, each opened as an app."""

    @tornado.web.authenticated
    def get(self) -> None:
        base = self.base_url
        lessons = "".join(
            f"<li><a href='{url_path_join(base, 'voila/render', name)}'>{html.escape(title)}"
            f"</a></li>" for name, title in LESSONS.items() if (NOTEBOOKS / name).exists())
        body = (
            "<h1>Stripe payments for existing customers</h1>"
            f"<a class='app' href='{url_path_join(base, 'voila/render', APP_NOTEBOOK)}'>"
            "▶ Open the workshop app</a>"
            "<p>Pick a returning customer, choose what the Payment Element may show, pay, and"
            " watch the webhook events and your orders arrive. Everything you do stays in"
            " your own sandbox (this browser keeps it: a reload brings it back).</p>"
            "<h2>The lessons, step by step</h2>"
            f"<ul>{lessons}</ul>"
            "<p style='color:#57606a'>Facilitator: <a href='"
            f"{url_path_join(base, 'workshop/facilitator')}'>"
            "who is here, payments, errors</a>.</p>")
        self.set_header("Cache-Control", "no-store")
        self.finish(PAGE.format(title="Workshop", head="", body=body))


class FacilitatorHandler(JupyterHandler):
    """`/workshop/facilitator` (HTML, refreshes itself) and `/workshop/facilitator.json`:
    counts only, never a key, a secret or a participant's data."""

    def initialize(self, ledger_path: Path) -> None:
        self.ledger_path = ledger_path

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
        if not self.ledger_path.exists():
            found: dict[str, Any] = Ledger(":memory:").summary([])
        else:
            ledger = Ledger(self.ledger_path)
            try:
                found = ledger.summary(self._live_pids())
            finally:
                ledger.close()
        manager = self.settings.get("kernel_manager")
        found["kernels"] = len(manager.list_kernel_ids()) if manager is not None else None
        return found

    @tornado.web.authenticated
    def get(self, fmt: str | None = None) -> None:
        summary = self.summary()
        self.set_header("Cache-Control", "no-store")
        if fmt == ".json":
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(summary))
            return

        def rows(counts: dict[str, int]) -> str:
            return "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v}</td></tr>"
                           for k, v in sorted(counts.items())) or \
                "<tr><td colspan=2><i>none</i></td></tr>"

        body = (
            "<h1>Facilitator view</h1><table><tr>"
            f"<td><div class='num' id='connected'>{summary['connected']}</div>connected</td>"
            f"<td><div class='num' id='participants'>{summary['participants']}</div>"
            "participants so far</td>"
            f"<td><div class='num' id='payments'>{summary['payments']}</div>payment attempts</td>"
            f"<td><div class='num' id='errors'>{summary['errors']}</div>errors</td></tr></table>"
            f"<h2>Payments by status</h2><table>{rows(summary['payments_by_status'])}</table>"
            f"<h2>Errors by code</h2><table>{rows(summary['errors_by_code'])}</table>"
            f"<p style='color:#57606a'>{summary['kernels']} kernels running (preheated ones"
            " included). This page refreshes every 5 seconds and shows counts only.</p>")
        self.finish(PAGE.format(title="Facilitator", body=body,
                                head="<meta http-equiv='refresh' content='5'>"))


class WorkshopVoila(Voila):
    """Voilà serving notebooks/, with the landing page and the facilitator view added."""

    name = "voila-workshop"
    workshop_dir = Path(os.environ.get("KIT_WORKSHOP_DIR") or REPO_ROOT / ".kit" / "workshop")

    def init_handlers(self) -> list:
        base = self.server_url
        from ..widget_static import handlers as widget_module  # the Payment Element's code

        ours = [
            *widget_module(base),
            (base, LandingHandler),
            (url_path_join(base, r"/workshop/facilitator(\.json)?"), FacilitatorHandler,
             {"ledger_path": self.workshop_dir / "ledger.sqlite3"}),
        ]
        return ours + super().init_handlers()


def serve(*, host: str = "127.0.0.1", port: int = 8866, token: str | None = None,
          pool_size: int = DEFAULT_POOL, cull_idle: int = DEFAULT_CULL_IDLE,
          cull_interval: int = DEFAULT_CULL_INTERVAL, refill_delay: float = DEFAULT_REFILL_DELAY,
          workshop_dir: Path | None = None) -> None:
    """Run the workshop server until Ctrl-C."""
    workshop_dir = Path(workshop_dir or os.environ.get("KIT_WORKSHOP_DIR")
                        or REPO_ROOT / ".kit" / "workshop").resolve()
    workshop_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(workshop_environment(workshop_dir))
    for name in ("KIT_DETERMINISTIC", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"):
        os.environ.pop(name, None)
    WorkshopVoila.workshop_dir = workshop_dir
    config = workshop_config(host=host, port=port, token=token, pool_size=pool_size,
                             cull_idle=cull_idle, cull_interval=cull_interval,
                             refill_delay=refill_delay)
    app = WorkshopVoila(config=config)
    app.initialize([str(NOTEBOOKS)])
    app.start()
