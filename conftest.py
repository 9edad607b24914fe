"""Repository-wide pytest settings: how nbval checks the notebooks."""

from __future__ import annotations

import os

import pytest

# Notebooks are checked on the offline emulator, fresh and deterministic in every kernel,
# whatever the developer's .env says (kit.py test sets the same).
os.environ.setdefault("KIT_EMULATOR_DB", ":memory:")
os.environ.setdefault("KIT_DETERMINISTIC", "1")
os.environ["KIT_BACKEND"] = "emulator"


def pytest_collectstart(collector: pytest.Collector) -> None:
    # Kernel log lines on stderr are not part of the lesson; stdout and results are compared.
    if str(collector.path).endswith(".ipynb") and hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)
