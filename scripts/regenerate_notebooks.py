"""Re-run every notebook and store its outputs: the only way stored outputs are made.

Runs on the offline emulator with an in-memory database and deterministic ids (the same
settings `python3 kit.py test` gives nbval), so a second run writes identical files and nbval
can compare outputs strictly. Widget state is not saved (it could hold secrets), nor are
per-cell execution timings.

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
EMULATOR_ENV = {"KIT_EMULATOR_DB": ":memory:", "KIT_DETERMINISTIC": "1",
                "KIT_BACKEND": "emulator"}


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop what must not be committed or would make diffs noisy."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)


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
