"""Backend selection: emulator by default, test keys switch to Stripe, live keys refused first."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe

from helpers import backend
from helpers.emulator import EmulatorHTTPClient

LIVE = "sk_" + "live_" + "abcdefghijklmnopqrstuvwx"
TEST_SK = "sk_test_" + "kitfake_0123456789abcdef"
TEST_PK = "pk_test_" + "kitfake_0123456789abcdef"


class RecordingClient(stripe.HTTPClient):
    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url))
        return '{"object": "list", "data": [], "has_more": false, "url": "/v1/customers"}', 200, {}

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self) -> None:
        pass


def no_dotenv(tmp_path: Path) -> Path:
    return tmp_path / "absent.env"


def test_no_keys_selects_the_emulator(tmp_path: Path) -> None:
    chosen = backend.configure({}, dotenv=no_dotenv(tmp_path))
    assert chosen.mode == "emulator"
    assert isinstance(stripe.default_http_client, EmulatorHTTPClient)
    assert stripe.api_base == backend.EMULATOR_API_BASE
    assert stripe.Customer.create(name="x").id.startswith("cus_")


def test_test_keys_select_stripe_test_mode(tmp_path: Path) -> None:
    chosen = backend.configure({"STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK},
                               dotenv=no_dotenv(tmp_path))
    assert chosen.mode == "stripe"
    assert stripe.api_key == TEST_SK
    assert stripe.api_base == stripe.DEFAULT_API_BASE
    assert isinstance(stripe.default_http_client, backend.TestModeOnlyHTTPClient)


def test_kit_backend_forces_the_emulator(tmp_path: Path) -> None:
    chosen = backend.configure({"STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK,
                                "KIT_BACKEND": "emulator"}, dotenv=no_dotenv(tmp_path))
    assert chosen.mode == "emulator"


@pytest.mark.parametrize("variable", ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"])
@pytest.mark.parametrize("prefix", ["sk_live_", "rk_live_", "pk_live_"])
def test_live_keys_are_refused_before_any_request(tmp_path: Path, variable: str,
                                                  prefix: str) -> None:
    recorder = RecordingClient()
    stripe.default_http_client = recorder
    stripe.api_key = "unchanged"
    environ = {"STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK}
    live_key = prefix + "abcdefghijklmnopqrstuvwx"
    environ[variable] = live_key
    with pytest.raises(backend.LiveKeyError) as refused:
        backend.configure(environ, dotenv=no_dotenv(tmp_path))
    message = str(refused.value)
    assert "live" in message and "*test* keys" in message
    assert live_key not in message  # masked, never whole
    assert recorder.calls == []
    assert stripe.api_key == "unchanged" and stripe.default_http_client is recorder


def test_keys_come_from_dotenv_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"STRIPE_SECRET_KEY={TEST_SK}\nSTRIPE_PUBLISHABLE_KEY={TEST_PK}\n")
    assert backend.read_keys({}, dotenv) == (TEST_SK, TEST_PK)
    other = "sk_test_" + "fromenvironment0000"
    assert backend.read_keys({"STRIPE_SECRET_KEY": other}, dotenv) == (other, TEST_PK)


def test_a_live_key_in_dotenv_is_refused(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"STRIPE_SECRET_KEY={LIVE}\nSTRIPE_PUBLISHABLE_KEY={TEST_PK}\n")
    with pytest.raises(backend.LiveKeyError):
        backend.configure({}, dotenv=dotenv)


def test_one_key_alone_says_which_is_missing(tmp_path: Path) -> None:
    with pytest.raises(backend.KeyConfigError, match="STRIPE_PUBLISHABLE_KEY is missing"):
        backend.configure({"STRIPE_SECRET_KEY": TEST_SK}, dotenv=no_dotenv(tmp_path))


def test_a_key_that_is_not_a_test_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(backend.KeyConfigError, match="should start with sk_test_"):
        backend.configure({"STRIPE_SECRET_KEY": "hello", "STRIPE_PUBLISHABLE_KEY": TEST_PK},
                          dotenv=no_dotenv(tmp_path))


def test_keys_are_never_shown_in_full(tmp_path: Path) -> None:
    chosen = backend.configure({"STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK},
                               dotenv=no_dotenv(tmp_path))
    for text in (repr(chosen), chosen.describe(), backend.mask(TEST_SK)):
        assert TEST_SK not in text and TEST_PK not in text
    assert backend.mask(TEST_SK).endswith("cdef")


def test_a_live_key_set_later_by_hand_is_refused_by_the_http_client() -> None:
    recorder = RecordingClient()
    guard = backend.TestModeOnlyHTTPClient(recorder)
    with pytest.raises(stripe.AuthenticationError):
        guard.request("get", "https://api.stripe.com/v1/customers",
                      {"Authorization": f"Bearer {LIVE}"})
    assert recorder.calls == []
    guard.request("get", "https://api.stripe.com/v1/customers",
                  {"Authorization": f"Bearer {TEST_SK}"})
    assert recorder.calls == [("get", "https://api.stripe.com/v1/customers")]


def test_named_emulator_accounts_are_separate(tmp_path: Path, emulator) -> None:
    first = backend.configure({}, dotenv=no_dotenv(tmp_path), account="participant_1")
    assert first.secret_key == "sk_test_emulator_participant_1"
    mine = stripe.Customer.create(name="mine").id
    backend.configure({}, dotenv=no_dotenv(tmp_path), account="participant_2")
    assert mine not in [c.id for c in stripe.Customer.list().data]
    with pytest.raises(ValueError, match="lowercase"):
        backend.configure({}, dotenv=no_dotenv(tmp_path), account="Bad Name")
