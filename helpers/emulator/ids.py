"""Stripe-shaped identifiers and secrets.

Real Stripe ids are random. In deterministic mode (`KIT_DETERMINISTIC=1`, used when notebook
outputs are regenerated and checked) they are derived from a per-account counter, so the same
notebook run on a fresh emulator prints the same ids every time.
"""

from __future__ import annotations

import hashlib
import os
import string
import threading

ALPHABET = string.ascii_letters + string.digits

# Length of the random part after the prefix, as seen on real objects (reference §8).
LENGTHS = {"cus": 14, "cuss_secret": 47, "secret": 25, "whsec": 32, "req": 14}
DEFAULT_LENGTH = 24


# byte -> ALPHABET[byte % 62], as one translate table (every request makes several ids).
# byte % 62 is very slightly uneven; ids only need to look like Stripe's and not collide.
_TO_ALPHABET = bytes(ord(ALPHABET[byte % len(ALPHABET)]) for byte in range(256))


def _encode(digest: bytes, length: int) -> str:
    return digest[:length].translate(_TO_ALPHABET).decode("ascii")


class _RandomBytes:
    """os.urandom in 4 kB draws, handed out in slices: one system call per ~100 ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._used = b"", 0
        # After a fork the child draws its own: two processes must not share ids.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._used = b"", 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._used + count > len(self._buffer):
                self._buffer, self._used = os.urandom(4096), 0
            start, self._used = self._used, self._used + count
            return self._buffer[start:self._used]


_random = _RandomBytes()


class IdFactory:
    """Makes ids like `pi_3Q...`; deterministic when given a seed."""

    def __init__(self, seed: str | None = None) -> None:
        self.seed = seed

    def token(self, kind: str, counter: int, scope: str = "") -> str:
        length = LENGTHS.get(kind, DEFAULT_LENGTH)
        if self.seed is None:
            return _encode(_random.take(length), length)
        digest = hashlib.sha512(f"{self.seed}:{scope}:{kind}:{counter}".encode()).digest()
        return _encode(digest, length)

    def make(self, prefix: str, counter: int, scope: str = "") -> str:
        return f"{prefix}_{self.token(prefix, counter, scope)}"
