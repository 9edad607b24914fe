"""One rule for a child process's environment: nothing from the developer's shell that could
pick a backend, a database or a Jupyter directory; only what the test sets."""

from __future__ import annotations

import os

# Keys, kit settings, Jupyter/IPython directories and the hub proxy's settings.
SCRUBBED_PREFIXES = ("STRIPE_", "KIT_", "JUPYTER", "IPYTHON", "CONFIGPROXY_")


def clean_env(**overrides: str) -> dict[str, str]:
    """os.environ without the scrubbed names, then `overrides` (PATH, HOME etc. are kept)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(SCRUBBED_PREFIXES)}
    env.update(overrides)
    return env
