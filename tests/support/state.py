"""Every piece of process-wide state the kit touches, saved before a test and put back after.

The kit configures itself through module globals (`stripe.api_key`, `helpers.backend`'s current
backend, the process's emulator, the workshop's ledger) and environment variables (the kernel
hooks, the widget's static route and the emulator CLI write them). A test that changes any of
them must not change the next test's world, whatever order the tests run in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import stripe

import helpers.backend
import helpers.emulator
import helpers.exercises.core
import helpers.workshop.sandbox

# stripe-python's module-level settings: everything `stripe.<name> = ...` can set.
STRIPE_GLOBALS = ("api_key", "api_base", "api_version", "app_info", "ca_bundle_path",
                  "client_id", "connect_api_base", "default_http_client", "enable_telemetry",
                  "log", "max_network_retries", "meter_events_api_base", "proxy",
                  "upload_api_base", "verify_ssl_certs")


@dataclass
class Snapshot:
    environ: dict[str, str]
    stripe_globals: dict[str, Any]
    backend: helpers.backend.Backend | None
    emulator: helpers.emulator.Emulator | None
    ledger: Any
    hints_given: dict[str, int] = field(default_factory=dict)


def take() -> Snapshot:
    return Snapshot(
        environ=dict(os.environ),
        stripe_globals={name: getattr(stripe, name) for name in STRIPE_GLOBALS},
        backend=helpers.backend._current,
        emulator=helpers.emulator._emulator,
        ledger=helpers.workshop.sandbox._ledger,
        hints_given=dict(helpers.exercises.core._hints_given),
    )


def restore_environ(saved: dict[str, str]) -> None:
    """os.environ exactly as saved: added names removed, changed and removed ones put back."""
    for name in [name for name in os.environ if name not in saved]:
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _close_emulator(emulator: helpers.emulator.Emulator) -> None:
    emulator.deliveries.stop_background()
    emulator.store.close()


def restore(saved: Snapshot) -> None:
    restore_environ(saved.environ)
    for name, value in saved.stripe_globals.items():
        setattr(stripe, name, value)
    helpers.backend._current = saved.backend
    # An emulator or ledger the test made the process's own (directly or through
    # get_emulator()) is closed: its SQLite file and delivery thread end with the test.
    left = helpers.emulator._emulator
    if left is not None and left is not saved.emulator:
        _close_emulator(left)
    helpers.emulator.reset_emulator(saved.emulator)
    ledger = helpers.workshop.sandbox._ledger
    if ledger is not None and ledger is not saved.ledger:
        ledger.close()
    helpers.workshop.sandbox._ledger = saved.ledger
    helpers.exercises.core._hints_given.clear()
    helpers.exercises.core._hints_given.update(saved.hints_given)


@contextmanager
def kept() -> Iterator[Snapshot]:
    """Run the block, then put every piece of global state back as it was."""
    saved = take()
    try:
        yield saved
    finally:
        restore(saved)


# The world before any test ran (tests/conftest.py imports this module at collection).
AT_IMPORT = take()
