"""Browser tests: Playwright for Python driving the system Chromium, fully offline.

Fixtures
- `browser`: Chromium from $CHROMIUM_PATH or /usr/bin/chromium. A missing browser FAILS the
  tests (with how to fix it) rather than skipping them: a skipped browser tier looks green.
- `offline_page`: a fresh page whose every request off 127.0.0.1 is aborted, except URLs a test
  fulfils on purpose (`offline_page.kit.fulfil(url, body)`); `offline_page.kit.outside` lists
  every off-machine URL the page asked for.
- `emulator_server`: `python -m helpers.emulator serve` on a free port with a temporary DB.
- `voila`: starts Voilà on the repository (tree mode) with a temporary emulator DB and
  deterministic ids; call it with extra environment variables, get an object with `.url(nb)`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from local_servers import free_port, stop_group, wait_until_answers
from offline import VOILA_TEMPLATE_CDN, OfflineGuard  # noqa: F401  (the CDN set: for tests)
from support.env import clean_env
from waits import NAVIGATION_MS, SERVER_START_S, STEP_MS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# The notebook the client-side tests drive (the lead's notebook 03).
CHECKOUT_NOTEBOOK = "notebooks/03_client_side.ipynb"


# ---- Chromium ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    resolved = shutil.which(path) or (path if os.access(path, os.X_OK) else None)
    if not resolved:
        pytest.fail(
            f"Chromium not found at {path!r}. The browser tests need a system Chromium: install "
            "it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to its binary. "
            "(`playwright install` needs the internet and is not used by this kit.)",
            pytrace=False)
    return resolved


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()



def guarded_page(browser: Any, width: int, timeout_ms: int = STEP_MS) -> tuple[Any, Any]:
    """A page whose off-machine requests are recorded and aborted (`page.kit`), with its
    console kept (`page.kit_console`); returns (context, page).

    Its default timeouts are the shared, generous ones of waits.py: STEP_MS for a step,
    NAVIGATION_MS for any `goto` (a Voilà page loads only once its notebook has run)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    guard = OfflineGuard()
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.kit = guard
    page.kit_console = []
    page.on("console", lambda msg: page.kit_console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: page.kit_console.append(f"pageerror: {exc}"))
    page.set_default_timeout(timeout_ms)
    page.set_default_navigation_timeout(max(timeout_ms, NAVIGATION_MS))
    return context, page


@pytest.fixture
def offline_page(browser: object) -> Iterator[object]:
    context, page = guarded_page(browser, 1000)
    yield page
    context.close()


# ---- servers -------------------------------------------------------------------------------

def stop(process: subprocess.Popen) -> None:
    """Stop a server we started (its whole process group: Voilà's kernels too)."""
    stop_group(process)
    if process.poll() is None:
        process.wait(timeout=5)


def kit_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """A clean environment (support.env.clean_env), a database, a workshop directory and
    Jupyter directories under `tmp`, stable ids; then `overrides`."""
    return clean_env(**{
        "KIT_EMULATOR_DB": str(tmp / "emulator.sqlite3"),
        # a lesson opened with a participant id records it in the workshop's ledger: here
        "KIT_WORKSHOP_DIR": str(tmp / "workshop"),
        "KIT_DETERMINISTIC": "1",
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    })


@dataclass
class EmulatorServer:
    url: str
    db: Path


