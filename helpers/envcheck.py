"""Notebook 00's environment check: what is installed, what is missing, how to fix it."""

from __future__ import annotations

import importlib.metadata as metadata
import sys
from dataclasses import dataclass
from pathlib import Path

from .display import Table

REPO_ROOT = Path(__file__).resolve().parents[1]
FIX = "run `python3 kit.py` from the repository root (it installs everything into .venv)"
# (distribution, why the kit needs it)
PACKAGES = (
    ("stripe", "the real Stripe library, used in both modes"),
    ("jupyterlab", "the notebooks' home"),
    ("ipywidgets", "interactive widgets"),
    ("anywidget", "the Payment Element widget"),
    ("voila", "serving notebooks as apps"),
    ("pydantic", "the emulator's request validation"),
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _package(name: str, why: str) -> Check:
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return Check(name, False, f"missing ({why})", FIX)
    return Check(name, True, f"installed {version}")


def _labextension(name: str, folder: str) -> Check:
    path = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / folder
    if path.is_dir():
        return Check(f"{name} front-end", True, "installed")
    return Check(f"{name} front-end", False, "missing: widgets will not display",
                 f"reinstall {name} into this environment ({FIX})")


def checks() -> list[Check]:
    python_ok = sys.version_info >= (3, 11)
    found = [Check("python", python_ok, f"installed {sys.version.split()[0]}",
                   "" if python_ok else "install Python 3.11 or newer")]
    found += [_package(name, why) for name, why in PACKAGES]
    found += [_labextension("anywidget", "anywidget"),
              _labextension("ipywidgets", "@jupyter-widgets/jupyterlab-manager")]
    kit_dir = REPO_ROOT / ".kit"
    try:
        kit_dir.mkdir(exist_ok=True)
        probe = kit_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        found.append(Check("emulator storage", True, "writable (.kit/)"))
    except OSError as exc:
        found.append(Check("emulator storage", False, f"not writable: {exc.strerror}",
                           "run the kit from a folder you can write to"))
    return found


def check_environment() -> Table:
    """A table of what the kit needs, each with ✓ or ✗ and, when missing, how to fix it."""
    rows = [("✓" if c.ok else "✗", c.name, c.detail, c.fix) for c in checks()]
    missing = sum(1 for c in checks() if not c.ok)
    title = "Everything the kit needs is here." if not missing else \
        f"{missing} thing(s) missing: see the 'how to fix' column."
    return Table(rows, ("", "component", "status", "how to fix"), title)
