"""Re-run every notebook and store its outputs: the only way stored outputs are made.

Runs on the offline emulator with an in-memory database and deterministic ids (the same
settings `python3 kit.py test` gives nbval), so a second run writes identical files and nbval
can compare outputs strictly. Widget state is not saved (it could hold secrets), nor are
per-cell execution timings; so neither are widget views, which would point at that missing
state (JupyterLab: "Error displaying widget: model not found"). A widget's stored output is its
own text/html or text/plain, which JupyterLab shows instead until the cell runs.

    python3 kit.py regenerate            # all notebooks
    python3 kit.py regenerate 03         # those whose name starts with 03
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EMULATOR_ENV = {"KIT_EMULATOR_DB": ":memory:", "KIT_DETERMINISTIC": "1",
                "KIT_BACKEND": "emulator"}


def merge_consecutive_streams(outputs: list) -> list:
    """One stream output per run of prints, as JupyterLab shows them.

    How the kernel batches a cell's prints into messages depends on timing (a slow Stripe call
    between two prints splits them), which would make stored outputs differ run to run.
    """
    merged: list = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (last is not None and output.get("output_type") == "stream"
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            last["text"] = "".join(last["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop what must not be committed, would make diffs noisy, or could not be displayed."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_consecutive_streams(cell.get("outputs", []))
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)
                # nbval never compares this MIME type: fresh outputs still match the rest
                output.get("data", {}).pop(WIDGET_VIEW, None)


def regenerate(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False)
    client.execute()
    clean(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    os.environ.update(EMULATOR_ENV)
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"):
        os.environ.pop(key, None)
    prefixes = argv or [""]
    paths = [p for p in sorted(NOTEBOOKS.glob("*.ipynb"))
             if any(p.name.startswith(prefix) for prefix in prefixes)]
    if not paths:
        print(f"No notebook in {NOTEBOOKS} starts with {prefixes}.", file=sys.stderr)
        return 2
    for path in paths:
        seconds = regenerate(path)
        print(f"regenerated {path.relative_to(ROOT)} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
