"""Repository-wide pytest settings: a session that ignores the developer's shell, how nbval
checks the notebooks, and the check that the tests leave no files in the checkout."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

import pytest

# tests/ on the path now (pytest adds it only when it collects there): the `support` package.
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

pytest_plugins = ("support.checkout",)  # fails the run if tests left files in the checkout

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


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`browser` for everything under tests/browser/, `notebook` for nbval's cells, so that
    `-m "not browser and not notebook"` selects by what a test needs, not by where it is."""
    browser_tests = Path(__file__).resolve().parent / "tests" / "browser"
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
        elif browser_tests in item.path.parents:
            item.add_marker(pytest.mark.browser)
    keep_notebook_cells_in_order(items)


def keep_notebook_cells_in_order(items: list[pytest.Item]) -> None:
    """A notebook's cells run top to bottom, whatever reordered the items (`-p randomly`
    shuffles them with the rest): each cell depends on the ones above it. The cells go back, in
    notebook order, to the places that cells held, so the tests around them keep their order."""
    places = [i for i, item in enumerate(items) if item.path.suffix == ".ipynb"]
    cells = sorted((items[i] for i in places),
                   key=lambda item: (str(item.path), getattr(item, "cell_num", 0)))
    for place, cell in zip(places, cells, strict=True):
        items[place] = cell


def pytest_collectstart(collector: pytest.Collector) -> None:
    # Kernel log lines on stderr are not part of the lesson; stdout and results are compared.
    if str(collector.path).endswith(".ipynb") and hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)
