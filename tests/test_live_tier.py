"""Tier 5: the notebooks against Stripe test mode. Skipped unless you ask for it with keys.

    KIT_LIVE=1 STRIPE_SECRET_KEY=sk_test_… STRIPE_PUBLISHABLE_KEY=pk_test_… \\
        .venv/bin/python -m pytest tests/test_live_tier.py

(or keep the keys in .env). It runs every lesson notebook top to bottom in test mode and only
checks that no cell fails: outputs differ from the stored emulator ones (ids, timing). Never
needed by CI, which has no Stripe account and no internet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.backend import check_keys, read_keys

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("0[0-5]_*.ipynb"))


def live_keys() -> tuple[str, str] | None:
    if os.environ.get("KIT_LIVE") != "1":
        return None
    secret, publishable = read_keys()
    if not (secret and publishable):
        return None
    check_keys(secret, publishable)  # never a live key, even here
    return secret, publishable


@pytest.mark.skipif(live_keys() is None, reason="set KIT_LIVE=1 and Stripe test keys to run")
@pytest.mark.parametrize("notebook", LESSONS)
def test_notebook_runs_in_stripe_test_mode(notebook: str, tmp_path: Path) -> None:
    secret, publishable = live_keys()  # type: ignore[misc]
    env = {k: v for k, v in os.environ.items()
           if k not in ("KIT_BACKEND", "KIT_DETERMINISTIC", "KIT_EMULATOR_DB")}
    env.update(STRIPE_SECRET_KEY=secret, STRIPE_PUBLISHABLE_KEY=publishable)
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=300", "--output-dir", str(tmp_path),
         str(ROOT / "notebooks" / notebook)], env=env, capture_output=True, text=True,
        cwd=ROOT / "notebooks")
    assert result.returncode == 0, result.stderr[-3000:].replace(secret, "sk_test_…")