@pytest.fixture
def emulator_server(tmp_path: Path) -> Iterator[EmulatorServer]:
    port = free_port()
    db = tmp_path / "served-emulator.sqlite3"
    log = (tmp_path / "emulator.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.emulator", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--db", str(db)],
        cwd=ROOT, env=kit_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(url + "/health", process, timeout=SERVER_START_S)
        yield EmulatorServer(url, db)
    finally:
        stop(process)
        log.close()


@dataclass
class Voila:
    base: str
    env: dict[str, str]
    log: Path

    def url(self, notebook: str) -> str:
        return f"{self.base}/voila/render/{notebook}"

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[Callable[..., Voila]]:
    """`voila(**env)` starts Voilà on the repository root; stopped when the test ends."""
    processes: list[subprocess.Popen] = []
    executable = BIN / "voila"
    if not executable.exists():
        pytest.fail(f"Voilà not found next to {sys.executable} ({executable}).", pytrace=False)

    def start(**env_overrides: str) -> Voila:
        port = free_port()
        env = kit_env(tmp_path, **env_overrides)
        log = tmp_path / f"voila-{port}.log"
        process = subprocess.Popen(
            [str(executable), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
             "--show_tracebacks=False", str(ROOT)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/", process, timeout=SERVER_START_S)
        return Voila(base, env, log)

    yield start
    for process in processes:
        stop(process)


@pytest.fixture
def checkout_notebook() -> str:
    """The notebook whose PaymentElement the Voilà tests drive: notebook 03.

    KIT_TEST_CHECKOUT_NOTEBOOK (a path relative to the repository) points the tests at another
    notebook that shows a PaymentElement for a customer with a saved Visa 4242.
    """
    notebook = os.environ.get("KIT_TEST_CHECKOUT_NOTEBOOK") or CHECKOUT_NOTEBOOK
    if not (ROOT / notebook).exists():
        pytest.fail(f"{notebook} does not exist.", pytrace=False)
    return notebook


# ---- module-scoped servers and pages (one per test module: the Payment Element scenarios) -----

@pytest.fixture(scope="module")
def module_page(browser: object) -> Iterator[object]:
    """Like `offline_page`, but shared by the tests of one module (one render, many checks)."""
    context, page = guarded_page(browser, 1100)
    yield page
    context.close()


@dataclass
class NotebookServer:
    """A Jupyter front end (Voilà or JupyterLab) serving `root`, with its emulator database."""

    base: str
    root: Path
    env: dict[str, str]
    log: Path
    token: str = ""

    @property
    def db(self) -> Path:
        return Path(self.env["KIT_EMULATOR_DB"])

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _serve(tmp: Path, argv: list[str], check_path: str, **env: str) -> tuple[subprocess.Popen,
                                                                           NotebookServer]:
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    environment = kit_env(tmp, **env)
    log = tmp / f"server-{port}.log"
    process = subprocess.Popen(argv, cwd=tmp, env=environment, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_answers(base + check_path, process, timeout=SERVER_START_S)
    return process, NotebookServer(base, tmp, environment, log)


@pytest.fixture(scope="module")
def voila_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], NotebookServer]]:
    """`voila_on(directory)`: Voilà in tree mode on `directory`, for the whole module."""
    processes: list[subprocess.Popen] = []

    def start(directory: Path) -> NotebookServer:
        process, server = _serve(
            directory, [str(BIN / "voila"), "--no-browser", "--port={port}",
                        "--Voila.ip=127.0.0.1", "--show_tracebacks=False", str(directory)], "/")
        processes.append(process)
        return server

    yield start
    for process in processes:
        stop(process)


@pytest.fixture(scope="module")
def jupyter_lab_on(tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[Callable[[Path], NotebookServer]]:
    """`jupyter_lab_on(directory)`: JupyterLab on `directory` for the whole module: token auth,
    no news toast, no update check, no autosave (the test notebook is never written back)."""
    processes: list[subprocess.Popen] = []

    def start(directory: Path) -> NotebookServer:
        settings = directory / ".lab-user-settings"
        for plugin, values in {
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                '{"fetchNews": "false", "checkForUpdates": false}',
            "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": '{"autosave": false}',
        }.items():
            path = settings / plugin
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(values)
        token = "kit-browser-test-token"
        process, server = _serve(
            directory, [str(BIN / "jupyter"), "lab", "--no-browser", "--port={port}",
                        "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}",
                        f"--ServerApp.root_dir={directory}", "--LabApp.news_url=None",
                        f"--LabApp.user_settings_dir={settings}",
                        f"--LabApp.workspaces_dir={directory / '.lab-workspaces'}",
                        "--LabApp.expose_app_in_browser=True", "--allow-root"], "/api/status")
        server.token = token
        processes.append(process)
        return server

    yield start
    for process in processes:
        stop(process)
