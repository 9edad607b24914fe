"""Run one notebook top to bottom in a fresh kernel and report every cell that raised, as JSON.

    python tests/notebook_runner.py notebooks/04_webhooks.ipynb [--timeout 300] [--output F]
                                    [--solutions]

The live tier runs this in a subprocess whose environment selects the backend (test keys,
`KIT_STRIPE_API_BASE`), so the kernel inherits exactly that environment. Every cell runs even
after an error, so one report lists all failing cells; the first is usually the cause.
With `--solutions` each exercise cell (metadata `"exercise": "<id>"`) runs the solution
`solutions/<id>.py` instead, so the checker after it does its real work (API calls included).
Prints one JSON object: {"cells": N, "errors": [{"cell", "source", "ename", "evalue",
"traceback"}], "checks": [{"cell", "text"}], "seconds": S}; `checks` holds what each cell
tagged `check` printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def errors_of(notebook: Any) -> list[dict[str, Any]]:
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                found.append({"cell": index, "source": cell.source, "ename": output["ename"],
                              "evalue": output["evalue"],
                              "traceback": ANSI.sub("", "\n".join(output["traceback"]))[-3000:]})
    return found


def checks_of(notebook: Any) -> list[dict[str, Any]]:
    found = []
    for index, cell in enumerate(notebook.cells):
        if "check" in cell.get("metadata", {}).get("tags", []):
            text = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                           for o in cell.get("outputs", []))
            found.append({"cell": index, "text": ANSI.sub("", text)[:1000]})
    return found


def use_solutions(notebook: Any, folder: Path) -> None:
    for cell in notebook.cells:
        exercise = cell.get("metadata", {}).get("exercise")
        if exercise:
            cell.source = (folder / f"{exercise}.py").read_text()


def run(path: Path, timeout: int, output: Path | None = None,
        solutions: bool = False) -> dict[str, Any]:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    if solutions:
        use_solutions(notebook, path.parent / "solutions")
    started = time.monotonic()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if output is not None:  # the executed notebook, to read what each cell printed
        nbformat.write(notebook, output)
    return {"cells": len(notebook.cells), "errors": errors_of(notebook),
            "checks": checks_of(notebook), "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--output", type=Path, default=None, help="write the executed notebook")
    parser.add_argument("--solutions", action="store_true",
                        help="run each exercise cell's solution instead of its blank")
    args = parser.parse_args()
    print(json.dumps(run(args.notebook.resolve(), args.timeout, args.output, args.solutions)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
