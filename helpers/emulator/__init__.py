"""The offline Stripe emulator: Stripe test mode's API for this kit's slice, on SQLite.

`get_emulator()` gives the process's emulator; stripe-python reaches it through
`EmulatorHTTPClient` (in-process) or `python -m helpers.emulator serve` (HTTP).
"""

from __future__ import annotations

import threading

from .core import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator, Response
from .errors import StripeError
from .http_client import EmulatorHTTPClient

__all__ = [
    "DEFAULT_PUBLISHABLE_KEY",
    "DEFAULT_SECRET_KEY",
    "Emulator",
    "EmulatorHTTPClient",
    "Response",
    "StripeError",
    "current_emulator",
    "get_emulator",
    "reset_emulator",
]

_lock = threading.Lock()
_emulator: Emulator | None = None


def get_emulator() -> Emulator:
    """The emulator of this process (created on first use from KIT_EMULATOR_DB)."""
    global _emulator
    with _lock:
        if _emulator is None:
            _emulator = Emulator()
        return _emulator


def current_emulator() -> Emulator | None:
    """The process's emulator if it has one; never creates one (nor its database file)."""
    with _lock:
        return _emulator


def reset_emulator(emulator: Emulator | None = None) -> None:
    """Replace the process's emulator (tests use a fresh one each)."""
    global _emulator
    with _lock:
        _emulator = emulator
