"""Which Stripe the shop talks to: the kit's offline emulator (default) or your test mode.

The shop's code is the same in both; only these change:
- the API address and keys its StripeClient uses;
- where the page loads Stripe.js from: `https://js.stripe.com/v3/` in test mode (as in
  production: never self-hosted), the emulator's stand-in offline;
- where the webhook signing secret comes from: offline, from the shop's own WebhookEndpoint on
  the emulator for its `/webhook` URL, created once and kept across restarts with its secret in
  the shop's database (`webhook_endpoint`: deleting or replacing it on a restart would drop the
  emulator's pending retries, so a payment made while the shop was down would never be
  fulfilled); in test mode, from STRIPE_WEBHOOK_SECRET, which
  `stripe listen --forward-to localhost:4242/webhook` prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import stripe

from ..backend import REPO_ROOT, TestModeOnlyHTTPClient, check_keys, read_keys
from ..emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY
from .app import STRIPE_JS_URL
from .db import Database
from .local_emulator import LocalEmulator
from .webhook_endpoint import endpoint_secret


class SetupError(RuntimeError):
    """The shop cannot start as configured; the message says how to fix it."""


@dataclass
class Mode:
    name: str  # "emulator" or "stripe"
    stripe_client: stripe.StripeClient
    publishable_key: str
    stripe_js_url: str
    webhook_secret: str | None  # None: register an endpoint (offline) once the URL is known
    api_base: str
    emulator: LocalEmulator | None = None

    def register_webhook(self, url: str, db: Database) -> str:
        """Offline: the signing secret of the shop's WebhookEndpoint for `url` on the emulator,
        kept across restarts (see `webhook_endpoint`); it is not deleted when the shop stops."""
        return endpoint_secret(self.stripe_client, url, db)

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()


def offline(emulator_db: str | Path, *, emulator_url: str | None = None,
            host: str = "127.0.0.1", webhook_secret: str | None = None) -> Mode:
    """The kit's emulator: started in this process on a free port, or the one at
    `emulator_url` (`python -m helpers.emulator serve`). With `webhook_secret`, no endpoint is
    registered: someone else (`python -m helpers.emulator listen`) forwards events."""
    emulator = None
    if emulator_url is None:
        emulator = LocalEmulator(emulator_db, host=host)
        emulator_url = emulator.start()
    emulator_url = emulator_url.rstrip("/")
    client = stripe.StripeClient(DEFAULT_SECRET_KEY, base_addresses={"api": emulator_url})
    return Mode("emulator", client, DEFAULT_PUBLISHABLE_KEY, f"{emulator_url}/js.stripe.com/v3/",
                webhook_secret, emulator_url, emulator)


def test_mode(secret_key: str, publishable_key: str, webhook_secret: str | None,
              api_base: str | None = None) -> Mode:
    """Your Stripe account's test mode (the keys were checked: test keys only)."""
    if not webhook_secret:
        raise SetupError(
            "Test mode needs the webhook signing secret: run `stripe listen --forward-to"
            " localhost:4242/webhook` (adjust the port), and put the whsec_… it prints in"
            " STRIPE_WEBHOOK_SECRET (environment or .env), or pass --webhook-secret.")
    client = stripe.StripeClient(secret_key, http_client=TestModeOnlyHTTPClient(),
                                 base_addresses={"api": api_base or stripe.DEFAULT_API_BASE})
    return Mode("stripe", client, publishable_key, STRIPE_JS_URL, webhook_secret,
                api_base or stripe.DEFAULT_API_BASE)


def from_environment(emulator_db: str | Path, *, emulator_url: str | None = None,
                     host: str = "127.0.0.1", webhook_secret: str | None = None,
                     environ: Mapping[str, str] | None = None,
                     dotenv: Path | None = None) -> Mode:
    """Test mode when STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY hold test keys (environment
    or `.env`), the offline emulator when neither is set. Live keys are refused first."""
    environ = os.environ if environ is None else environ
    secret, publishable = read_keys(environ, dotenv)
    check_keys(secret, publishable)  # raises LiveKeyError / KeyConfigError before any request
    if secret and publishable and environ.get("KIT_BACKEND") != "emulator":
        return test_mode(secret, publishable,
                         webhook_secret or _webhook_secret(environ, dotenv),
                         environ.get("KIT_STRIPE_API_BASE"))
    return offline(emulator_db, emulator_url=emulator_url, host=host,
                   webhook_secret=webhook_secret)


def _webhook_secret(environ: Mapping[str, str], dotenv: Path | None) -> str | None:
    if environ.get("STRIPE_WEBHOOK_SECRET"):
        return environ["STRIPE_WEBHOOK_SECRET"]
    path = dotenv if dotenv is not None else REPO_ROOT / ".env"
    if path.is_file():
        from dotenv import dotenv_values

        return dotenv_values(path).get("STRIPE_WEBHOOK_SECRET") or None
    return None
