"""Stripe CLI fixture files run against the emulator (helpers/emulator/fixtures.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_servers import running

from helpers.emulator import Emulator
from helpers.emulator.fixtures import References, form_pairs, lookup, run
from helpers.emulator.versions import LATEST

HERE = Path(__file__).parent
PAY = HERE / "fixtures" / "stripe_cli" / "pay_with_card_types.json"
DECLINE = HERE / "fixtures" / "stripe_cli" / "expected_decline.json"
ROOT = HERE.parent
CLI_TIMEOUT_SECONDS = 120  # a fresh interpreter importing stripe and pydantic; generous


def test_payment_method_types_run_clean_at_2024_06_20(emulator: Emulator,
                                                        tmp_path: Path) -> None:
    result = run(PAY, emulator=emulator, api_version="2024-06-20", cwd=tmp_path)
    assert result.ok, result.error
    payment = result.responses["payment"]
    assert payment["status"] == "succeeded"
    assert payment["customer"] == result.responses["shopper"]["id"]
    event = result.responses["first_event"]
    assert event["type"] == "payment_intent.succeeded"
    assert event["data"]["object"]["id"] == payment["id"]
    assert result.env == {"KIT_FIXTURE_PAYMENT": payment["id"], "KIT_FIXTURE_EVENTS": "1"}
    assert result.responses["shopper"]["metadata"] == {"source": "kit-test"}


def test_payment_method_types_refused_on_endive(emulator: Emulator, tmp_path: Path) -> None:
    result = run(PAY, emulator=emulator, api_version=LATEST, cwd=tmp_path)
    assert not result.ok
    failed = result.steps[-1]
    assert failed.name == "payment" and failed.status == 400
    assert failed.body["error"]["code"] == "payment_method_types_no_longer_supported"
    assert "payment_method_types_no_longer_supported" in (result.error or "")


def test_no_version_sent_means_the_accounts_default(emulator: Emulator, tmp_path: Path) -> None:
    refused = run(PAY, emulator=emulator, cwd=tmp_path)  # the kit's default: endive
    assert "payment_method_types_no_longer_supported" in (refused.error or "")
    emulator.request("POST", "/v1/test_helpers/kit/default_api_version",
                     {"api_version": "2024-06-20"}, "sk_test_emulator_default")
    assert run(PAY, emulator=emulator, cwd=tmp_path).ok


def test_expected_error_type_lets_the_run_go_on(emulator: Emulator) -> None:
    result = run(DECLINE, emulator=emulator)
    assert result.ok, result.error
    assert result.steps[0].status == 402 and result.steps[0].expected_error
    assert result.responses["after_decline"]["status"] == "requires_payment_method"


def test_an_unexpected_error_stops_the_run(emulator: Emulator) -> None:
    data = json.loads(DECLINE.read_text())
    data["fixtures"][0]["expected_error_type"] = "invalid_request_error"
    result = run(data, emulator=emulator)
    assert not result.ok and len(result.steps) == 1
    assert "402 card_error" in (result.error or "")


def test_env_references_read_dotenv_and_the_environment_when_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("FROM_FILE=file-value\n")
    monkeypatch.setenv("FROM_ENV", "env-value")
    resolve = References({}, tmp_path, allow_process_env=True)
    assert resolve("${.env:FROM_ENV}") == "env-value"
    assert resolve("${.env:FROM_FILE}") == "file-value"
    assert resolve("${.env:NOT_SET|fallback}") == "fallback"


def test_references_index_lists_and_refuse_unknown_names() -> None:
    responses = {"list": {"data": [{"id": "cus_1"}, {"id": "cus_2"}]}}
    assert lookup(responses["list"], "data.1.id") == "cus_2"
    assert lookup(responses["list"], "data.#") == 2
    assert lookup(responses["list"], "data.5.id") is None
    resolve = References(responses, Path("."))
    assert resolve("/v1/customers/${list:data.0.id}") == "/v1/customers/cus_1"
    assert resolve("${list:data.9.id|none}") == "none"
    result = run({"fixtures": [{"name": "a", "path": "/v1/customers/${lst:id}",
                                "method": "get"}]}, emulator=None, api_base="http://x.invalid")
    assert "undeclared fixture name was referenced: lst" in (result.error or "")


def test_params_encode_as_the_cli_encodes_them() -> None:
    pairs = form_pairs({"amount": 2000, "confirm": True, "types": ["card", 3],
                        "items": [{"price": "p_1"}, {"price": "p_2"}],
                        "shipping": {"address": {"city": "Paris"}}, "nothing": None},
                       lambda text: text)
    assert pairs == [("amount", "2000"), ("confirm", "true"), ("types[]", "card"),
                     ("items[0][price]", "p_1"), ("items[1][price]", "p_2"),
                     ("shipping[address][city]", "Paris")]


@pytest.mark.parametrize("bad, message", [
    ({"_meta": {"template_version": 1}, "fixtures": []}, "Fixture version not supported: 1"),
    ({"fixtures": "nope"}, "`fixtures` list"),
    ({"fixtures": [{"name": "x", "path": "/customers"}]}, "not a valid Stripe API path"),
    ({"fixtures": [{"path": "/v1/customers"}]}, "needs a `name`"),
])
def test_bad_files_get_a_message(emulator: Emulator, bad: dict, message: str) -> None:
    result = run(bad, emulator=emulator)
    assert not result.ok and message in (result.error or "")


def test_live_keys_are_refused(emulator: Emulator) -> None:
    result = run(PAY, emulator=emulator, api_key="sk_live_" + "x" * 24)
    assert not result.ok and "live-mode key" in (result.error or "")


@pytest.mark.slow
def test_cli_fixtures_command(tmp_path: Path) -> None:
    env = {**os.environ, "KIT_EMULATOR_DB": str(tmp_path / "kit.sqlite3"),
           "KIT_DETERMINISTIC": "1"}
    command = [sys.executable, "-m", "helpers.emulator", "fixtures", str(PAY)]
    ok = subprocess.run([*command, "--api-version", "2024-06-20"], cwd=tmp_path, env=env,
                        capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)
    assert ok.returncode == 0, ok.stderr
    assert "Running fixture for: payment" in ok.stdout
    refused = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=CLI_TIMEOUT_SECONDS)
    assert refused.returncode == 1
    assert "payment_method_types_no_longer_supported" in refused.stderr
    missing = subprocess.run([*command[:-1], str(tmp_path / "nope.json")], cwd=tmp_path,
                             env=env, capture_output=True, text=True,
                             timeout=CLI_TIMEOUT_SECONDS)
    assert missing.returncode == 2 and "cannot read" in missing.stderr  # refused: exit 2
    assert "Traceback" not in missing.stderr + refused.stderr


def test_fixtures_over_http_on_a_server_with_an_older_default(tmp_path: Path) -> None:
    """`serve --default-api-version 2024-06-20` and `fixtures --api-base`: the fixture sends no
    Stripe-Version, so the server's default applies; --api-version endive is refused."""
    env = {**os.environ, "KIT_EMULATOR_DB": str(tmp_path / "served.sqlite3")}
    with running("helpers.emulator", "serve", "--default-api-version", "2024-06-20",
                 env=env) as base:
        key = "sk_test_emulator_fixturehttp"
        ok = run(PAY, api_base=base, api_key=key, cwd=tmp_path)
        assert ok.ok, ok.error
        assert ok.responses["first_event"]["api_version"] == "2024-06-20"
        refused = run(PAY, api_base=base, api_key=key, api_version=LATEST, cwd=tmp_path)
        assert "payment_method_types_no_longer_supported" in (refused.error or "")
