"""A learner's first contact with the notebooks: what a notebook shows before it runs, and
where Run All stops when the backend cannot work.

* Stored outputs: widget state is never saved (it can hold synced values), so a stored widget
  view would point at a model that does not exist and JupyterLab would show "Error displaying
  widget: model not found". The regenerate script keeps the widget's text instead.
* Run All with made-up test keys: the setup cell stops the notebook with the advice alone (no
  traceback, no file paths), and no later cell runs. The "Stripe" here is a closed port on
  127.0.0.1 (KIT_STRIPE_API_BASE), so nothing can reach the internet.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import stripe
from local_servers import free_port
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from stripe_only import BACKEND_ENV

import helpers
from helpers import preflight

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# a source file as a traceback names it (kit.py, a command the advice gives, is not one)
SOURCE_PATH = re.compile(r"/[\w.-]+/[\w./-]+\.py\b|site-packages|line \d+")
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
CELL_TIMEOUT = 120  # seconds per cell: the setup cell's check meets a closed port at once
MAX_ADVICE_LINES = 12  # "a few lines": the wrapped paragraph and the stop note


def stored_views_without_state(path: Path) -> list[str]:
    """Cells whose stored output shows a widget view the notebook holds no state for."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    saved = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    found = []
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None and view.get("model_id") not in saved:
                found.append(f"cell {index}: {''.join(cell['source']).splitlines()[-1]!r}")
    return found


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_no_stored_output_shows_a_widget_without_its_state(notebook: str) -> None:
    missing = stored_views_without_state(NOTEBOOKS / notebook)
    assert not missing, (f"{notebook}: JupyterLab would show 'Error displaying widget: model not"
                         f" found' before the cell runs, in {missing}; run"
                         " `python3 kit.py regenerate`")


