"""Fault injection for webhook deliveries: the awkward things Stripe is allowed to do.

Stripe delivers *at least once* and *in no particular order*, and an endpoint can miss an
attempt. A receiver that is only ever tested against one tidy delivery per event has never met
those cases. A teacher (or a test) can turn them on, all off by default:

    emulator.faults.set(duplicates=True, shuffle=True, delay_seconds=2, fail_first_attempt=True)
    emulator.faults.get()          # -> Faults(duplicates=True, ...)
    emulator.faults.clear()

- `duplicates`: every event is delivered twice to each endpoint (two independent deliveries,
  each signed afresh, each retried on its own).
- `shuffle`: deliveries are released in a random order instead of the order the events happened.
  With shuffle on, new deliveries are held back for `delay_seconds` (default 1 s) so that a few
  of them pile up and can overtake one another.
- `delay_seconds`: the first attempt of a delivery waits this long (on the emulator clock).
- `fail_first_attempt`: the first attempt of every delivery is sent, but the emulator counts it
  as failed (as if the answer were lost on the way back: a timeout). Your endpoint has seen the
  event, yet Stripe will retry it: exactly the case where a receiver must deduplicate.

The settings live in the emulator's SQLite `meta` table, so every process on the same database
(the notebook kernel, `python -m helpers.emulator serve`, a CLI `trigger`) sees them. They can
be set for every account or for one account (an API key's account) only, which is what
`Listener.faults(...)` does so one workshop participant does not disturb the others.

Randomness comes from a seeded generator when the emulator is deterministic
(`KIT_DETERMINISTIC=1`), so a notebook's stored outputs stay the same from run to run.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Emulator

META_KEY = "webhook_faults"
SHUFFLE_HOLD_SECONDS = 1.0
MAX_DELAY_SECONDS = 30 * 24 * 3600  # as far as the clock route moves in one step (30 days)


def valid_delay(value: float) -> bool:
    """A finite number of seconds in 0..MAX_DELAY_SECONDS (NaN and infinity fail both
    comparisons: a NaN stored once would make every later delivery time NaN)."""
    return 0 <= value <= MAX_DELAY_SECONDS


@dataclass(frozen=True)
class Faults:
    duplicates: bool = False
    shuffle: bool = False
    delay_seconds: float = 0.0
    fail_first_attempt: bool = False

    @property
    def any(self) -> bool:
        return self != Faults()

    @property
    def hold_seconds(self) -> float:
        """How long a new delivery waits before its first attempt."""
        if self.delay_seconds:
            return float(self.delay_seconds)
        return SHUFFLE_HOLD_SECONDS if self.shuffle else 0.0

    def __repr__(self) -> str:
        on = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
              if getattr(self, f.name) != f.default]
        return f"Faults({', '.join(on) or 'off'})"


def _key(account: str | None) -> str:
    return META_KEY if account is None else f"{META_KEY}:{account}"


class FaultSettings:
    """`emulator.faults`: read and change the fault settings stored in the database."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        seed = 1 if emulator.ids.seed is not None else None
        self.rng = random.Random(seed)

    def set(self, *, account: str | None = None, duplicates: bool = False, shuffle: bool = False,
            delay_seconds: float = 0.0, fail_first_attempt: bool = False) -> Faults:
        """Replace the settings (for one account, or for all when `account` is None)."""
        if not valid_delay(float(delay_seconds)):
            raise ValueError(f"delay_seconds must be a number from 0 to {MAX_DELAY_SECONDS}")
        faults = Faults(bool(duplicates), bool(shuffle), float(delay_seconds),
                        bool(fail_first_attempt))
        self.emulator.store.set_meta(_key(account), json.dumps(asdict(faults)))
        return faults

    def clear(self, account: str | None = None) -> Faults:
        """Turn every fault off (for one account, or the all-accounts default)."""
        self.emulator.store.execute("DELETE FROM meta WHERE key=?", (_key(account),))
        return Faults()

    def get(self, account: str | None = None) -> Faults:
        """The settings in force for an account: its own if set, else the all-accounts ones."""
        raw = None
        if account is not None:
            raw = self.emulator.store.meta(_key(account))
        if raw is None:
            raw = self.emulator.store.meta(META_KEY)
        if not raw:
            return Faults()
        data: dict[str, Any] = json.loads(raw)
        known = {f.name for f in fields(Faults)}
        faults = Faults(**{k: v for k, v in data.items() if k in known})
        if not valid_delay(float(faults.delay_seconds or 0)):  # kept by an older version
            faults = replace(faults, delay_seconds=0.0)
        return faults
