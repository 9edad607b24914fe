"""Before the first lesson: do the Stripe test keys actually work?

`python3 kit.py` runs this (as `python -m helpers.preflight`, inside the venv) before it opens
JupyterLab or Voilà, and notebook 00 calls `check()`: both print the same paragraph, so a
made-up, revoked or unreachable key is explained once, up front, instead of surfacing as a raw
`APIConnectionError` in the first cell that calls Stripe.

The emulator needs no check. In Stripe test mode (stripe-python 16.1, API version
2026-10-28.endive) it makes read-only requests and creates nothing:

- `GET /v1/customers?limit=1` with the secret key: the cheapest call that proves the key is
  valid, reaches Stripe, and may read Customers (every lesson needs that);
- the same request with the publishable key: Stripe refuses it either way, but a valid
  publishable key is refused with "cannot be made with a publishable API key" while an unknown
  one gets "Invalid API Key provided". (That wording is Stripe's documented message; the HTTP
  status being 401 is UNCONFIRMED, so the check reads the message, not the status.)

It does not prove that both keys belong to the same account: nothing read-only does.

Every lesson's setup cell (`helpers.start()`) runs the same check in test mode and, when it
fails, raises `SetupStopped`: the notebook shows the advice alone and Run All stops there.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import stripe

from .backend import (
    TEST_KEYS_URL,
    Backend,
    KeyConfigError,
    LiveKeyError,
    check_keys,
    mask,
    read_keys,
)

TIMEOUT_SECONDS = 15  # one request on a slow link; the check runs once per launch
BACK_TO_EMULATOR = (
    "To use the offline emulator instead (no account, no network), remove STRIPE_SECRET_KEY and "
    "STRIPE_PUBLISHABLE_KEY from .env and from your environment and run `python3 kit.py` again, "
    "or keep them and start with `KIT_BACKEND=emulator python3 kit.py`."
)
PUBLISHABLE_REFUSAL = "publishable api key"  # in Stripe's refusal of a valid publishable key
ADVICE_WIDTH = 96  # characters per line of the advice a stopped cell shows
STOPPED_HERE = ("The notebook stopped at this cell: the cells below need a backend that works. "
                "Once that is fixed, run the notebook again from here.")


class SetupStopped(Exception):
    """A lesson cannot go on: a notebook shows the advice alone, with no traceback.

    IPython (so ipykernel, JupyterLab and Voilà) shows what `_render_traceback_` returns in
    place of a traceback. The cell still fails, so Run All stops at it instead of running on
    into cells that would each fail again with a traceback of their own.
    """

    def __init__(self, advice: str) -> None:
        super().__init__(advice)
        self.advice = advice

    def _render_traceback_(self) -> list[str]:
        wrap = textwrap.TextWrapper(ADVICE_WIDTH, break_long_words=False,
                                    break_on_hyphens=False)  # URLs and keys stay whole
        return [*wrap.wrap(self.advice), "", *wrap.wrap(STOPPED_HERE)]


@dataclass(frozen=True)
class Result:
    """What the check found: `ok`, and the one paragraph to show a person."""

    ok: bool
    mode: str  # "emulator" or "stripe"
    message: str

    def __str__(self) -> str:
        return self.message


def _client(key: str, api_base: str, timeout: float) -> stripe.StripeClient:
    """A client that fails fast: no retries (a retry only delays the same answer)."""
    return stripe.StripeClient(
        key, base_addresses={"api": api_base}, max_network_retries=0,
        http_client=stripe.new_default_http_client(timeout=timeout))


def _network_cause(error: stripe.APIConnectionError) -> str:
    """The useful end of stripe-python's network error: 'Connection refused', a DNS failure…"""
    text = str(error.user_message or error)
    for marker, why in (("Name or service not known", "the name did not resolve"),
                        ("Failed to resolve", "the name did not resolve"),
                        ("Temporary failure in name resolution", "the name did not resolve"),
                        ("Connection refused", "the connection was refused"),
                        ("timed out", "the connection timed out"),
                        ("Network is unreachable", "the network is unreachable"),
                        ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate was not trusted")):
        if marker in text:
            return why
    return "no connection"


def _network_problem(api_base: str, error: stripe.APIConnectionError) -> str:
    return (
        f"Stripe test mode: could not reach Stripe at {api_base} ({_network_cause(error)}), so "
        "the keys could not be checked and no lesson could call Stripe either. This machine may "
        "be offline, or a firewall or proxy may block HTTPS to Stripe. Check the connection and "
        "try again. " + BACK_TO_EMULATOR)


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "no details"
    return line if len(line) <= 200 else line[:197] + "…"


def check_stripe(secret: str, publishable: str, api_base: str = stripe.DEFAULT_API_BASE,
                 timeout: float = TIMEOUT_SECONDS) -> Result:
    """Check a pair of test keys against Stripe (or whatever `api_base` points at)."""
    try:
        _client(secret, api_base, timeout).v1.customers.list(params={"limit": 1})
    except stripe.APIConnectionError as error:
        return Result(False, "stripe", _network_problem(api_base, error))
    except stripe.AuthenticationError as error:
        return Result(False, "stripe", (
            f"Stripe test mode: Stripe does not accept the secret key {mask(secret)} (it said: "
            f"{_first_line(error.user_message or str(error))}). The key may be mistyped, made up, "
            "or revoked (rolling a key in the Dashboard revokes the old one). Copy the current "
            f"test keys from {TEST_KEYS_URL} into .env. " + BACK_TO_EMULATOR))
    except stripe.PermissionError as error:
        return Result(False, "stripe", (
            f"Stripe test mode: the key {mask(secret)} is valid but may not read Customers (it "
            f"said: {_first_line(error.user_message or str(error))}). It is probably a restricted "
            "key (rk_test_…) without the permissions the lessons need; use the account's "
            f"standard secret key (sk_test_…) from {TEST_KEYS_URL}. " + BACK_TO_EMULATOR))
    except stripe.StripeError as error:
        return Result(False, "stripe", (
            f"Stripe test mode: the check request with {mask(secret)} failed (HTTP "
            f"{error.http_status}: {_first_line(error.user_message or str(error))}). "
            + BACK_TO_EMULATOR))
    try:
        _client(publishable, api_base, timeout).v1.customers.list(params={"limit": 1})
    except stripe.APIConnectionError as error:
        return Result(False, "stripe", _network_problem(api_base, error))
    except stripe.StripeError as error:
        said = error.user_message or str(error)
        if PUBLISHABLE_REFUSAL not in said.lower():
            return Result(False, "stripe", (
                f"Stripe test mode: the secret key {mask(secret)} works, but Stripe does not "
                f"accept the publishable key {mask(publishable)} (it said: {_first_line(said)}). "
                "The browser side of the lessons (the Payment Element) would fail. Copy the "
                f"publishable key shown next to your secret key at {TEST_KEYS_URL} into .env. "
                + BACK_TO_EMULATOR))
    else:
        return Result(False, "stripe", (
            f"Stripe test mode: {mask(publishable)} was accepted where only a secret key should "
            "be: STRIPE_PUBLISHABLE_KEY seems to hold a secret key. Put the publishable key "
            f"(pk_test_…) from {TEST_KEYS_URL} in .env. " + BACK_TO_EMULATOR))
    return Result(True, "stripe", (
        f"Stripe test mode: the keys work ({mask(secret)}, {mask(publishable)}; Stripe answered "
        "a read-only request). Everything you create appears in your Dashboard's test mode."))


def check(environ: Mapping[str, str] | None = None, *, dotenv: Path | None = None,
          timeout: float = TIMEOUT_SECONDS, quiet: bool = False) -> Result:
    """Check the keys the notebooks will use (from the environment or .env) and print why.

    Same rules as `helpers.backend.configure`: no keys, or KIT_BACKEND=emulator, means the
    emulator; KIT_STRIPE_API_BASE points test mode elsewhere (the tests use it).
    """
    environ = os.environ if environ is None else environ
    try:
        secret, publishable = read_keys(environ, dotenv)
        check_keys(secret, publishable)
    except (LiveKeyError, KeyConfigError) as error:
        result = Result(False, "stripe", key_advice(error))
    else:
        if not (secret and publishable) or environ.get("KIT_BACKEND") == "emulator":
            result = Result(True, "emulator",
                            "Offline emulator: no keys to check, nothing leaves this machine.")
        else:
            api_base = environ.get("KIT_STRIPE_API_BASE") or stripe.DEFAULT_API_BASE
            result = check_stripe(secret, publishable, api_base, timeout)
    if not quiet:
        print(result.message)
    return result


def key_advice(error: LiveKeyError | KeyConfigError) -> str:
    """What to do about keys that select no backend (a live key, one key missing…)."""
    return f"{error} {BACK_TO_EMULATOR}"


def stop_unless_working(backend: Backend, timeout: float = TIMEOUT_SECONDS) -> None:
    """In test mode, check the keys as kit.py does; raise `SetupStopped` if they fail.

    The emulator needs no check. Called by every lesson's setup cell (`helpers.start()`).
    """
    if backend.mode != "stripe":
        return
    result = check_stripe(backend.secret_key, backend.publishable_key, backend.api_base, timeout)
    if not result.ok:
        raise SetupStopped(result.message)


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.preflight`: exit 0 if the keys work (or none are needed), else 1."""
    return 0 if check().ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
