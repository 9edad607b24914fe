"""Waits with a deadline that say what they waited for when it runs out (never a bare sleep)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(predicate: Callable[[], T], timeout: float, what: str,
               interval: float = 0.05) -> T:
    """Call `predicate` until it returns something truthy (returned); after `timeout` seconds
    raise TimeoutError naming `what` and the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}; the last check gave {value!r}")
        time.sleep(interval)


def _state(proc: subprocess.Popen) -> str:
    code = proc.poll()
    return "still running" if code is None else f"exited with code {code}"


def read_line(proc: subprocess.Popen, timeout: float, what: str) -> str:
    """The next line of `proc.stdout` (a text pipe), within `timeout` seconds.

    Raises TimeoutError naming `what` if no line comes (the reader thread stays blocked until
    the caller ends the process), and EOFError if the process closed its output instead."""
    assert proc.stdout is not None, "start the process with stdout=subprocess.PIPE"
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        raise TimeoutError(f"no line of {what} within {timeout:g} s (the process is"
                           f" {_state(proc)})")
    if not got or not got[0]:
        raise EOFError(f"{what}: the process closed its output before the line came"
                       f" ({_state(proc)})")
    return got[0]