def load_regenerate_script():
    spec = importlib.util.spec_from_file_location(
        "regenerate_notebooks", ROOT / "scripts" / "regenerate_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerate_keeps_a_widgets_text_and_drops_its_view() -> None:
    """What the script stores for a widget: its text/html and text/plain, never the view."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {}}}
    bundle = {WIDGET_VIEW: {"model_id": "0123abcd", "version_major": 2, "version_minor": 0},
              "text/plain": "PaymentElement(layout='accordion', mode='emulator', status=None)",
              "text/html": "<div class='kit-payment-element-static'>…</div>"}
    cell = nbformat.v4.new_code_cell("checkout", outputs=[
        nbformat.v4.new_output("execute_result", data=dict(bundle), execution_count=1),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: bundle[WIDGET_VIEW],
                                                     "text/plain": "HTML(value='…')"})])
    nb.cells.append(cell)
    load_regenerate_script().clean(nb)
    shown = [dict(output["data"]) for output in cell.outputs]
    assert "widgets" not in nb.metadata
    assert shown == [{"text/plain": bundle["text/plain"], "text/html": bundle["text/html"]},
                     {"text/plain": "HTML(value='…')"}]


def test_regenerate_stores_one_cells_prints_the_same_however_the_kernel_batched_them() -> None:
    """A slow call between two prints splits them into two stream messages, or not: stored,
    they are one output either way (as JupyterLab shows them), so a second run writes the same
    file. Streams apart (a display between, or stdout then stderr) stay apart."""
    out = nbformat.v4.new_output
    split = [out("stream", name="stdout", text="Backend: offline emulator\n"),
             out("stream", name="stdout", text="PaymentIntent: pi_1\n"),
             out("display_data", data={"text/plain": "table"}),
             out("stream", name="stdout", text="after\n"),
             out("stream", name="stderr", text="warning\n")]
    whole = [out("stream", name="stdout", text="Backend: offline emulator\nPaymentIntent: pi_1\n"),
             *copy.deepcopy(split[2:])]
    stored = []
    for outputs in (split, whole):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=outputs)])
        load_regenerate_script().clean(nb)
        stored.append(json.dumps(nb.cells[0].outputs, sort_keys=True))
    assert stored[0] == stored[1]
    kept = json.loads(stored[0])
    assert [o.get("name", o["output_type"]) for o in kept] == ["stdout", "display_data", "stdout",
                                                            "stderr"]


# ---- Run All with keys that cannot work ------------------------------------------------------

@pytest.fixture
def made_up_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Test mode with made-up keys, and a 'Stripe' that is a closed port on this machine."""
    token = secrets.token_hex(8)
    # Built at run time: a made-up key, not a secret (the secrets scan reads source text).
    setting = {"STRIPE_SECRET_KEY": "sk_" + "test_madeup" + token,
               "STRIPE_PUBLISHABLE_KEY": "pk_test_madeup" + token,
               "KIT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
               "KIT_PREFLIGHT": "0",  # kit.py's own check skipped: the notebook must cope
               "NO_PROXY": "127.0.0.1,localhost"}
    for name in (*BACKEND_ENV, *PROXY_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    saved = (stripe.api_key, stripe.api_base, stripe.default_http_client)
    yield setting
    stripe.api_key, stripe.api_base, stripe.default_http_client = saved


def assert_only_the_advice(lines: list[str], keys: dict[str, str], *must_say: str) -> None:
    shown = ANSI.sub("", "\n".join(lines))
    assert shown.strip(), "nothing shown"
    assert "Traceback" not in shown and "File \"" not in shown, shown
    assert not SOURCE_PATH.search(shown), f"a file path is shown:\n{shown}"
    assert len(shown.splitlines()) <= MAX_ADVICE_LINES, f"not a few lines:\n{shown}"
    for key in (keys["STRIPE_SECRET_KEY"], keys["STRIPE_PUBLISHABLE_KEY"]):
        assert key not in shown, "a key is shown in full"
    flat = " ".join(shown.split())
    for words in must_say:
        assert words in flat, f"{words!r} not in:\n{shown}"


def test_start_with_made_up_keys_stops_with_the_advice(made_up_keys: dict[str, str]) -> None:
    with pytest.raises(preflight.SetupStopped) as stopped:
        helpers.start()
    assert_only_the_advice(stopped.value._render_traceback_(), made_up_keys,
                           f"could not reach Stripe at {made_up_keys['KIT_STRIPE_API_BASE']}",
                           "the connection was refused", preflight.BACK_TO_EMULATOR)


def test_start_with_a_live_key_stops_before_any_request(made_up_keys: dict[str, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_" + "live_" + secrets.token_hex(12))
    monkeypatch.setattr(preflight, "check_stripe",
                        lambda *a, **k: pytest.fail("a request was made with a live key"))
    with pytest.raises(preflight.SetupStopped) as stopped:
        helpers.start()
    lines = stopped.value._render_traceback_()
    assert_only_the_advice(lines, made_up_keys, "holds a live-mode key", "nothing was sent")
    assert "sk_live_" not in "".join(lines).replace("sk_live_…", "")  # masked only


def run_all(notebook: str) -> nbformat.NotebookNode:
    """Run All as JupyterLab does (stop at the first error), from blank outputs."""
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    with pytest.raises(CellExecutionError):
        client.execute()
    return nb


@pytest.mark.parametrize("notebook", ["00_welcome.ipynb", "03_client_side.ipynb"])
def test_run_all_stops_at_the_setup_cell_with_the_advice_only(
        notebook: str, made_up_keys: dict[str, str]) -> None:
    nb = run_all(notebook)
    code = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    setup = next(index for index, cell in code if "helpers.start(" in cell.source)
    errors = [(index, output) for index, cell in code for output in cell.outputs
              if output.output_type == "error"]
    assert [index for index, _ in errors] == [setup], (
        f"the first error is not the setup cell [{setup}]: "
        + "; ".join(f"[{i}] {o.ename}: {o.evalue[:200]}" for i, o in errors))
    ran = [index for index, cell in code if cell.execution_count is not None]
    assert ran[-1] == setup, f"cells after the setup cell ran: {[i for i in ran if i > setup]}"
    assert_only_the_advice(errors[0][1].traceback, made_up_keys,
                           f"could not reach Stripe at {made_up_keys['KIT_STRIPE_API_BASE']}",
                           "the connection was refused", "KIT_BACKEND=emulator",
                           "The notebook stopped at this cell")
