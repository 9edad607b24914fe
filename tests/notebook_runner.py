"""Run one notebook top to bottom in a fresh kernel and report every cell that raised, as JSON.

    python tests/notebook_runner.py notebooks/04_webhooks.ipynb [--timeout 300] [--output F]

The live tier runs this in a subprocess whose environment selects the backend (test keys,
`KIT_STRIPE_API_BASE`), so the kernel inherits exactly that environment. Every cell runs even
after an error, so one report lists all failing cells; the first is usually the cause.
Prints one JSON object: {"cells": N, "errors": [{"cell", "source", "ename", "evalue",
"traceback"}], "seconds": S}.
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


def run(path: Path, timeout: int, output: Path | None = None) -> dict[str, Any]:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if output is not None:  # the executed notebook, to read what each cell printed
        nbformat.write(notebook, output)
    return {"cells": len(notebook.cells), "errors": errors_of(notebook),
            "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--output", type=Path, default=None, help="write the executed notebook")
    args = parser.parse_args()
    print(json.dumps(run(args.notebook.resolve(), args.timeout, args.output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
