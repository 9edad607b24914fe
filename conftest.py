"""Repository-wide pytest settings: a session that ignores the developer's shell and how nbval
checks the notebooks."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

import pytest

# Switches that ask the tests for something (the live tier, the hub's proxy, screenshots, a
# checkout notebook): kept. Every other KIT_ name is a kit setting from the developer's shell.
TEST_SWITCHES = ("KIT_LIVE", "KIT_REQUIRE_HUB", "KIT_CHP", "KIT_UPDATE_SCREENSHOTS", "KIT_TEST_")


def scrub_session_environment(environ: MutableMapping[str, str]) -> None:
    """The offline emulator, in memory, with stable ids, whatever the shell exported: no
    STRIPE_ keys (unless KIT_LIVE=1 asks for the live tier) and no KIT_ settings. Notebooks'
    kernels inherit it (kit.py test sets the same)."""
    keep_keys = environ.get("KIT_LIVE") == "1"
    for name in list(environ):
        if ((name.startswith("STRIPE_") and not keep_keys)
                or (name.startswith("KIT_") and not name.startswith(TEST_SWITCHES))):
            del environ[name]
    environ.update(KIT_EMULATOR_DB=":memory:", KIT_DETERMINISTIC="1", KIT_BACKEND="emulator")


scrub_session_environment(os.environ)


def pytest_collectstart(collector: pytest.Collector) -> None:
    # Kernel log lines on stderr are not part of the lesson; stdout and results are compared.
    if str(collector.path).endswith(".ipynb") and hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)
