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
    KIT_HUB_APP_ONLY      1 (default): a workshop hub serves the app, not a lab (see below);
                          0: users may also run code, in JupyterLab (/user/NAME/lab) or anywhere

A workshop hub protects its users' kernels as `python -m helpers.workshop` does
(helpers/workshop/server.py): every kernel runs the workshop's startup file
(`kernel_profile`: no traceback or server path leaves the server, an unknown widget command
gets a short `kit-error`), and the server takes only widget and kernel-info messages from a
page (`MappingKernelManager.allowed_message_types` = `server.BROWSER_MESSAGES`), so a page
cannot run code in its kernel. Voilà runs the app's notebook on the server side, so the app
needs nothing more. JupyterLab does (execute_request, complete_request, ...): with
KIT_HUB_APP_ONLY=1, /user/NAME/lab still opens but its kernels run nothing; set it to 0 for a
hub where users write code, which also drops the startup file (a user who can run code is
past the boundary anyway, and would rather see their own tracebacks).

tests/browser/test_jupyterhub_room.py starts a hub with this file (plus a test authenticator
and spawner) and has three users pay in their own apps.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (JupyterHub provides it)

HERE_REPO = Path(__file__).resolve().parents[2]
REPO = Path(os.environ.get("KIT_REPO") or HERE_REPO)
APP_URL = "/voila/render/notebooks/06_workshop_app.ipynb"
APP_ONLY = os.environ.get("KIT_HUB_APP_ONLY", "1").strip().lower() not in ("0", "no", "false",
                                                                          "off")
WORKSHOP_DIR = "~/.kit-workshop"  # in each user's home, expanded by their own server

# The workshop server's own list, not a copy: the hub runs in the kit's environment
# (docs/workshop.md's one-VM steps start it from the kit's .venv), where
# helpers.workshop.server imports.
sys.path.insert(0, str(HERE_REPO))
from helpers.workshop.server import BROWSER_MESSAGES  # noqa: E402

# What a user's server runs (the hub appends its arguments): as that user, write the
# workshop's kernel startup file into IPYTHONDIR (`server.kernel_profile`, the same file the
# workshop server's kernels run), then become `jupyterhub-singleuser`. If the file cannot be
# written, the server does not start: no user gets a kernel without the boundary.
BOOT = f"""\
import os, sys
from pathlib import Path
sys.path.insert(0, {str(REPO)!r})
from helpers.workshop.server import kernel_profile
ipython_dir = Path(os.environ["IPYTHONDIR"]).expanduser()
if ipython_dir.name != "ipython":  # kernel_profile(d) writes d/ipython
    sys.exit("IPYTHONDIR must end in /ipython (see helpers/workshop/jupyterhub_config.py)")
kernel_profile(ipython_dir.parent)
os.environ["IPYTHONDIR"] = str(ipython_dir)
os.execv(sys.executable, [sys.executable, "-m", "jupyterhub.singleuser", *sys.argv[1:]])
"""

c.JupyterHub.bind_url = f"http://:{int(os.environ.get('KIT_HUB_PORT', '8000'))}"

# Each participant's server starts in the kit's repository and opens the app, not JupyterLab.
c.Spawner.notebook_dir = str(REPO)
c.Spawner.default_url = APP_URL
c.Spawner.environment = {
    "KIT_BACKEND": "emulator",           # the offline emulator, whatever .env says
    "KIT_WORKSHOP_DIR": WORKSHOP_DIR,    # the user's sandboxes, surviving restarts
    "JUPYTER_PATH": str(REPO / "helpers" / "workshop" / "share"),  # the `kit` template
    "KIT_WIDGET_STATIC": "1",  # the server serves the Payment Element's code (see below)
}
if APP_ONLY:  # the workshop's kernel startup file (see BOOT), as `workshop_environment` sets it
    c.Spawner.environment["IPYTHONDIR"] = f"{WORKSHOP_DIR}/ipython"
    c.Spawner.cmd = [sys.executable, "-c", BOOT]
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
    # the Payment Element's code at /user/NAME/kit/static/payment-element.js, fetched once
    # per browser and cached (helpers/widget_static.py), not sent with every widget's state
    '--ServerApp.jpserver_extensions={"helpers.widget_static": True}',
]
if APP_ONLY:  # a page may send widget and kernel-info messages only: it cannot run code
    c.Spawner.args += [f"--MappingKernelManager.allowed_message_types={kind}"
                       for kind in BROWSER_MESSAGES]
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
