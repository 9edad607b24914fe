"""Shared fixtures: every test on a clean process (global state restored after it), a fresh
in-memory emulator and stripe-python clients bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
from support import state

import helpers
from helpers.emulator import (
    DEFAULT_PUBLISHABLE_KEY,
    DEFAULT_SECRET_KEY,
    Emulator,
    EmulatorHTTPClient,
    reset_emulator,
)


@pytest.fixture(autouse=True)
def global_state_restored() -> Iterator[None]:
    """stripe's module settings, the current backend, the process's emulator and workshop
    ledger, and os.environ exactly: put back after every test, whatever it changed."""
    with state.kept():
        yield


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh in-memory emulator, the process's own for this test (closed after it)."""
    emulator = Emulator(":memory:", deterministic=False)
    reset_emulator(emulator)
    yield emulator
    emulator.store.close()


def make_client(emulator: Emulator, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, http_client=EmulatorHTTPClient(emulator),
                               base_addresses={"api": "http://emulator.invalid"},
                               max_network_retries=0)


@pytest.fixture
def client_for(emulator: Emulator):
    """Make a stripe-python client for any key on this emulator (another account, say)."""
    return lambda key: make_client(emulator, key)


@pytest.fixture
def client(emulator: Emulator) -> stripe.StripeClient:
    """The server side: the default secret key."""
    return make_client(emulator, DEFAULT_SECRET_KEY)


@pytest.fixture
def publishable_client(emulator: Emulator) -> stripe.StripeClient:
    """What a browser (Stripe.js) holds: the publishable key only. (tests/browser's `browser`
    is Chromium.)"""
    return make_client(emulator, DEFAULT_PUBLISHABLE_KEY)


@pytest.fixture
def customer(client: stripe.StripeClient) -> stripe.Customer:
    """A returning customer with Visa 4242 and Mastercard 4444 saved, redisplay allowed."""
    customer = client.v1.customers.create({"name": "Jenny Rosen"})
    for token in ("pm_card_visa", "pm_card_mastercard"):
        pm = client.v1.payment_methods.attach(token, {"customer": customer.id})
        client.v1.payment_methods.update(pm.id, {"allow_redisplay": "always"})
    return customer


@pytest.fixture
def backend(emulator: Emulator) -> Iterator[helpers.Backend]:
    """The notebooks' backend (`helpers.configure()`, emulator mode) on this test's emulator
    (stripe's settings and the current backend are put back by `global_state_restored`)."""
    yield helpers.backend.configure()
