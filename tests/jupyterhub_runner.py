"""Start a real JupyterHub with the kit's config (helpers/workshop/jupyterhub_config.py) for tests.

The hub loads the kit's file unchanged and adds only what a test needs on top: a dummy
authenticator (any of the given users, one shared password), a local process spawner that
needs no system users (each user's home is a temporary directory), free ports, a temporary
database and cookie secret, and an API token the test reads the hub's state with.

configurable-http-proxy comes from the npm registry. It is looked up in $KIT_CHP, then in
`.kit/npm` (where `.ci/run` installs it), then on PATH; `chp_command()` says how to install it
when it is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_servers import free_port, stop_group
from support.env import clean_env

ROOT = Path(__file__).resolve().parents[1]
KIT_CONFIG = ROOT / "helpers" / "workshop" / "jupyterhub_config.py"
LOCAL_CHP = ROOT / ".kit" / "npm" / "node_modules" / ".bin" / "configurable-http-proxy"
INSTALL_CHP = ("npm install --prefix .kit/npm configurable-http-proxy@4 (@5 on Node 22.12+), "
               "or run .ci/run, or set KIT_CHP to the proxy's path")
HUB_READY_S = 90
APP_PATH = "voila/render/notebooks/06_workshop_app.ipynb"

OVERLAY = '''
# Written by tests/jupyterhub_runner.py: the kit's config, then what a test needs.
import json, os
load_subconfig({kit_config!r})
settings = json.loads(os.environ["KIT_TEST_HUB"])

c.JupyterHub.bind_url = settings["bind_url"]
c.JupyterHub.hub_bind_url = settings["hub_bind_url"]
c.ConfigurableHTTPProxy.api_url = settings["proxy_api_url"]
c.ConfigurableHTTPProxy.command = [settings["chp"]]
c.ConfigurableHTTPProxy.pid_file = settings["dir"] + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + settings["dir"] + "/hub.sqlite"
c.JupyterHub.cookie_secret_file = settings["dir"] + "/cookie_secret"
c.JupyterHub.pid_file = settings["dir"] + "/hub.pid"

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = settings["password"]
c.Authenticator.allowed_users = set(settings["users"])

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = settings["dir"] + "/home/{{username}}"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
if os.getuid() == 0:  # CI containers run as root; Jupyter refuses root unless told
    c.Spawner.args = list(c.Spawner.args) + ["--allow-root"]
# report activity every few seconds (default 300) so the culler sees it in test time
c.Spawner.environment = dict(c.Spawner.environment, JUPYTERHUB_ACTIVITY_INTERVAL="5")

# the test reads users and servers through the hub's REST API with its own token
c.JupyterHub.services = list(c.JupyterHub.services) + [
    {{"name": "kit-test", "api_token": settings["api_token"]}}]
c.JupyterHub.load_roles = list(c.JupyterHub.load_roles) + [{{
    "name": "kit-test", "scopes": ["list:users", "read:users", "read:servers"],
    "services": ["kit-test"]}}]
'''


def chp_command() -> str | None:
    """The configurable-http-proxy executable, or None when it is not installed."""
    given = os.environ.get("KIT_CHP")
    if given:
        return shutil.which(given) or (given if os.access(given, os.X_OK) else None)
    if os.access(LOCAL_CHP, os.X_OK):
        return str(LOCAL_CHP)
    return shutil.which("configurable-http-proxy")


@dataclass
class Hub:
    """A running hub: its public URL, where it keeps things, and its REST API."""

    base: str
    dir: Path
    log: Path
    password: str
    api_token: str
    process: subprocess.Popen

    def home(self, user: str) -> Path:
        return self.dir / "home" / user

    def app_url(self, user: str) -> str:
        return f"{self.base}/user/{user}/{APP_PATH}"

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.base}/hub/api{path}",
            headers={"Authorization": f"token {self.api_token}"})
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.load(response)

    def servers(self, user: str) -> dict[str, Any]:
        """The user's running (or starting) servers, by name ('' is the default one)."""
        return self.api(f"/users/{user}").get("servers") or {}

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float) -> None:
        """Until `condition()` holds; on timeout, fail naming `what` with the hub's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited ({self.process.returncode}) while waiting "
                                     f"for {what}\n{self.log_tail()}")
            if condition():
                return
            time.sleep(1)
        raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}\n{self.log_tail()}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:  # refused, timed out, or an HTTP error (URLError and HTTPError are OSErrors)
        return False


@contextmanager
def running_hub(tmp: Path, users: list[str], *, chp: str, idle_timeout: int,
                cull_every: int) -> Iterator[Hub]:
    """`jupyterhub -f <overlay>` (the kit's config plus the test's) until the block ends."""
    tmp.mkdir(parents=True, exist_ok=True)
    overlay = tmp / "test_jupyterhub_config.py"
    overlay.write_text(OVERLAY.format(kit_config=str(KIT_CONFIG)))
    port = free_port()
    settings = {
        "bind_url": f"http://127.0.0.1:{port}",
        "hub_bind_url": f"http://127.0.0.1:{free_port()}",
        "proxy_api_url": f"http://127.0.0.1:{free_port()}",
        "chp": chp, "dir": str(tmp), "users": users,
        "password": secrets.token_urlsafe(12), "api_token": secrets.token_hex(24),
    }
    bin_dir = str(Path(sys.executable).parent)
    # a clean environment: no keys or kit settings from the shell or pytest's conftest
    env = clean_env()
    env.update({
        "KIT_TEST_HUB": json.dumps(settings),
        "KIT_HUB_IDLE_TIMEOUT": str(idle_timeout), "KIT_HUB_CULL_EVERY": str(cull_every),
        # the single-user servers and kernels come from this venv
        "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
        "PYTHONUNBUFFERED": "1",
    })
    log = tmp / "hub.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(overlay)],
        cwd=tmp, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    hub = Hub(settings["bind_url"], tmp, log, settings["password"], settings["api_token"],
              process)
    try:
        # the proxy answers 404 until the hub has added its route: wait for the hub's own answer
        hub.wait_for("the hub's API behind the proxy", lambda: answers(hub.base + "/hub/api"),
                     timeout=HUB_READY_S)
        yield hub
    finally:
        # On SIGTERM the hub stops its proxy and the servers it spawned; they run in sessions
        # of their own, so whatever a hub that died early left behind is stopped here.
        stop_group(process, timeout=30)
        stop_leftovers(settings["hub_bind_url"], settings["proxy_api_url"])


def stop_leftovers(hub_bind_url: str, proxy_api_url: str) -> None:
    """Stop what this hub started, found by marks only it has: the proxy's command line names
    this proxy API port; the single-user servers, their kernels and the culler carry this
    hub's API URL in their environment."""
    hub_api = f"JUPYTERHUB_API_URL={hub_bind_url}/hub/api\0".encode()
    proxy = f"--api-port\0{urlsplit(proxy_api_url).port}\0".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            mine = (b"configurable-http-proxy" in cmdline and proxy in cmdline) or \
                hub_api in (proc / "environ").read_bytes()
        except OSError:
            continue
        if mine:
            try:
                group = os.getpgid(int(proc.name))
                if group != os.getpgrp():  # never the test's own group
                    os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
