"""What a fixture file must look like before any of it runs, and what it may send.

Each problem is one line naming the fixture and the field, so a malformed file (a list where
an object belongs, params nested hundreds deep, a line break in a path or a header) is refused
before the first request instead of failing with a traceback half-way through.
"""

from __future__ import annotations

import re
from typing import Any

from . import dotenv_file
from .forms import MAX_DEPTH

SUPPORTED_TEMPLATE_VERSION = 0  # the only one the Stripe CLI has
METHODS = ("get", "post", "delete")
SCALARS = (str, int, float, bool)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_PATH = re.compile(r"/[\x21-\x7e]*")  # printable ASCII, no spaces: what an HTTP request line takes


class FixtureError(Exception):
    """The file cannot be run as written (bad JSON, an unknown reference, a bad path)."""


def check_file(data: Any) -> None:
    """Refuse a fixture file whose shape the runner cannot use."""
    if not isinstance(data, dict) or not isinstance(data.get("fixtures"), list):
        raise FixtureError("a fixture file is a JSON object with a `fixtures` list")
    meta = data.get("_meta")
    if meta is not None and not isinstance(meta, dict):
        raise FixtureError("`_meta` must be an object")
    version = (meta or {}).get("template_version", 0)
    if (isinstance(version, bool) or not isinstance(version, int)
            or version > SUPPORTED_TEMPLATE_VERSION):
        raise FixtureError(f"Fixture version not supported: {version}")
    env = data.get("env")
    if env is not None:
        if not isinstance(env, dict):
            raise FixtureError("`env` must be an object of NAME: value")
        for key, value in env.items():
            try:
                dotenv_file.check_key(key)
            except dotenv_file.DotenvError as exc:
                raise FixtureError(f"`env`: {exc}") from None
            if not isinstance(value, SCALARS):
                raise FixtureError(f"`env`: the value of {key} must be a string")
    for index, step in enumerate(data["fixtures"]):
        _check_step(index, step)


def _check_step(index: int, step: Any) -> None:
    where = f"fixture #{index + 1}"
    if not isinstance(step, dict) or not step.get("name") or not step.get("path"):
        raise FixtureError(f"{where} needs a `name` and a `path`")
    if not isinstance(step["name"], str):
        raise FixtureError(f"{where}: `name` must be a string")
    where = f"fixture {step['name']!r}"
    if not isinstance(step["path"], str):
        raise FixtureError(f"{where}: `path` must be a string")
    method = step.get("method")
    if method is not None and (not isinstance(method, str) or method.lower() not in METHODS):
        raise FixtureError(f"{where}: `method` must be one of {', '.join(METHODS)},"
                           f" not {method!r}")
    params = step.get("params")
    if params is not None and not isinstance(params, dict):
        raise FixtureError(f"{where}: `params` must be an object")
    depth = _depth(params)
    if depth > MAX_DEPTH:
        raise FixtureError(f"{where}: `params` nest {depth} levels deep; the API takes at most"
                           f" {MAX_DEPTH}")
    headers = step.get("headers")
    if headers is not None and (not isinstance(headers, dict)
                                or not all(isinstance(v, SCALARS) for v in headers.values())):
        raise FixtureError(f"{where}: `headers` must be an object of Name: value")
    for field in ("idempotency_key", "expected_error_type"):
        if step.get(field) is not None and not isinstance(step[field], SCALARS):
            raise FixtureError(f"{where}: `{field}` must be a string")


def _depth(value: Any) -> int:
    """How deeply objects and lists nest (without recursion: the file may be very deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack += [(child, depth + 1) for child in node.values()]
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack += [(child, depth + 1) for child in node]
    return deepest


def check_path(name: str, path: str) -> None:
    """A resolved path an HTTP request line can carry."""
    if not _PATH.fullmatch(path):
        raise FixtureError(f"fixture {name!r}: path {path!r} must be printable ASCII with no"
                           " spaces or line breaks (percent-encode anything else)")


def check_headers(name: str, headers: dict[str, str]) -> None:
    """Resolved headers that cannot split or break the request."""
    for header, value in headers.items():
        if not _HEADER_NAME.fullmatch(header):
            raise FixtureError(f"fixture {name!r}: {header!r} is not a header name")
        if _HEADER_VALUE_BAD.search(value) or not value.isascii():
            raise FixtureError(f"fixture {name!r}: the {header} header must be printable ASCII"
                               " on one line")
