"""An emulator server in `--stripe-only` mode, for tests of the kit in Stripe test mode.

It answers the kit's own routes with Stripe's 404 and logs each refusal on stderr; the tests
read that log to prove that what they ran never needed a route Stripe does not have.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from local_servers import ROOT, free_port, wait_for_port
from support.env import clean_env as scrubbed_env

from helpers.emulator.server import REFUSED_LOG, UNKNOWN_LOG

# What selects a backend in a child process: removed so that only what a test sets counts.
BACKEND_ENV = ("KIT_BACKEND", "KIT_DETERMINISTIC", "KIT_EMULATOR_DB", "KIT_STRIPE_API_BASE",
               "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY")
SERVER_START_SECONDS = 60  # a cold start on a busy 2-core CI machine


def clean_env() -> dict[str, str]:
    """os.environ without BACKEND_ENV (nor any other key or kit setting)."""
    return scrubbed_env()


def fresh_keys(label: str) -> tuple[str, str]:
    """A fresh account's test-shaped key pair, made at run time (never written down)."""
    account = label + secrets.token_hex(6)
    return "sk_test_" + account, "pk_test_" + account


@dataclass
class StripeOnlyServer:
    url: str
    log: Path

    def refused(self) -> list[str]:
        """Every refusal logged so far, oldest first (`kit-only route refused: GET /v1/…`)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if line.startswith((REFUSED_LOG, UNKNOWN_LOG))]


@contextlib.contextmanager
def stripe_only_server(folder: Path) -> Iterator[StripeOnlyServer]:
    """`python -m helpers.emulator serve --stripe-only` on a free port and a fresh database."""
    port = free_port()
    log = folder / "server.stderr"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpers.emulator", "serve", "--stripe-only", "--port",
             str(port), "--db", str(folder / "emulator.sqlite3")],
            cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_for_port(port, timeout=SERVER_START_SECONDS, process=process)
        yield StripeOnlyServer(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
