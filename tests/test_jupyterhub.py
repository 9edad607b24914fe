"""The kit's JupyterHub config, loaded as JupyterHub loads it (no hub started: the browser test
tests/browser/test_jupyterhub_room.py runs a real one). Quick checks that the pieces a room
relies on are set: the app as each user's default URL, the kit template with no CDN, the
culler as a hub service on the hub's own Python with its timeout from the environment, and
the workshop's kernel protection (startup file, widget-only messages) unless KIT_HUB_APP_ONLY=0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_server.serverapp import ServerApp
from support.env import clean_env
from traitlets.config import Config, PyFileConfigLoader

from helpers.workshop.server import BROWSER_MESSAGES, kernel_profile

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "helpers" / "workshop" / "jupyterhub_config.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in ("KIT_REPO", "KIT_HUB_PORT", "KIT_HUB_IDLE_TIMEOUT", "KIT_HUB_CULL_EVERY",
                 "KIT_HUB_APP_ONLY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader(CONFIG.name, str(CONFIG.parent))
    return loader.load_config()


def test_each_user_opens_the_app_with_the_kit_template(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch)
    assert c.Spawner.default_url == "/voila/render/notebooks/06_workshop_app.ipynb"
    assert (ROOT / c.Spawner.default_url.removeprefix("/voila/render/")).exists()
    assert Path(c.Spawner.notebook_dir) == ROOT
    args = " ".join(c.Spawner.args)
    assert "--VoilaConfiguration.template=kit" in args
    assert "--VoilaConfiguration.show_tracebacks=False" in args
    assert '"mathjax_url": None' in args  # Voilà as a server extension: no MathJax CDN
    env = c.Spawner.environment
    assert env["KIT_BACKEND"] == "emulator"
    assert (Path(env["JUPYTER_PATH"]) / "voila" / "templates" / "kit").is_dir()
    assert c.JupyterHub.bind_url == "http://:8000"


def test_the_idle_culler_runs_on_the_hubs_python(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch, KIT_HUB_IDLE_TIMEOUT="45", KIT_HUB_CULL_EVERY="5", KIT_HUB_PORT="8123")
    (culler,) = [s for s in c.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    assert "--timeout=45" in culler["command"] and "--cull-every=5" in culler["command"]
    (role,) = [r for r in c.JupyterHub.load_roles if "idle-culler" in r["services"]]
    assert "delete:servers" in role["scopes"]
    assert c.JupyterHub.bind_url == "http://:8123"
    # defaults: an hour idle, looked at every five minutes
    culler = load(monkeypatch).JupyterHub.services[0]
    assert "--timeout=3600" in culler["command"] and "--cull-every=300" in culler["command"]


def allowed_from_a_page(args: list[str]) -> list[str] | None:
    """The message types a user's server lets a page send, parsed as the server parses its
    arguments (None: every type)."""
    ours = [a for a in args if a.startswith("--MappingKernelManager.")]
    server = ServerApp()
    server.parse_command_line(ours)
    return server.config.MappingKernelManager.get("allowed_message_types")


def test_a_workshop_hub_serves_the_app_not_a_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch)
    assert allowed_from_a_page(c.Spawner.args) == BROWSER_MESSAGES  # the workshop's own list
    assert "execute_request" not in BROWSER_MESSAGES
    env = c.Spawner.environment
    assert env["IPYTHONDIR"] == env["KIT_WORKSHOP_DIR"] + "/ipython"
    assert c.Spawner.cmd[:2] == [sys.executable, "-c"]
    assert "kernel_profile" in c.Spawner.cmd[2]
    # the switch: a hub where users write code in JupyterLab gets neither
    for off in ("0", "no"):
        lab = load(monkeypatch, KIT_HUB_APP_ONLY=off)
        assert allowed_from_a_page(lab.Spawner.args) is None
        assert "IPYTHONDIR" not in lab.Spawner.environment and "cmd" not in lab.Spawner
        assert lab.Spawner.default_url == c.Spawner.default_url  # still opens the app


@pytest.mark.slow
def test_a_users_server_writes_the_workshop_startup_file_before_it_starts(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The server's command, run as the spawner runs it (with `--version` for the hub's
    arguments, so the single-user server prints its version instead of serving)."""
    cmd = load(monkeypatch).Spawner.cmd
    home = tmp_path / "home"
    env = clean_env(prefixes=("KIT_", "IPYTHON"), HOME=str(home),
                    IPYTHONDIR="~/.kit-workshop/ipython")
    ran = subprocess.run([*cmd, "--version"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip()  # jupyterhub-singleuser answered, after the file was written
    startup = home / ".kit-workshop" / "ipython" / "profile_default" / "startup"
    expected = kernel_profile(tmp_path / "expected") / "profile_default" / "startup"
    assert [p.name for p in startup.iterdir()] == [p.name for p in expected.iterdir()]
    for made in startup.iterdir():
        assert made.read_text() == (expected / made.name).read_text()
    # an IPYTHONDIR the workshop's kernels would not read: the server does not start
    env["IPYTHONDIR"] = str(tmp_path / "elsewhere")
    refused = subprocess.run([*cmd, "--version"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0 and "IPYTHONDIR must end in /ipython" in refused.stderr
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "ipython").exists()


def test_the_readmes_kubernetes_values_say_what_the_config_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/workshop.md's Zero to JupyterHub values are not run here (no cluster): at least they
    must not drift from the config the hub test runs (same server arguments, same environment
    names)."""
    import re

    import yaml

    text = (ROOT / "docs" / "workshop.md").read_text()
    block = re.search(r"```yaml\n(singleuser:.*?)```", text, re.S)
    assert block, "docs/workshop.md has no Zero to JupyterHub values block"
    values = yaml.safe_load(block[1])
    c = load(monkeypatch)
    assert values["singleuser"]["defaultUrl"] == c.Spawner.default_url
    assert values["hub"]["config"]["KubeSpawner"]["args"] == list(c.Spawner.args)
    assert set(values["singleuser"]["extraEnv"]) == set(c.Spawner.environment)
    for name in ("KIT_BACKEND", "KIT_WIDGET_STATIC"):
        assert values["singleuser"]["extraEnv"][name] == c.Spawner.environment[name]
    assert values["cull"]["timeout"] == 3600 and values["cull"]["every"] == 300
