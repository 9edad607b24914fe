"""The kit's JupyterHub config, loaded as JupyterHub loads it (no hub started: the browser test
tests/browser/test_jupyterhub_room.py runs a real one). Quick checks that the pieces a room
relies on are set: the app as each user's default URL, the kit template with no CDN, the
culler as a hub service on the hub's own Python with its timeout from the environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "helpers" / "workshop" / "jupyterhub_config.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in ("KIT_REPO", "KIT_HUB_PORT", "KIT_HUB_IDLE_TIMEOUT", "KIT_HUB_CULL_EVERY"):
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
