"""One rule for a child process's environment: nothing from the developer's shell that could
pick a backend, a database or a Jupyter directory; only what the test sets."""

from __future__ import annotations

import os
from collections.abc import Iterable

# Keys, kit settings, Jupyter/IPython directories and the hub proxy's settings.
SCRUBBED_PREFIXES = ("STRIPE_", "KIT_", "JUPYTER", "IPYTHON", "CONFIGPROXY_")
# Narrower rules some tests need (they pass their own Jupyter or IPython directories on, or
# check what the developer's shell would do):
KEYS_AND_KIT = ("STRIPE_", "KIT_")  # no key or kit setting; Jupyter's directories kept


def clean_env(*, prefixes: Iterable[str] = SCRUBBED_PREFIXES, names: Iterable[str] = (),
              **overrides: str) -> dict[str, str]:
    """os.environ without the names starting with `prefixes` and without `names`, then
    `overrides` (PATH, HOME etc. are kept).

    The default scrubs everything in SCRUBBED_PREFIXES; a test that must keep part of the
    shell's environment narrows it (`prefixes=KEYS_AND_KIT`, or `prefixes=(), names=[...]`).
    """
    prefixes, names = tuple(prefixes), frozenset(names)
    env = {name: value for name, value in os.environ.items()
           if name not in names and not name.startswith(prefixes)}
    env.update(overrides)
    return env
