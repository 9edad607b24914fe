"""Reading and updating `./.env` for fixture files, exactly and without injected lines.

Read with python-dotenv, as the kit reads its keys (helpers/backend.py), but without
interpolation: `${HOME}` inside .env must not become a way to read the process environment.

Written one line per key, double-quoted with python-dotenv's escapes (`\\\\ \\" \\n \\r \\t…`), so
that `dotenv_values` reads back exactly the value and no value can start a line of its own.
python-dotenv's `set_key` is not used: its quoting keeps a newline as a real line break (a
line-based reader then sees the rest as a line of its own) and loses a lone `\\r`.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE = re.compile(r"[A-Za-z0-9_.:/@+,-]*")  # written without quotes, read back as is
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a",
            "\b": "\\b", "\f": "\\f", "\v": "\\v"}
# Characters python-dotenv has no escape for, that some readers take for line breaks or drop.
_UNWRITABLE = re.compile(r"[\x00-\x06\x0e-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")
# python-dotenv expands `${NAME}` and `${NAME:-default}` in every value it reads, quoted or not,
# and has no escape for it: such a value cannot be written so that it reads back the same.
_EXPANDED = re.compile(r"\$\{[^}:]*(?::-[^}]*)?\}")


class DotenvError(ValueError):
    """A key or value that cannot be written to .env exactly."""


def read(path: Path) -> dict[str, str]:
    """The values of `path` (empty if there is no such file)."""
    if not path.is_file():
        return {}
    try:
        values = dotenv_values(path, interpolate=False, encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise DotenvError(f"cannot read {path}: {exc}") from None
    return {key: value for key, value in values.items() if value is not None}


def quoted(value: str) -> str:
    """`value` as one .env line's right-hand side that python-dotenv reads back exactly."""
    if _UNWRITABLE.search(value):
        raise DotenvError("it contains a control character .env files cannot hold")
    if _EXPANDED.search(value):
        raise DotenvError("it contains `${…}`, which python-dotenv would expand when reading it")
    if _BARE.fullmatch(value):
        return value
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


def check_key(key: str) -> None:
    if not KEY.fullmatch(key):
        raise DotenvError(f"{key!r} is not a variable name (letters, digits and _)")


def update(path: Path, values: dict[str, str]) -> bool:
    """Set `values` in an existing `path`, other lines untouched; False if there is none.

    As the Stripe CLI does, only an existing .env is updated, and never through a symlink.
    Every key and value is checked before anything is written.
    """
    lines = {}
    for key, value in values.items():
        check_key(key)
        try:
            lines[key] = f"{key}={quoted(value)}\n"
        except DotenvError as exc:
            raise DotenvError(f"the value of {key} cannot be written to .env: {exc}") from None
    if not path.is_file() or path.is_symlink():
        return False
    with path.open(encoding="utf-8", newline="") as existing:
        text = existing.read()
    kept: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        if binding.key not in lines:
            kept.append(original if original.endswith(("\n", "\r")) else original + "\n")
        elif lines[binding.key]:  # the first line of that key; any later one is dropped
            kept.append(lines[binding.key])
            lines[binding.key] = ""
    kept += [line for line in lines.values() if line]
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".env.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write("".join(kept))
        os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
