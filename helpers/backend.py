"""Which Stripe the notebooks talk to: the offline emulator (default) or Stripe test mode.

The only switch is two environment variables (or a git-ignored `.env`): with
STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY set to *test* keys the real `stripe` library talks
to Stripe test mode; without them it talks to the emulator through its public extension point
(`stripe.default_http_client`). Live keys are refused before any request is made.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import stripe

from .emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, EmulatorHTTPClient

REPO_ROOT = Path(__file__).resolve().parents[1]
LIVE_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")
EMULATOR_API_BASE = "http://emulator.invalid"  # never resolvable: nothing can leak to Stripe
TEST_KEYS_URL = "https://dashboard.stripe.com/test/apikeys"


class LiveKeyError(RuntimeError):
    """A live-mode key was given: the kit only ever runs against test mode."""


class KeyConfigError(ValueError):
    """The keys given cannot select a backend (one missing, or not a Stripe test key)."""


def mask(key: str | None) -> str:
    """`sk_test_51Hx…wL9q`: enough to recognise a key, never enough to use it."""
    if not key:
        return "(not set)"
    prefix = key[:8] if key[:3] in ("sk_", "pk_", "rk_") else key[:3]
    return f"{prefix}…{key[-4:]}" if len(key) > 16 else f"{prefix}…"


@dataclass(frozen=True)
class Backend:
    mode: Literal["emulator", "stripe"]
    secret_key: str
    publishable_key: str
    api_base: str

    def __repr__(self) -> str:
        return (f"Backend(mode={self.mode!r}, secret_key={mask(self.secret_key)!r}, "
                f"publishable_key={mask(self.publishable_key)!r})")

    @property
    def label(self) -> str:
        if self.mode == "emulator":
            return "offline emulator (no Stripe account, nothing leaves this machine)"
        return "Stripe test mode"

    def describe(self) -> str:
        return (f"Backend: {self.label}\n"
                f"  secret key      {mask(self.secret_key)}\n"
                f"  publishable key {mask(self.publishable_key)}")


def read_keys(environ: Mapping[str, str] | None = None,
              dotenv: Path | None = None) -> tuple[str | None, str | None]:
    """Keys from the environment first, then from `.env` at the repository root."""
    environ = os.environ if environ is None else environ
    secret = environ.get("STRIPE_SECRET_KEY") or None
    publishable = environ.get("STRIPE_PUBLISHABLE_KEY") or None
    path = dotenv if dotenv is not None else REPO_ROOT / ".env"
    if (secret is None or publishable is None) and path.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(path)
        secret = secret or values.get("STRIPE_SECRET_KEY") or None
        publishable = publishable or values.get("STRIPE_PUBLISHABLE_KEY") or None
    return secret, publishable


def check_keys(secret: str | None, publishable: str | None) -> None:
    """Refuse live keys and half-configured test mode, saying how to fix it."""
    for name, key in (("STRIPE_SECRET_KEY", secret), ("STRIPE_PUBLISHABLE_KEY", publishable)):
        if key and key.strip().startswith(LIVE_PREFIXES):
            raise LiveKeyError(
                f"{name} holds a live-mode key ({mask(key)}). This kit never uses live keys:"
                f" nothing was sent. Put your *test* keys (sk_test_…, pk_test_…) from"
                f" {TEST_KEYS_URL} in .env, or remove both to use the offline emulator.")
    if bool(secret) != bool(publishable):
        missing = "STRIPE_PUBLISHABLE_KEY" if secret else "STRIPE_SECRET_KEY"
        raise KeyConfigError(
            f"Only one Stripe key is set; {missing} is missing. Set both test keys to use"
            " Stripe test mode, or neither to use the offline emulator.")
    if secret and not secret.startswith(("sk_test_", "rk_test_")):
        raise KeyConfigError(f"STRIPE_SECRET_KEY ({mask(secret)}) is not a Stripe test secret"
                             f" key: it should start with sk_test_ (see {TEST_KEYS_URL}).")
    if publishable and not publishable.startswith("pk_test_"):
        raise KeyConfigError(f"STRIPE_PUBLISHABLE_KEY ({mask(publishable)}) is not a Stripe"
                             " test publishable key: it should start with pk_test_.")


class TestModeOnlyHTTPClient(stripe.HTTPClient):
    """Wraps stripe-python's own client and refuses any request that carries a live key.

    `configure()` already refuses live keys; this catches one pasted into a cell later.
    """

    name = "kit-test-mode-only"

    def __init__(self, inner: stripe.HTTPClient | None = None) -> None:
        super().__init__()
        self.inner = inner or stripe.new_default_http_client()

    def _check(self, headers: Mapping[str, str] | None) -> None:
        auth = (headers or {}).get("Authorization", "")
        if any(prefix in auth for prefix in LIVE_PREFIXES):
            raise stripe.AuthenticationError(
                "The kit refused to send a request with a live-mode key; use test keys.")

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                *, _usage: Any = None) -> Any:
        self._check(headers)
        return self.inner.request(method, url, headers, post_data)

    def request_stream(self, method: str, url: str, headers: Any, post_data: Any = None,
                       *, _usage: Any = None) -> Any:
        self._check(headers)
        return self.inner.request_stream(method, url, headers, post_data)

    def close(self) -> None:
        self.inner.close()


_current: Backend | None = None


def emulator_keys(account: str | None = None) -> tuple[str, str]:
    """The emulator's key pair for a named account (the default account when None).

    Each name is an account of its own on the emulator: a workshop gives every participant one.
    """
    if account is None:
        return DEFAULT_SECRET_KEY, DEFAULT_PUBLISHABLE_KEY
    if not re.fullmatch(r"[a-z0-9_]{1,64}", account):
        raise ValueError(f"Account names are 1-64 lowercase letters, digits or '_'; got"
                         f" {account!r}.")
    return f"sk_test_emulator_{account}", f"pk_test_emulator_{account}"


def configure(environ: Mapping[str, str] | None = None, dotenv: Path | None = None,
              *, account: str | None = None) -> Backend:
    """Select the backend from the keys and point the `stripe` library at it.

    `account` picks a separate emulator account (ignored in Stripe test mode, where the keys
    decide the account).
    """
    global _current
    environ = os.environ if environ is None else environ
    secret, publishable = read_keys(environ, dotenv)
    check_keys(secret, publishable)  # raises before stripe is touched
    if secret and publishable and environ.get("KIT_BACKEND") != "emulator":
        backend = Backend("stripe", secret, publishable,
                          environ.get("KIT_STRIPE_API_BASE") or stripe.DEFAULT_API_BASE)
        stripe.default_http_client = TestModeOnlyHTTPClient()
    else:
        backend = Backend("emulator", *emulator_keys(account), EMULATOR_API_BASE)
        stripe.default_http_client = EmulatorHTTPClient()
    stripe.api_key = backend.secret_key
    stripe.api_base = backend.api_base
    stripe.set_app_info("stripe-existing-customers-kit", version="0.1.0")
    _current = backend
    return backend


def current() -> Backend:
    """The configured backend (configuring it from the environment on first use)."""
    return _current or configure()


def publishable_client() -> stripe.StripeClient:
    """A client holding only the publishable key: what a browser (Stripe.js) is allowed to do."""
    backend = current()
    return stripe.StripeClient(backend.publishable_key, http_client=stripe.default_http_client,
                               base_addresses={"api": backend.api_base})
