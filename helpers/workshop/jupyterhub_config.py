"""JupyterHub configuration for workshops bigger than one machine: every participant logs in
and gets their own single-user server, which opens the workshop app in Voilà.

    jupyterhub -f helpers/workshop/jupyterhub_config.py

The kit builds nothing of its own here: JupyterHub spawns one Jupyter server per participant
(Voilà runs in it as a server extension, at /voila/render/...), so participants are isolated
by process and by user; the app still keeps one sandbox per browser inside each server.

Adapt the authenticator and spawner to your site (the values below are a starting point for
one VM with local users; DockerSpawner or KubeSpawner scale further). Environment variables:

    KIT_REPO              where this repository is checked out for the users (default: this clone)
    KIT_HUB_PORT          the port the hub listens on (default 8000)
    KIT_HUB_IDLE_TIMEOUT  seconds without activity before the idle culler stops a participant's
                          server (default 3600)
    KIT_HUB_CULL_EVERY    how often the culler looks, in seconds (default 300)

tests/browser/test_jupyterhub_room.py starts a hub with this file (plus a test authenticator
and spawner) and has three users pay in their own apps.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (JupyterHub provides it)

REPO = Path(os.environ.get("KIT_REPO") or Path(__file__).resolve().parents[2])
APP_URL = "/voila/render/notebooks/06_workshop_app.ipynb"

c.JupyterHub.bind_url = f"http://:{int(os.environ.get('KIT_HUB_PORT', '8000'))}"

# Each participant's server starts in the kit's repository and opens the app, not JupyterLab.
c.Spawner.notebook_dir = str(REPO)
c.Spawner.default_url = APP_URL
c.Spawner.environment = {
    "KIT_BACKEND": "emulator",             # the offline emulator, whatever .env says
    "KIT_WORKSHOP_DIR": "~/.kit-workshop",  # the user's sandboxes, surviving restarts
    "JUPYTER_PATH": str(REPO / "helpers" / "workshop" / "share"),  # the `kit` template
}
# Voilà (a server extension) with the workshop's settings: no tracebacks in pages, no CDN.
c.Spawner.args = [
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaConfiguration.template=kit",
    "--VoilaConfiguration.allow_template_override=NO",
    # As a server extension, Voilà's page config points MathJax at a CDN (the standalone app
    # leaves both unset); with both None the page loads no MathJax, as in the standalone app.
    '--ServerApp.tornado_settings={"mathjax_url": None, "mathjax_config": None}',
    # a closed tab's kernel is shut down after 20 idle minutes, as in `python -m helpers.workshop`
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=60",
]
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL"]
c.Spawner.mem_limit = "1G"  # enforced by container spawners; informational for local users

# Servers nobody uses are stopped by the hub's idle culler (pip install jupyterhub-idle-culler),
# run with the hub's own Python so it is found in the hub's environment. A single-user server
# reports its activity (kernel messages, page requests) to the hub; an idle tab is not activity.
IDLE_TIMEOUT = int(os.environ.get("KIT_HUB_IDLE_TIMEOUT", "3600"))
CULL_EVERY = int(os.environ.get("KIT_HUB_CULL_EVERY", "300"))
c.JupyterHub.load_roles = [{
    "name": "workshop-idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={IDLE_TIMEOUT}", f"--cull-every={CULL_EVERY}"],
}]
