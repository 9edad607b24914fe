"""A learner's clone of the kit, shared by the tests that need one (not a test module).

A copy of this checkout's files (what git tracks plus new files it does not ignore: the working
tree under test, not the last commit) with the learner's folder made by kit.py's own code, in
which each lesson runs with its reference solutions pasted in (tests/notebook_runner.py, the
solutions read from the folder's own solutions/, as `%load solutions/<id>.py` reads them) and
is saved through Jupyter's contents manager, as JupyterLab saves it (signed, with a
checkpoint). Made once per test process and each lesson run once, on first use: the exercise
convention test and the learner-workspace tests read the same run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import notebook_runner
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
try:
    import kit
finally:
    sys.path.remove(str(ROOT))

GIT_TIMEOUT = 120  # seconds for one git command on a busy machine
CELL_TIMEOUT = 300  # seconds per notebook cell: generous, the machine may be busy


def checkout_files() -> list[str]:
    """Tracked files plus untracked ones git does not ignore, as `git add` would see them."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the learner's clone is made from git's file list")
    names: set[str] = set()
    for extra in ([], ["--others", "--exclude-standard"]):
        out = subprocess.run(["git", "ls-files", "-z", *extra], cwd=ROOT, capture_output=True,
                             check=True, timeout=GIT_TIMEOUT).stdout
        names.update(name for name in out.decode("utf-8").split("\0") if name)
    return sorted(names)


def copy_checkout(target: Path) -> Path:
    """The checkout's files copied to `target`, made a git repository (so .gitignore applies
    as in a clone) with nothing committed. Returns `target`."""
    for name in checkout_files():
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree, not yet committed
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name, follow_symlinks=False)
    subprocess.run(["git", "init", "-q", str(target)], check=True, capture_output=True,
                   timeout=GIT_TIMEOUT)
    return target


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def jupyterlab_contents(folder: Path) -> Any:
    """The Jupyter server's contents manager on `folder`, as JupyterLab's saves reach it; its
    notary keeps its signatures in memory (not in the user's Jupyter data folder)."""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from nbformat.sign import NotebookNotary

    contents = FileContentsManager(root_dir=str(folder))
    contents.notary = NotebookNotary(db_file=":memory:", secret=b"learner-clone-test")
    return contents


class LearnerClone:
    """The copy, its learner's folder, and the lessons run there (each once, on demand)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.shipped_before = digests(root / kit.SHIPPED)
        self.sync = kit.sync_workspace(root)  # what `python3 kit.py` (lab) does at launch
        self.workspace = root / kit.WORKSPACE
        self._runs: dict[str, dict[str, Any]] = {}

    def run_lesson(self, name: str) -> dict[str, Any]:
        """Run the learner's copy of lesson `name` (e.g. "03_client_side.ipynb") with every
        solution pasted in and save it as JupyterLab would; notebook_runner's report."""
        if name not in self._runs:
            executed = self.root.parent / f"{self.root.name}-executed" / name
            executed.parent.mkdir(exist_ok=True)
            report = notebook_runner.run(self.workspace / name, CELL_TIMEOUT, output=executed,
                                         solutions=True)
            contents = jupyterlab_contents(self.workspace)
            notebook = json.loads(executed.read_text(encoding="utf-8"))
            contents.save({"type": "notebook", "format": "json", "content": notebook}, name)
            contents.create_checkpoint(name)  # JupyterLab's "Save and Create Checkpoint"
            self._runs[name] = report
        return self._runs[name]

    def saved(self, name: str) -> nbformat.NotebookNode:
        """The learner's copy of lesson `name` as saved after its run."""
        self.run_lesson(name)
        return nbformat.read(self.workspace / name, as_version=4)


_clone: LearnerClone | None = None


def learner_clone(tmp_path_factory: pytest.TempPathFactory) -> LearnerClone:
    """The process's learner clone, made on first use under pytest's temporary folder."""
    global _clone
    if _clone is None:
        _clone = LearnerClone(copy_checkout(tmp_path_factory.mktemp("learner-clone")))
    return _clone
