"""What the exercise tests share: a reference solution run as its notebook runs it, the
parametrize ids of the switchable wrong answers, and Stripe test mode against an emulator
*server* (which proves a checker uses only the public API, as it must against Stripe)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import stripe
from local_servers import running

import helpers
from helpers.exercises import solution_path


def run_solution(exercise_id: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """`namespace` (what the notebook defines before the exercise) after the exercise's
    reference solution has run in it, in place of the exercise cell's code."""
    exec(solution_path(exercise_id).read_text(), namespace)
    return namespace


def mistake_id(value: Any) -> str:
    """A readable test id for a `make_handler(**mistake)`-style parameter: `verify=False`."""
    return "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else ""


def client_built_earlier(key: str | None = None, *,
                         own_http_client: bool = False) -> stripe.StripeClient:
    """A `StripeClient` built once, before any check runs (as helpers/shop builds its own):
    on the kit's HTTP client (`stripe.default_http_client`, as configured when it was built),
    or, with `own_http_client`, on stripe-python's default one (test mode only: it sends real
    HTTP to the backend's address). The secret key unless `key` is given."""
    backend = helpers.backend.current()
    http = {} if own_http_client else {"http_client": stripe.default_http_client}
    return stripe.StripeClient(key or backend.secret_key, base_addresses={"api": backend.api_base},
                               max_network_retries=0, **http)


@contextlib.contextmanager
def stripe_test_mode(folder: Path, *, stripe_only: bool = False) -> Iterator[str]:
    """The kit in Stripe test mode: stripe-python over HTTP to an emulator server, as it would
    reach Stripe (`--stripe-only`: the server refuses the kit's own routes, as Stripe would).
    Yields the server's URL; afterwards the kit is back on the emulator for the tests that
    follow."""
    mode = ("--stripe-only",) if stripe_only else ()
    with running("helpers.emulator", "serve", "--host", "127.0.0.1", *mode,
                 "--db", str(folder / "stripe.sqlite3")) as url:
        try:
            helpers.backend.configure(
                {"STRIPE_SECRET_KEY": "sk_test_emulator_default",
                 "STRIPE_PUBLISHABLE_KEY": "pk_test_emulator_default",
                 "KIT_STRIPE_API_BASE": url}, dotenv=folder / "no.env")
            assert helpers.backend.current().mode == "stripe"
            yield url
        finally:
            helpers.backend.configure()
