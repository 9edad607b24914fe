"""Who may watch the API calls this process's emulators answer (the exercise checkers do).

The one place every request reaches, whatever sent it (`stripe.X`, a `StripeClient` built at
any time on `EmulatorHTTPClient`, raw HTTP to `serve` or the shop's in-process server), is
`Emulator.request`. It tells each watcher about each answered call: which account and key
kind (never the key), the form parameters as flat `a[b][c]` keys, the status and the body.
With no watcher, the cost is one empty-list check per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AnsweredCall:
    method: str
    path: str
    account: str        # "" when the key named no account
    key_kind: str       # "secret", "publishable" or "none"
    params: Mapping[str, str]
    status: int
    body: Mapping[str, Any]


Watcher = Callable[[AnsweredCall], None]
_watchers: list[Watcher] = []
_lock = threading.Lock()


def watching() -> bool:
    return bool(_watchers)


@contextmanager
def watch_calls(watcher: Watcher) -> Iterator[None]:
    """Call `watcher` with every call any emulator of this process answers, inside the block."""
    with _lock:
        _watchers.append(watcher)
    try:
        yield
    finally:
        with _lock:
            _watchers.remove(watcher)


def notify(call: AnsweredCall) -> None:
    for watcher in list(_watchers):
        try:
            watcher(call)
        except Exception:  # a watcher must never change what the emulator answers
            pass


def flat_params(params: Any, prefix: str = "") -> dict[str, str]:
    """Nested decoded params back to the form keys they came as: `components[x][y]`."""
    flat: dict[str, str] = {}
    items = enumerate(params) if isinstance(params, list) else params.items()
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, (dict, list)):
            flat.update(flat_params(value, name))
        else:
            flat[name] = "" if value is None else str(value)
    return flat
