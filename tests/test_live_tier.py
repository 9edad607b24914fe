"""Tier 5: the lesson notebooks in Stripe test mode, top to bottom.

Each notebook runs with the solutions in its exercise cells (tests/notebook_runner.py
--solutions), so every checker does its real work too. Two targets, the same checks: no cell
raises, and every checker says ✓.

* In CI, with no keys and no internet: an emulator server in `--stripe-only` mode, which
  answers every kit-only route (`/v1/test_helpers/kit/...`, `/health`) with Stripe's 404 for an
  unknown URL. The notebooks run with test-shaped keys and `KIT_STRIPE_API_BASE` pointing at
  it, so `helpers.backend` is in Stripe test mode and nothing can lean on the kit's own routes
  unnoticed: the server logs each refusal, and a notebook that caused one fails here.
* Against Stripe itself, when you ask for it with your test keys (never in CI):

    KIT_LIVE=1 STRIPE_SECRET_KEY=sk_test_… STRIPE_PUBLISHABLE_KEY=pk_test_… \\
        .venv/bin/python -m pytest tests/test_live_tier.py -k stripe_test_mode

  (or keep the keys in .env). Outputs differ from the stored emulator ones (ids, timing), so
  only errors are checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from stripe_only import StripeOnlyServer, fresh_keys, stripe_only_server
from support.env import clean_env

from helpers.backend import check_keys, mask, read_keys
from helpers.emulator.server import REFUSED_LOG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RUNNER = ROOT / "tests" / "notebook_runner.py"
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("0[0-5]_*.ipynb"))
CELL_TIMEOUT = 300  # seconds: a bank debit polled in test mode waits up to 60 s
NOTEBOOK_TIMEOUT = 900  # seconds for a whole notebook, kernel start included
# Notebooks that still call something only the emulator has, with the cell: xfail(strict),
# so the mark must go when the notebook is fixed. Empty when every lesson runs in test mode.
EMULATOR_ONLY: dict[str, str] = {}


def child_env(secret: str, publishable: str, api_base: str | None = None) -> dict[str, str]:
    """The environment of a notebook run in test mode: only the keys (and API base) decide."""
    env = clean_env(STRIPE_SECRET_KEY=secret, STRIPE_PUBLISHABLE_KEY=publishable)
    if api_base:
        env["KIT_STRIPE_API_BASE"] = api_base
    return env


def run_notebook(notebook: str, env: dict[str, str], secret: str) -> dict:
    """Run it with the solutions in a subprocess (cwd notebooks/); the JSON report, keys masked."""
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(NOTEBOOKS / notebook), "--timeout", str(CELL_TIMEOUT),
         "--solutions"],
        env=env, cwd=NOTEBOOKS, capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT)
    stdout, stderr = (text.replace(secret, mask(secret)) for text in (result.stdout,
                                                                       result.stderr))
    assert result.returncode == 0, f"the notebook runner failed:\n{stderr[-3000:]}"
    return json.loads(stdout.strip().splitlines()[-1])


def failed_checks(report: dict) -> list[str]:
    """What each checker said when it was not satisfied with the solution."""
    return [f"cell [{c['cell']}]: {c['text']}" for c in report["checks"]
            if not c["text"].lstrip().startswith("✓")]


def describe(notebook: str, report: dict) -> str:
    """The first failing cell in full (source, error, traceback tail), then the others."""
    errors = report["errors"]
    first = errors[0]
    others = ", ".join(f"[{e['cell']}] {e['ename']}" for e in errors[1:])
    return (f"{notebook}: {len(errors)} cell(s) raised. First, cell [{first['cell']}]:\n"
            f"{first['source']}\n--> {first['ename']}: {first['evalue']}\n"
            f"{first['traceback'][-1500:]}" + (f"\nalso: {others}" if others else ""))


# ---- CI: an emulator server that refuses what Stripe does not have -------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeOnlyServer]:
    """One `serve --stripe-only` for every notebook (one account, as a learner has)."""
    with stripe_only_server(tmp_path_factory.mktemp("stripe_only")) as running:
        yield running


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return fresh_keys("livetier")


def _lesson_params() -> list:
    return [pytest.param(nb, marks=pytest.mark.xfail(strict=True, reason=EMULATOR_ONLY[nb]))
            if nb in EMULATOR_ONLY else nb for nb in LESSONS]


@pytest.mark.slow
@pytest.mark.timeout(NOTEBOOK_TIMEOUT + 120)  # the notebook's own deadline fires first
@pytest.mark.parametrize("notebook", _lesson_params())
def test_notebook_runs_against_a_stripe_only_server(notebook: str, server: StripeOnlyServer,
                                                   keys: tuple[str, str]) -> None:
    secret, publishable = keys
    before = len(server.refused())
    report = run_notebook(notebook, child_env(secret, publishable, server.url), secret)
    print(f"{notebook}: {report['cells']} cells in {report['seconds']} s")
    assert not report["errors"], describe(notebook, report)
    assert not failed_checks(report), "\n".join(failed_checks(report))
    refused = server.refused()[before:]
    assert not refused, (f"{notebook} asked for routes Stripe does not have (it would fail in"
                         f" test mode): {refused}")


def test_the_stripe_only_server_refuses_a_kit_route_and_logs_it(
        server: StripeOnlyServer, keys: tuple[str, str]) -> None:
    """The check above can fail: a kit route is refused, Stripe-shaped, and shows in the log."""
    before = len(server.refused())
    request = urllib.request.Request(f"{server.url}/v1/test_helpers/kit/clock",
                                     headers={"Authorization": f"Bearer {keys[0]}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    body = json.loads(refused.value.read())
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/test_helpers/kit/clock).")
    assert server.refused()[before:] == [f"{REFUSED_LOG} GET /v1/test_helpers/kit/clock"]


# ---- on demand: Stripe itself ---------------------------------------------------------------

def live_keys() -> tuple[str, str] | None:
    if os.environ.get("KIT_LIVE") != "1":
        return None
    secret, publishable = read_keys()
    if not (secret and publishable):
        return None
    check_keys(secret, publishable)  # never a live key, even here
    return secret, publishable


@pytest.mark.skipif(live_keys() is None, reason="set KIT_LIVE=1 and Stripe test keys to run")
@pytest.mark.slow
@pytest.mark.timeout(NOTEBOOK_TIMEOUT + 120)
@pytest.mark.parametrize("notebook", LESSONS)
def test_notebook_runs_in_stripe_test_mode(notebook: str) -> None:
    secret, publishable = live_keys()  # type: ignore[misc]
    report = run_notebook(notebook, child_env(secret, publishable), secret)
    assert not report["errors"], describe(notebook, report)
    assert not failed_checks(report), "\n".join(failed_checks(report))
