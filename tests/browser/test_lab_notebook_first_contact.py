"""JupyterLab: a lesson opened before it runs shows its stored outputs, readable.

Widget state is never saved, so a stored widget view would show "Error displaying widget:
model not found". A control notebook (a widget view put back) shows that message here, so the
check can fail; notebooks 03 and 06 as committed show the widgets' own text instead: the
Payment Element's static picture, the panel's and the workshop app's text. The copies (in a
temporary folder, never saved back) are trusted first, as `python3 kit.py` trusts the lessons:
JupyterLab hands a stored output to the widget renderer only in a trusted notebook.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from waits import NAVIGATION_MS, goto, wait_for, wait_for_function

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MODEL_NOT_FOUND = "Error displaying widget"
# Every cell in the DOM (JupyterLab 4 otherwise renders only the cells near the viewport).
ALL_CELLS = ("@jupyterlab/notebook-extension/tracker.jupyterlab-settings",
             '{"windowingMode": "none"}')
PANEL = ".jp-NotebookPanel"
PICTURE = ".jp-OutputArea-output .kit-payment-element-static"
TRUST_SECONDS = 120  # `jupyter trust` on a busy 2-core machine


def control_notebook(path: Path) -> None:
    """Notebook 03 with a stored widget view (no state) put back on the Payment Element."""
    nb = json.loads((NOTEBOOKS / "03_client_side.ipynb").read_text(encoding="utf-8"))
    output = next(o for cell in nb["cells"] for o in cell.get("outputs", [])
                  if "kit-payment-element-static" in "".join(o.get("data", {})
                                                             .get("text/html", "")))
    output["data"][WIDGET_VIEW] = {"model_id": "0" * 32, "version_major": 2, "version_minor": 1}
    path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def lab(module_page: Any, jupyter_lab_on: Any,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("first-contact")
    for name in ("03_client_side.ipynb", "06_workshop_app.ipynb"):
        shutil.copy(NOTEBOOKS / name, root / name)
    control_notebook(root / "control.ipynb")
    settings = root / ".lab-user-settings" / ALL_CELLS[0]
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(ALL_CELLS[1])
    server = jupyter_lab_on(root)
    # with the server's own environment, so it reads the same signatures
    subprocess.run([str(Path(sys.executable).parent / "jupyter"), "trust",
                    *sorted(str(p) for p in root.glob("*.ipynb"))], env=server.env,
                   check=True, capture_output=True, timeout=TRUST_SECONDS)
    yield module_page, server
    assert module_page.kit.unexpected == [], "nothing may leave 127.0.0.1"


def open_notebook(page: Any, server: Any, name: str) -> Any:
    """Open `name` in JupyterLab, wait for its kernel (the widget manager needs it), return the
    visible notebook panel."""
    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nlog:\n{server.log_tail()}"

    # a workspace of its own, reset: this notebook is the only one open
    workspace = name.removesuffix(".ipynb").replace("_", "-")
    goto(page, f"{server.base}/lab/workspaces/{workspace}/tree/{name}?reset&token={server.token}",
         f"JupyterLab to load with {name}", detail=detail)
    wait_for_function(page, "window.jupyterapp && window.jupyterapp.shell.currentWidget"
                      " && window.jupyterapp.shell.currentWidget.sessionContext"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                      ".status === 'idle'", f"{name}'s kernel to be idle", NAVIGATION_MS, detail)
    return page.locator(PANEL)


def shown_or_failed(panel: Any, readable: Any, what: str) -> None:
    """Wait for `readable` or for JupyterLab's widget error, whichever comes first; then
    neither may be missing nor any widget error be shown."""
    failed = panel.get_by_text(MODEL_NOT_FOUND)
    wait_for(readable.or_(failed.first), f"{what} (or '{MODEL_NOT_FOUND}')")
    assert failed.count() == 0, (f"{failed.count()} output(s) show '{MODEL_NOT_FOUND}: model not"
                                 " found' before the notebook runs")
    assert readable.is_visible(), f"{what} not shown"


def test_control_a_stored_view_without_state_shows_model_not_found(lab: tuple[Any, Any]) -> None:
    page, server = lab
    panel = open_notebook(page, server, "control.ipynb")
    wait_for(panel.get_by_text(MODEL_NOT_FOUND).first,
             "the control's widget view to show JupyterLab's 'model not found'")


def test_notebook_03_shows_the_widgets_text_before_it_runs(lab: tuple[Any, Any]) -> None:
    page, server = lab
    stored = (NOTEBOOKS / "03_client_side.ipynb").read_text(encoding="utf-8")
    expected = stored.count('class=\\"kit-payment-element-static\\"')
    panel = open_notebook(page, server, "03_client_side.ipynb")
    pictures = panel.locator(PICTURE)
    shown_or_failed(panel, pictures.nth(expected - 1),
                    f"all {expected} stored Payment Element pictures")
    shown_or_failed(panel, panel.get_by_text("HTML(value='<i>Nothing yet").first,
                    "the live panel's stored text (cell 5)")
    assert pictures.count() == expected


def test_notebook_06_shows_the_apps_text_before_it_runs(lab: tuple[Any, Any]) -> None:
    page, server = lab
    panel = open_notebook(page, server, "06_workshop_app.ipynb")
    shown_or_failed(panel, panel.get_by_text("WorkshopApp(customer='Jenny Rosen'").first,
                    "the workshop app's stored text")
