"""Run Stripe CLI fixture files (`stripe fixtures FILE.json`) against the emulator.

People already have fixture files: the Stripe CLI's own `stripe trigger` ones, or their own.
This runs them the way the CLI does, so they work offline too:

    python -m helpers.emulator fixtures my_fixture.json [--api-version V]
    python -m helpers.emulator fixtures my_fixture.json --api-base URL --api-key KEY

    from helpers.emulator.fixtures import run_file
    result = run_file("my_fixture.json")          # the kit's emulator, in this process
    result.ok, result.responses["payment_intent"]["id"]

The format (learned from the CLI's pkg/fixtures and pkg/parsers):
- `_meta`: `template_version` (only 0 exists; higher is refused), `exclude_metadata` (read, and
  unused, as by the CLI).
- `fixtures`: requests run in order, each `{name, path, method, params}` and optionally
  `expected_error_type` (an error of that `type` does not stop the run), `idempotency_key`,
  `headers`.
- References in paths, params, headers and env values: `${name:path.to.field}` reads an earlier
  response (`data.0.id` indexes a list, `data.#` is its length), `${name:field|default}` falls
  back to `default`, `${.env:VAR}` reads ./.env, and `${time-now-RFC3339}`,
  `${generate-uuid}` as the CLI has them. A reference that finds nothing is left as written,
  as the CLI leaves it.
- `env`: values resolved after the run (returned in `RunResult.env`); the CLI writes them into
  an existing ./.env, which this does only when asked (`write_env=True`, `--update-env`),
  quoted so that each value reads back exactly and stays on its own line (dotenv_file.py).

Where this differs from the CLI, on purpose: a fixture file is data someone else may have
written, and it can carry what it reads. So `${.env:VAR}` reads the process environment too
(as the CLI does) only with `allow_process_env=True` (`--allow-process-env`); and while the run
is offline (the emulator in this process, or `--api-base` on this machine) a step that would
make the emulator send data off the machine (a webhook endpoint created or moved to a
non-local URL, or any step while such an endpoint exists) is refused unless
`allow_outward=True` (`--allow-outward`). A malformed file is refused before its first request
(fixture_checks.py), with one line saying what is wrong (`RunResult.refused`).

No `Stripe-Version` is sent unless `api_version` is given, so the account's default version
applies, as with `stripe fixtures`.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import dotenv_file
from .fixture_checks import (  # noqa: F401 - SUPPORTED_TEMPLATE_VERSION: the public name
    SUPPORTED_TEMPLATE_VERSION,
    FixtureError,
    check_file,
    check_headers,
    check_path,
)
from .urls import is_local

if TYPE_CHECKING:
    from .core import Emulator

REFERENCE = re.compile(r"\$\{([^:}|]+):([^}|]+)(?:\|([^}]*))?\}")
HTTP_TIMEOUT_SECONDS = 60.0  # one API call to a served emulator; generous
ENDPOINT_PATH = re.compile(r"/v1/webhook_endpoints(/[^/]+)?")
OUTWARD_HINT = ("fixture files can carry values read from .env, so while offline nothing leaves"
                " this machine unless you allow it: --allow-outward (run(..., allow_outward="
                "True))")


@dataclass
class StepResult:
    name: str
    method: str
    path: str
    status: int
    body: dict[str, Any]
    expected_error: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 or self.expected_error


@dataclass
class RunResult:
    file: str
    steps: list[StepResult] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # why the run stopped, if it did
    refused: bool = False  # stopped by the file itself (malformed, or a refused step)

    @property
    def ok(self) -> bool:
        return self.error is None and all(step.ok for step in self.steps)

    @property
    def responses(self) -> dict[str, dict[str, Any]]:
        return {step.name: step.body for step in self.steps}


# encoding parameters as the CLI does ----------------------------------------------------
def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None  # null and anything else: left out, as the CLI does


def form_pairs(params: Any, resolve: Callable[[str], str], parent: str = "",
               index: int = -1) -> list[tuple[str, str]]:
    """Params as the CLI form-encodes them: scalars in a list as `a[]`, objects as `a[0][k]`."""
    pairs: list[tuple[str, str]] = []
    if isinstance(params, dict):
        for key, value in params.items():
            name = (f"{parent}[{index}][{key}]" if parent and index >= 0
                    else f"{parent}[{key}]" if parent else str(key))
            if isinstance(value, dict):
                pairs += form_pairs(value, resolve, name)
            elif isinstance(value, list):
                pairs += _list_pairs(value, resolve, name)
            else:
                text = _scalar(value)
                if text is not None:
                    pairs.append((name, resolve(text) if isinstance(value, str) else text))
    elif isinstance(params, list):
        pairs += _list_pairs(params, resolve, parent)
    return pairs


def _list_pairs(items: list[Any], resolve: Callable[[str], str],
                parent: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    index = -1
    for value in items:
        if isinstance(value, dict):
            index += 1
            pairs += form_pairs(value, resolve, parent, index)
        elif isinstance(value, list):
            pairs += _list_pairs(value, resolve, parent)
        elif isinstance(value, str):  # the CLI sends only strings from a list of scalars
            pairs.append((f"{parent}[]", resolve(value)))
    return pairs


# references ---------------------------------------------------------------------------
def lookup(obj: Any, path: str) -> Any:
    """A gjson-style path: `a.b`, `data.0.id`, `data.#` (a list's length)."""
    for part in path.split("."):
        if isinstance(obj, list):
            if part == "#":
                obj = len(obj)
            elif part.isdigit() and int(part) < len(obj):
                obj = obj[int(part)]
            else:
                return None
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class References:
    """Resolves `${…}` against the responses so far and ./.env (and, if allowed, the process
    environment)."""

    def __init__(self, responses: dict[str, Any], cwd: Path,
                 allow_process_env: bool = False) -> None:
        self.responses = responses
        self.cwd = cwd
        self.allow_process_env = allow_process_env
        self._dotenv: dict[str, str] | None = None

    def dotenv(self) -> dict[str, str]:
        if self._dotenv is None:
            try:
                self._dotenv = dotenv_file.read(self.cwd / ".env")
            except dotenv_file.DotenvError as exc:
                raise FixtureError(str(exc)) from None
        return self._dotenv

    def __call__(self, text: str) -> str:
        if text == "${time-now-RFC3339}":
            return datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        if text == "${generate-uuid}":
            return str(uuid.uuid4())
        return REFERENCE.sub(self._one, text)

    def _one(self, match: re.Match[str]) -> str:
        name, path, default = match.group(1), match.group(2), match.group(3)
        if name == ".env":
            value = (os.environ.get(path) if self.allow_process_env else None) \
                or self.dotenv().get(path, "")
            return value or default or match.group(0)
        if name not in self.responses:
            similar = [known for known in self.responses
                       if name.replace("_", "") in known.replace("_", "")
                       or known.replace("_", "") in name.replace("_", "")]
            hint = f" Perhaps you meant one of: {', '.join(similar)}." if similar else ""
            raise FixtureError(f"an undeclared fixture name was referenced: {name}.{hint}")
        value = _as_text(lookup(self.responses[name], path))
        return value or default or match.group(0)


# sending ------------------------------------------------------------------------------
Sender = Callable[[str, str, list[tuple[str, str]], dict[str, str]], tuple[int, dict[str, Any]]]


def in_process(emulator: Emulator, api_key: str) -> Sender:
    """Send through `Emulator.request`, form-decoded exactly as the HTTP server decodes."""
    from . import forms

    def send(method: str, path: str, pairs: list[tuple[str, str]],
             headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        params = forms.decode(urllib.parse.urlencode(pairs, errors="replace"))
        answer = emulator.request(method, path, params, api_key, headers)
        return answer.status, answer.body

    return send


def over_http(api_base: str, api_key: str) -> Sender:
    """Send to a running server (the emulator's, or any Stripe-compatible base URL)."""
    base = api_base.rstrip("/")

    def send(method: str, path: str, pairs: list[tuple[str, str]],
             headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        encoded = urllib.parse.urlencode(pairs, errors="replace")
        url, data = base + path, None
        if method in ("GET", "DELETE"):
            url += ("?" + encoded) if encoded else ""
        else:
            data = encoded.encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/x-www-form-urlencoded", **headers})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                return response.status, _json_object(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json_object(exc.code, exc.read())
        except OSError as exc:  # refused, reset, timed out (URLError is an OSError)
            reason = getattr(exc, "reason", exc)
            raise RunStopped(f"{method} {base}{path}: no answer ({reason})") from None

    return send


def _json_object(status: int, raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        return body
    return {"error": {"type": "api_error", "message": f"HTTP {status} (not a JSON object)"}}


class RunStopped(Exception):
    """A request could not be made at all (the server did not answer)."""


# running ------------------------------------------------------------------------------
def load(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A fixture file's data, checked for what the runner needs."""
    if isinstance(source, dict):
        data = source
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FixtureError(f"cannot read {source}: {exc.strerror or exc}") from None
        except RecursionError:
            raise FixtureError(f"{source} nests JSON too deeply to read") from None
        except ValueError as exc:
            raise FixtureError(f"{source} is not valid JSON: {exc}") from None
    check_file(data)
    return data


def run(source: str | Path | dict[str, Any], *, emulator: Emulator | None = None,
        api_key: str | None = None, api_base: str | None = None,
        api_version: str | None = None, write_env: bool = False,
        cwd: str | Path | None = None, allow_process_env: bool = False,
        allow_outward: bool = False,
        echo: Callable[[str], None] | None = None) -> RunResult:
    """Run one fixture file; never raises for a bad file or a failed request (see `error`).

    On `api_base` over HTTP if given, else on `emulator` (default: the kit's emulator) in this
    process. `api_version` sends `Stripe-Version`; without it the account's default applies.
    `allow_process_env` lets `${.env:VAR}` read the process environment as well as ./.env;
    `allow_outward` lets an offline run send data off this machine (see the module docstring).
    """
    from .core import DEFAULT_SECRET_KEY
    from .triggers import LIVE_PREFIXES

    key = api_key or DEFAULT_SECRET_KEY
    result = RunResult(str(source) if not isinstance(source, dict) else "<fixture>")
    say = echo or (lambda line: None)
    if key.startswith(LIVE_PREFIXES):
        result.error = "a live-mode key: fixtures create real objects, so only test keys run them"
        return result
    try:
        data = load(source)
        if api_base:
            _check_api_base(api_base)
    except FixtureError as exc:
        result.error, result.refused = str(exc), True
        return result
    if api_base:
        send = over_http(api_base, key)
    else:
        if emulator is None:
            from . import get_emulator

            emulator = get_emulator()
        send = in_process(emulator, key)
    # Offline: the emulator, here or served on this machine. Elsewhere (Stripe itself), the
    # requests go where the user sent them and deliveries are that server's business.
    guard = (api_base is None or is_local(api_base)) and not allow_outward
    directory = Path(cwd) if cwd else Path.cwd()
    responses: dict[str, Any] = {}
    resolve = References(responses, directory, allow_process_env)
    try:
        if guard:
            _refuse_outward_endpoints(send)
        for step in data["fixtures"]:
            name = step["name"]
            say(f"Setting up fixture for: {name}")
            say(f"Running fixture for: {name}")
            outcome = _step(step, resolve, send, api_version, guard)
            result.steps.append(outcome)
            responses[name] = outcome.body
            if not outcome.ok:
                error = _error_of(outcome.body)
                result.error = (f"{name}: {outcome.method} {outcome.path} answered"
                                f" {outcome.status} {error.get('type', '')}"
                                f" {error.get('code') or ''}: {error.get('message', '')}")
                return result
        env = data.get("env") or {}
        result.env = {str(k): resolve(_scalar(v) or "") for k, v in env.items()}
        if write_env and result.env:
            dotenv_file.update(directory / ".env", result.env)
    except (FixtureError, dotenv_file.DotenvError) as exc:
        result.error, result.refused = str(exc), True
    except RunStopped as exc:
        result.error = str(exc)
    return result


def _error_of(body: dict[str, Any]) -> dict[str, Any]:
    error = body.get("error")
    return error if isinstance(error, dict) else {}


def _check_api_base(api_base: str) -> None:
    from .urls import unusable_reason

    reason = unusable_reason(api_base)
    if reason is not None or not api_base.startswith(("http://", "https://")):
        raise FixtureError(f"--api-base {api_base!r} is not a usable http(s) URL"
                           f"{f': {reason}' if reason else ''}")


def _refuse_outward_endpoints(send: Sender) -> None:
    """Offline, an existing endpoint off this machine would receive what the steps create."""
    status, body = send("GET", "/v1/webhook_endpoints", [("limit", "100")], {})
    if status != 200 or not isinstance(body.get("data"), list):
        return  # the account's key is refused, say: the first step reports it
    for endpoint in body["data"]:
        if not isinstance(endpoint, dict) or endpoint.get("status") != "enabled":
            continue
        url = endpoint.get("url")
        if isinstance(url, str) and not is_local(url):
            raise FixtureError(f"refused: webhook endpoint {endpoint.get('id')} sends every"
                               f" event it takes to {_host(url)}, which is not this machine;"
                               f" {OUTWARD_HINT}")


def _refuse_outward_step(name: str, method: str, path: str, pairs: list[tuple[str, str]],
                         send: Sender) -> None:
    """Creating an endpoint off this machine, moving one there, or re-enabling one there."""
    if method != "POST" or not ENDPOINT_PATH.fullmatch(path):
        return
    urls = [value for key, value in pairs if key == "url"]
    if not urls and path != "/v1/webhook_endpoints":  # an update that keeps its URL
        status, body = send("GET", path, [], {})
        urls = [body["url"]] if status == 200 and isinstance(body.get("url"), str) else []
    for url in urls:
        if not is_local(url):
            raise FixtureError(f"fixture {name!r} refused: it would make the emulator send"
                               f" webhook deliveries to {_host(url)}, which is not this"
                               f" machine; {OUTWARD_HINT}")


def _host(url: str) -> str:
    try:
        return repr(urllib.parse.urlsplit(url).hostname or url[:100])
    except ValueError:
        return repr(url[:100])


def _step(step: dict[str, Any], resolve: References, send: Sender,
          api_version: str | None, guard: bool) -> StepResult:
    name = step["name"]
    method = str(step.get("method") or "get").upper()
    path = _resolve_path(step["path"], resolve)
    check_path(name, path)
    if not (path.startswith("/v1/") or path.startswith("/v2/")):
        raise FixtureError(f"fixture path {step['path']!r} is not a valid Stripe API path"
                           " (must start with /v1/ or /v2/)")
    if path.startswith("/v2/"):
        raise FixtureError(f"{path}: the emulator serves only the v1 API")
    headers = {str(k): resolve(_scalar(v) or "") for k, v in (step.get("headers") or {}).items()}
    if step.get("idempotency_key"):
        headers["Idempotency-Key"] = resolve(_scalar(step["idempotency_key"]) or "")
    if api_version:
        headers["Stripe-Version"] = api_version
    check_headers(name, headers)
    pairs = form_pairs(step.get("params") or {}, resolve)
    if guard:
        _refuse_outward_step(name, method, path, pairs, send)
    status, body = send(method, path, pairs, headers)
    expected = step.get("expected_error_type")
    error_type = _error_of(body).get("type") if status >= 400 else None
    return StepResult(name, method, path, status, body,
                      expected_error=bool(expected) and error_type == expected)


def _resolve_path(path: str, resolve: References) -> str:
    resolved = resolve(path)
    # the CLI joins the parts with path.Join: a reference that found nothing keeps its text
    return re.sub(r"/{2,}", "/", resolved)


def run_file(path: str | Path, **options: Any) -> RunResult:
    """`run` for one file path (the Python API named in the module docstring)."""
    return run(path, **options)


def run_files(paths: list[str], **options: Any) -> list[RunResult]:
    return [run(path, **options) for path in paths]
