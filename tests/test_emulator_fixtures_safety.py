"""Fixture files are data: they read only ./.env, send nothing off the machine while offline,
write .env values that read back exactly, and a malformed one is one clear line (issue 19,
finding 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from local_servers import free_port

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, dotenv_file
from helpers.emulator.fixtures import References, run

CLI_TIMEOUT_SECONDS = 120  # one fixtures command, cold imports on a busy machine
OUTSIDE = "https://collector.example.test/hook"


def customer_named(text: str) -> dict[str, Any]:
    return {"fixtures": [{"name": "c", "path": "/v1/customers", "method": "post",
                          "params": {"name": text}}]}


# ${.env:NAME} ------------------------------------------------------------------------------
def test_env_references_read_only_dotenv_by_default(emulator: Emulator, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_PROCESS_ONLY", "from-the-process")
    (tmp_path / ".env").write_text("IN_FILE='from the file'\nEXPANDS=${KIT_PROCESS_ONLY}\n")
    assert References({}, tmp_path)("${.env:KIT_PROCESS_ONLY}") == "${.env:KIT_PROCESS_ONLY}"
    assert References({}, tmp_path)("${.env:IN_FILE}") == "from the file"
    # .env's own ${…} is not expanded either: it would read the process environment
    assert References({}, tmp_path)("${.env:EXPANDS}") == "${KIT_PROCESS_ONLY}"
    result = run(customer_named("${.env:KIT_PROCESS_ONLY}"), emulator=emulator, cwd=tmp_path)
    assert result.ok and result.responses["c"]["name"] == "${.env:KIT_PROCESS_ONLY}"
    allowed = run(customer_named("${.env:KIT_PROCESS_ONLY}"), emulator=emulator, cwd=tmp_path,
                  allow_process_env=True)
    assert allowed.responses["c"]["name"] == "from-the-process"


# sending off the machine -----------------------------------------------------------------
def endpoint_step(url: str) -> dict[str, Any]:
    return {"name": "hook", "path": "/v1/webhook_endpoints", "method": "post",
            "params": {"url": url, "enabled_events": ["*"]}}


def endpoints(emulator: Emulator) -> list[dict[str, Any]]:
    return emulator.request("GET", "/v1/webhook_endpoints", {}, DEFAULT_SECRET_KEY).body["data"]


def test_an_outside_webhook_endpoint_is_refused_offline(emulator: Emulator,
                                                        tmp_path: Path) -> None:
    data = {"fixtures": [endpoint_step(OUTSIDE), customer_named("${.env:SECRET}")["fixtures"][0]]}
    result = run(data, emulator=emulator, cwd=tmp_path)
    assert result.refused and not result.steps
    assert "collector.example.test" in result.error and "--allow-outward" in result.error
    assert endpoints(emulator) == []
    allowed = run({"fixtures": [endpoint_step(OUTSIDE)]}, emulator=emulator, cwd=tmp_path,
                  allow_outward=True)
    assert allowed.ok and endpoints(emulator)[0]["url"] == OUTSIDE


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost:9/hook",
                                 "http://[::1]:9/hook"])
def test_a_local_webhook_endpoint_is_fine(emulator: Emulator, tmp_path: Path, url: str) -> None:
    assert run({"fixtures": [endpoint_step(url)]}, emulator=emulator, cwd=tmp_path).ok


def test_moving_an_endpoint_outside_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    data = {"fixtures": [endpoint_step("http://127.0.0.1:9/hook"),
                         {"name": "move", "path": "/v1/webhook_endpoints/${hook:id}",
                          "method": "post", "params": {"url": OUTSIDE}}]}
    result = run(data, emulator=emulator, cwd=tmp_path)
    assert result.refused and "'move' refused" in result.error
    assert endpoints(emulator)[0]["url"] == "http://127.0.0.1:9/hook"


def test_an_existing_outside_endpoint_stops_an_offline_run(emulator: Emulator,
                                                           tmp_path: Path) -> None:
    emulator.request("POST", "/v1/webhook_endpoints", {"url": OUTSIDE, "enabled_events": ["*"]},
                     DEFAULT_SECRET_KEY)
    result = run(customer_named("x"), emulator=emulator, cwd=tmp_path)
    assert result.refused and not result.steps and "--allow-outward" in result.error
    customers = emulator.request("GET", "/v1/customers", {}, DEFAULT_SECRET_KEY).body["data"]
    assert customers == []


# --update-env ----------------------------------------------------------------------------
INJECTIONS = ["a\nSTRIPE_SECRET_KEY=sk_test_emulator_injected\nKIT_BACKEND=stripe",
              "it's \"quoted\"", "back\\slash\\n", "cr\ronly", "tab\there", " padded ",
              "# not a comment", "$HOME and $(whoami)", "ünïcode ✓", "", "x=y"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_update_env_writes_values_that_read_back_exactly(emulator: Emulator, tmp_path: Path,
                                                         value: str) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("KEEP=1\nCUSTOMER=old\n")
    data = {"fixtures": customer_named(value)["fixtures"], "env": {"CUSTOMER": "${c:name}"}}
    result = run(data, emulator=emulator, cwd=tmp_path, write_env=True)
    assert result.ok, result.error
    expected = value or "${c:name}"  # an empty answer leaves the reference as written
    assert dotenv_values(dotenv) == {"KEEP": "1", "CUSTOMER": expected}
    assert len(dotenv.read_text().splitlines()) == 2  # nothing started a line of its own


WRITABLE = st.text(st.characters(blacklist_categories=("Cs",),
                                 blacklist_characters="\x85\u2028\u2029\x7f"
                                 + "".join(map(chr, [*range(0, 7), *range(14, 32)]))))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=WRITABLE)
def test_any_writable_value_reads_back_exactly(tmp_path: Path, value: str) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("KEEP=1\n")
    try:
        dotenv_file.update(dotenv, {"VALUE": value})
    except dotenv_file.DotenvError:
        assert "${" in value  # only what python-dotenv would expand is refused
        return
    assert dotenv_values(dotenv) == {"KEEP": "1", "VALUE": value}
    assert len(dotenv.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize("env, words", [
    ({"A\nSTRIPE_SECRET_KEY": "x"}, "is not a variable name"),
    ({"A=B": "x"}, "is not a variable name"),
    ({"V": "nul\x00byte"}, "control character"),
    ({"V": "${HOME}"}, "would expand"),
])
def test_unwritable_env_is_refused_before_writing(emulator: Emulator, tmp_path: Path,
                                                  env: dict[str, str], words: str) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("KEEP=1\n")
    result = run({"fixtures": [], "env": env}, emulator=emulator, cwd=tmp_path, write_env=True)
    assert result.refused and words in result.error
    assert dotenv.read_text() == "KEEP=1\n"


# malformed files -------------------------------------------------------------------------
def nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": "x"}
    for _ in range(depth):
        node = {"a": node}
    return node


STEP = {"name": "c", "path": "/v1/customers", "method": "post"}
MALFORMED: dict[str, tuple[str, str]] = {
    "json_100k_deep": ("[" * 100_000 + "]" * 100_000, "nests JSON too deeply"),
    "params_900_deep": (json.dumps({"fixtures": [{**STEP, "params": nested(900)}]}),
                        "nest 901 levels deep"),
    "headers_a_list": (json.dumps({"fixtures": [{**STEP, "headers": ["X-A: 1"]}]}),
                       "`headers` must be an object"),
    "crlf_in_path": (json.dumps({"fixtures": [{**STEP, "path": "/v1/customers\r\nX-A: 1"}]}),
                     "must be printable ASCII"),
    "crlf_in_header": (json.dumps({"fixtures": [{**STEP, "headers": {"X-A": "1\r\nX-B: 2"}}]}),
                       "header must be printable ASCII on one line"),
    "header_name_with_space": (json.dumps({"fixtures": [{**STEP, "headers": {"X A": "1"}}]}),
                               "is not a header name"),
    "env_a_list": (json.dumps({"fixtures": [], "env": ["A=1"]}), "`env` must be an object"),
    "params_a_string": (json.dumps({"fixtures": [{**STEP, "params": "name=x"}]}),
                        "`params` must be an object"),
    "method_not_http": (json.dumps({"fixtures": [{**STEP, "method": "post\r\n"}]}),
                        "`method` must be one of"),
    "name_an_object": (json.dumps({"fixtures": [{**STEP, "name": {"a": 1}}]}),
                       "`name` must be a string"),
    "meta_a_list": (json.dumps({"_meta": [], "fixtures": []}), "`_meta` must be an object"),
    "version_a_string": (json.dumps({"_meta": {"template_version": "0"}, "fixtures": []}),
                         "Fixture version not supported"),
    "top_level_list": ("[]", "JSON object with a `fixtures` list"),
    "huge_integer": ('{"fixtures": [], "x": ' + "9" * 5000 + "}", "is not valid JSON"),
    "not_utf8": ("\udcff", "is not valid JSON"),
}


def write_malformed(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.json"
    text = MALFORMED[name][0]
    path.write_bytes(b"\xff{" if text == "\udcff" else text.encode())
    return path


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_one_clear_line(emulator: Emulator, tmp_path: Path,
                                            name: str) -> None:
    result = run(write_malformed(tmp_path, name), emulator=emulator, cwd=tmp_path)
    assert result.refused and not result.steps
    assert MALFORMED[name][1] in result.error and "\n" not in result.error


def test_the_cli_answers_malformed_files_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    paths = [str(write_malformed(tmp_path, name)) for name in sorted(MALFORMED)]
    env = {**os.environ, "KIT_EMULATOR_DB": str(tmp_path / "kit.sqlite3")}
    done = subprocess.run([sys.executable, "-m", "helpers.emulator", "fixtures", *paths],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_SECONDS)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == len(MALFORMED) and all(" failed: " in line for line in lines)


def test_the_cli_documents_and_honours_its_flags(tmp_path: Path) -> None:
    env = {**os.environ, "KIT_EMULATOR_DB": str(tmp_path / "kit.sqlite3"),
           "KIT_PROCESS_ONLY": "from-the-process"}
    command = [sys.executable, "-m", "helpers.emulator", "fixtures"]
    shown = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True,
                           timeout=CLI_TIMEOUT_SECONDS)
    assert "--allow-process-env" in shown.stdout and "--allow-outward" in shown.stdout
    fixture = tmp_path / "f.json"
    fixture.write_text(json.dumps({"fixtures": [endpoint_step(OUTSIDE)]}))
    refused = subprocess.run([*command, str(fixture)], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)
    assert refused.returncode == 2 and "--allow-outward" in refused.stderr
    fixture.write_text(json.dumps({"fixtures": [], "env": {"V": "${.env:KIT_PROCESS_ONLY}"}}))
    read = subprocess.run([*command, str(fixture), "--allow-process-env"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)
    assert read.returncode == 0 and "env V=from-the-process" in read.stdout


def test_a_server_that_does_not_answer_is_a_failed_run(tmp_path: Path) -> None:
    result = run(customer_named("x"), api_base=f"http://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert not result.ok and not result.refused and "no answer" in result.error


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12)
STEPS = st.fixed_dictionaries({"name": st.text(min_size=1, max_size=5) | JSON,
                               "path": st.sampled_from(["/v1/customers", "/v1/customers/${c:id}",
                                                        "/v1/webhook_endpoints"]) | JSON},
                              optional={"method": st.sampled_from(["get", "post"]) | JSON,
                                        "params": JSON, "headers": JSON, "env": JSON,
                                        "idempotency_key": JSON, "expected_error_type": JSON})


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, max_size=3), env=JSON, meta=JSON)
def test_no_fixture_shape_raises(emulator: Emulator, tmp_path: Path, steps: list, env: Any,
                                 meta: Any) -> None:
    result = run({"_meta": meta, "fixtures": steps, "env": env}, emulator=emulator,
                 cwd=tmp_path)
    assert result.ok or (result.error and "\n" not in result.error)


def test_re_enabling_an_outside_endpoint_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    created = emulator.request("POST", "/v1/webhook_endpoints",
                               {"url": OUTSIDE, "enabled_events": ["*"]}, DEFAULT_SECRET_KEY)
    endpoint_id = created.body["id"]
    emulator.request("POST", f"/v1/webhook_endpoints/{endpoint_id}", {"disabled": "true"},
                     DEFAULT_SECRET_KEY)
    data = {"fixtures": [{"name": "enable", "path": f"/v1/webhook_endpoints/{endpoint_id}",
                          "method": "post", "params": {"disabled": False}}]}
    result = run(data, emulator=emulator, cwd=tmp_path)
    assert result.refused and "'enable' refused" in result.error
    assert endpoints(emulator)[0]["status"] == "disabled"
