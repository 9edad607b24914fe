"""Tests write only under tmp_path: a pytest plugin that fails the run if the checkout has new
files at the end (untracked and not ignored, or anywhere under the git-ignored `.kit/`).

Loaded by the repository's conftest.py (`pytest_plugins`); the checkout is pytest's rootdir.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

KIT_STATE = ".kit"
# Left alone: the proxy .ci/run installs before the tests.
KIT_STATE_KEPT = (".kit/npm/",)
# A kernel that runs notebook 04 keeps its order book at .kit/books/<name>-<its pid>.sqlite3
# (helpers.fulfilment.OrderBook.fresh(); nothing points it elsewhere). Such files are allowed
# when another process made them; the test process itself must write nothing there.
KERNEL_BOOK = re.compile(r"\.kit/books/[a-z_]+-(\d+)\.sqlite3(-wal|-shm|-journal)?")


def untracked(root: Path) -> set[str]:
    """Untracked, not ignored files (paths relative to the checkout); empty if not git."""
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "-z"],
                          cwd=root, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return set()
    return {entry[3:] for entry in done.stdout.split("\0") if entry.startswith("?? ")}


def kit_state(root: Path) -> set[str]:
    """Every file under .kit/ except the kept folders."""
    folder = root / KIT_STATE
    if not folder.is_dir():
        return set()
    found = set()
    for path in folder.rglob("*"):
        name = path.relative_to(root).as_posix()
        if not name.startswith(KIT_STATE_KEPT) and not path.is_dir():
            found.add(name)
    return found


class CheckoutGuard:
    """What the checkout held when the run started, and what is new since."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.before = untracked(root) | kit_state(root)

    def new_files(self, test_pid: int | None = None) -> list[str]:
        test_pid = os.getpid() if test_pid is None else test_pid
        now = untracked(self.root) | kit_state(self.root)
        return sorted(name for name in now - self.before if not _kernel_book(name, test_pid))


def _kernel_book(name: str, test_pid: int) -> bool:
    match = KERNEL_BOOK.fullmatch(name)
    return bool(match) and int(match.group(1)) != test_pid


_guard_key = pytest.StashKey[CheckoutGuard]()


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller checks
    session.config.stash[_guard_key] = CheckoutGuard(session.config.rootpath)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    guard = session.config.stash.get(_guard_key, None)
    if guard is None:
        return
    new = guard.new_files()
    if not new:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"The tests left {len(new)} new file(s) in the checkout ({guard.root}); tests"
             " write only under tmp_path:", *(f"  {name}" for name in new[:50])]
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "files left in the checkout", red=True)
        reporter.write_line("\n".join(lines))
    else:
        print("\n".join(lines))
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
