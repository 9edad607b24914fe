"""The preflight: what kit.py and notebook 00 say when the Stripe test keys will not work.

Each failure is produced for real: an unreachable API base (a closed local port, a name that
cannot resolve), a local server answering as Stripe does to a bad key or a restricted one, and
the kit's emulator server (which accepts any well-formed test key) for the working case.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import free_port
from stripe_only import fresh_keys, stripe_only_server
from support.env import KEYS_AND_KIT, clean_env

from helpers import preflight

ROOT = Path(__file__).resolve().parents[1]
SECRET, PUBLISHABLE = ("sk_" + "test_" + "preflightfake0123456789",
                       "pk_test_" + "preflightfake0123456789")
INVALID_KEY = {"error": {"message": "Invalid API Key provided: sk_test_************6789",
                         "type": "invalid_request_error"}}
PUBLISHABLE_REFUSED = {"error": {
    "message": "This API call cannot be made with a publishable API key. Please use a secret "
               "API key. You can find a list of your API keys at "
               "https://dashboard.stripe.com/account/apikeys.",
    "type": "invalid_request_error"}}
RESTRICTED = {"error": {
    "message": "The provided key 'rk_test_***6789' does not have the required permissions for "
               "this endpoint on account 'acct_1'. Having the 'rak_customer_read' permission "
               "would allow this request to continue.",
    "type": "invalid_request_error"}}
EMPTY_LIST = {"object": "list", "data": [], "has_more": False, "url": "/v1/customers"}
NO_DOTENV = ROOT / "tests" / "no-such.env"  # keys come only from what each test passes


@pytest.fixture
def stripe_stub() -> Iterator[tuple[str, dict[str, tuple[int, dict]]]]:
    """A local server answering GET /v1/customers per key prefix, the way Stripe does."""
    answers: dict[str, tuple[int, dict]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            status, body = answers.get(key[:3], (500, {"error": {"message": "unexpected"}}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


def env(api_base: str, secret: str = SECRET, publishable: str = PUBLISHABLE) -> dict[str, str]:
    return {"STRIPE_SECRET_KEY": secret, "STRIPE_PUBLISHABLE_KEY": publishable,
            "KIT_STRIPE_API_BASE": api_base}


def assert_one_paragraph_with_the_way_back(result: preflight.Result) -> None:
    assert not result.ok
    assert "\n" not in result.message, "the advice is one paragraph"
    assert preflight.BACK_TO_EMULATOR in result.message
    for key in (SECRET, PUBLISHABLE):
        assert key not in result.message, "a key was printed in full"


def test_the_emulator_needs_no_check(capsys: pytest.CaptureFixture[str]) -> None:
    result = preflight.check({}, dotenv=NO_DOTENV, timeout=5)
    assert result.ok and result.mode == "emulator"
    assert "no keys to check" in capsys.readouterr().out


def test_kit_backend_emulator_skips_the_check_even_with_keys() -> None:
    result = preflight.check({**env("http://127.0.0.1:9"), "KIT_BACKEND": "emulator"},
                             dotenv=NO_DOTENV, quiet=True)
    assert result.ok and result.mode == "emulator"


def test_no_network_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    result = preflight.check(env(f"http://127.0.0.1:{free_port()}"), timeout=5)
    assert_one_paragraph_with_the_way_back(result)
    assert "could not reach Stripe" in result.message
    assert "the connection was refused" in result.message
    assert result.message in capsys.readouterr().out


def test_no_network_unresolvable_name() -> None:
    result = preflight.check(env("http://api.stripe.invalid"), timeout=5, quiet=True)
    assert_one_paragraph_with_the_way_back(result)
    assert "could not reach Stripe" in result.message


def test_invalid_or_revoked_secret_key(stripe_stub) -> None:
    base, answers = stripe_stub
    answers["sk_"] = (401, INVALID_KEY)
    result = preflight.check(env(base), quiet=True)
    assert_one_paragraph_with_the_way_back(result)
    assert "does not accept the secret key" in result.message
    assert "revoked" in result.message
    assert "Invalid API Key provided" in result.message  # what Stripe said, shown


def test_restricted_key_without_permission(stripe_stub) -> None:
    base, answers = stripe_stub
    answers["rk_"] = (403, RESTRICTED)
    result = preflight.check(env(base, secret="rk_" + SECRET[3:]), quiet=True)
    assert_one_paragraph_with_the_way_back(result)
    assert "restricted key" in result.message and "may not read Customers" in result.message


def test_invalid_publishable_key(stripe_stub) -> None:
    base, answers = stripe_stub
    answers["sk_"] = (200, EMPTY_LIST)
    answers["pk_"] = (401, {"error": {"message": "Invalid API Key provided: pk_test_****6789",
                                      "type": "invalid_request_error"}})
    result = preflight.check(env(base), quiet=True)
    assert_one_paragraph_with_the_way_back(result)
    assert "the secret key" in result.message and "works" in result.message
    assert "does not accept the publishable key" in result.message


def test_valid_pair_against_a_stripe_shaped_server(stripe_stub) -> None:
    base, answers = stripe_stub
    answers["sk_"] = (200, EMPTY_LIST)
    answers["pk_"] = (401, PUBLISHABLE_REFUSED)
    result = preflight.check(env(base), quiet=True)
    assert result.ok and result.mode == "stripe", result.message
    assert "the keys work" in result.message


def test_valid_pair_against_the_emulator_server(tmp_path: Path) -> None:
    """The kit's emulator server (--stripe-only) answers both requests as Stripe would."""
    secret, publishable = fresh_keys("preflight")
    with stripe_only_server(tmp_path) as server:
        result = preflight.check(env(server.url, secret, publishable), quiet=True)
    assert result.ok, result.message


def test_live_key_is_refused_before_any_request(stripe_stub) -> None:
    base, answers = stripe_stub  # no answers: any request would get a 500
    live = "sk_" + "live_" + "preflightfake0123456789"
    result = preflight.check(env(base, secret=live), quiet=True)
    assert not result.ok and "live-mode key" in result.message
    assert live not in result.message


def test_module_exit_code_and_output() -> None:
    """`python -m helpers.preflight` is what kit.py runs: exit 1 and the paragraph on failure."""
    base_env = clean_env(prefixes=KEYS_AND_KIT)
    bad = subprocess.run([sys.executable, "-m", "helpers.preflight"], cwd=ROOT,
                         env={**base_env, **env(f"http://127.0.0.1:{free_port()}")},
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1, bad.stderr
    assert "could not reach Stripe" in bad.stdout and "KIT_BACKEND=emulator" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    good = subprocess.run([sys.executable, "-m", "helpers.preflight"], cwd=ROOT,
                          env={**base_env, "KIT_BACKEND": "emulator"},
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "no keys to check" in good.stdout


def test_notebook_00_runs_the_same_check() -> None:
    """Notebook 00's backend cell calls the very function kit.py runs (same advice)."""
    nb = json.loads((ROOT / "notebooks" / "00_welcome.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("helpers.preflight.check()" in s for s in sources)
