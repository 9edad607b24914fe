"""What every kernel the workshop server starts does first (its IPython startup file runs
`install()`; see `server.kernel_profile`).

- `boundary.install()`: no traceback or server path reaches a browser.
- in a lesson (00-05) opened through the workshop's links, which carry the browser's
  participant id (`?participant=...`): record that this participant is in this lesson and,
  after each exercise check, whether it passed, in the workshop ledger under the same
  sandbox account as the app's. Only the account, the notebook and exercise ids are kept.
  The lesson's emulator is then a file of this kernel's own under
  `<workshop dir>/lessons/<account>/` (fresh, as in memory, but readable by the server), so
  the facilitator's counts include the lesson's payments, read from the emulator itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs

from ..sqlite_files import remove_database
from . import boundary

LESSON = re.compile(r"0[0-5]_[\w\-]+\.ipynb")


def lesson_and_participant(env: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """(lesson notebook, browser id) from the render request Voilà passes a kernel."""
    env = dict(os.environ) if env is None else env
    notebook = PurePosixPath(env.get("SCRIPT_NAME") or "").name
    if not LESSON.fullmatch(notebook):
        return None, None
    ids = parse_qs(env.get("QUERY_STRING") or "").get("participant") or [""]
    browser_id = ids[0]
    if not browser_id or len(browser_id) > 200:
        return notebook, None
    return notebook, browser_id


def lesson_database(workshop_dir: Path, account: str, notebook: str, pid: int) -> Path:
    """This kernel's emulator file for `notebook`, emptied: one per kernel, so two tabs of
    the same lesson never share (or delete) each other's objects."""
    folder = workshop_dir / "lessons" / account
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PurePosixPath(notebook).stem}-{pid}.sqlite3"
    remove_database(path)  # a process id used before, by a stopped kernel
    return path


def track_lesson(notebook: str, browser_id: str) -> str:
    """Record the visit and every check from now on, and keep the lesson's emulator where
    the facilitator's counts read it; returns the sandbox account."""
    from ..emulator.core import account_for_key
    from ..exercises import core as exercises
    from . import sandbox

    account = account_for_key(sandbox.keys_for(browser_id)[0])[0]
    if not sandbox.in_memory():  # (the lesson has not made its emulator yet: this runs first)
        os.environ["KIT_EMULATOR_DB"] = str(
            lesson_database(sandbox.workshop_dir(), account, notebook, os.getpid()))
    ledger = sandbox.ledger()
    ledger.arrive(account, account[-6:])
    ledger.visit(account, notebook)
    exercises.ON_CHECK.append(
        lambda exercise_id, ok: ledger.checked(account, notebook, exercise_id, ok))
    return account


def install() -> None:
    boundary.install()
    notebook, browser_id = lesson_and_participant()
    if notebook and browser_id:
        try:
            track_lesson(notebook, browser_id)
        except Exception as error:  # progress is a nicety: the lesson runs without it
            boundary.log_to_server(f"progress not recorded: {boundary.short_error(error)}")
