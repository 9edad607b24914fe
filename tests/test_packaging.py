"""Packaging checks: the ways into the kit (kit.py, CI, conda/Binder) stay in step with each other.

Why: the kit has three install paths (kit.py's venv, environment.yml for Binder/conda, CI's
.ci/run). They drift silently unless a test compares them.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml  # PyYAML ships with Jupyter (jupyter_events depends on it)
from support.env import clean_env

ROOT = Path(__file__).resolve().parents[1]
# Split so that no file in the repo holds a live-key-shaped string (see test_no_secrets.py).
FAKE_LIVE_KEY = "sk_live_" + "FAKEfake0123456789abcdefXYZ"
FAKE_LIVE_PK = "pk_live_" + "FAKEfake0123456789abcdefXYZ"


def pyproject_dependencies() -> list[str]:
    """pyproject.toml's [project].dependencies, the single source of truth for runtime deps."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def readme_test_command() -> str:
    """The command in README's fenced block marked `kit:test-command`: what users are told."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!--\s*kit:test-command\b[^>]*-->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert match, "README.md needs a fenced block right after <!-- kit:test-command -->"
    lines = [ln.strip() for ln in match.group(1).splitlines() if ln.strip()]
    assert len(lines) == 1, f"the test-command block must hold exactly one command, got {lines}"
    return lines[0]


def test_environment_yml_matches_pyproject() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["name"] == "stripe-kit"
    assert env["channels"] == ["conda-forge"]
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda_deps
    assert "pip" in conda_deps
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip: section"
    pip_deps = [str(d).strip() for d in pip_sections[0]]
    assert "-e ." in pip_deps, "Binder must install the kit itself (-e .)"
    listed = [d for d in pip_deps if d != "-e ."]
    assert len(listed) == len(set(listed)), f"duplicates in environment.yml: {listed}"
    assert sorted(listed) == sorted(pyproject_dependencies()), (
        "environment.yml's pip list must equal pyproject.toml's [project].dependencies "
        "(same names, same specifiers)"
    )


def test_ci_runs_the_readme_test_command() -> None:
    command = readme_test_command()
    assert command == "python3 kit.py test"
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK), ".ci/run must be executable"
    lines = [ln.strip() for ln in ci.read_text(encoding="utf-8").splitlines()]
    code = [ln for ln in lines if ln and not ln.startswith("#")]
    assert "set -euo pipefail" in code
    runs = [ln for ln in code if ln in (command, f"exec {command}")]
    assert runs, f".ci/run must run exactly the README test command: {command!r}"
    others = [ln for ln in code if "kit.py" in ln and ln not in runs]
    assert not others, f".ci/run calls kit.py differently from README: {others}"


def test_ci_script_is_tracked_executable() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-s", ".ci/run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    if not out:
        pytest.skip(".ci/run not committed yet")
    assert out.split()[0] == "100755", "commit .ci/run with its executable bit (git mode 100755)"


def test_gitignore_ignores_dotenv() -> None:
    if shutil.which("git") and (ROOT / ".git").exists():
        result = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", ".env"], cwd=ROOT, capture_output=True
        )
        assert result.returncode == 0, ".env must be git-ignored (it holds Stripe keys)"
    else:
        patterns = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        assert any(p.strip() in (".env", "/.env") for p in patterns)


def test_env_example_has_empty_test_keys() -> None:
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    assert values == {"STRIPE_SECRET_KEY": "", "STRIPE_PUBLISHABLE_KEY": ""}


def test_kit_py_uses_only_the_standard_library() -> None:
    """kit.py runs before any venv exists, so a third-party import would break the first run."""
    tree = ast.parse((ROOT / "kit.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    assert names - set(sys.stdlib_module_names) - {"__future__"} == set()


def _kit_env(**extra: str) -> dict[str, str]:
    """The shell's environment without the keys and KIT_VENV (kit.py reads the rest as a
    learner's shell would have it)."""
    return clean_env(prefixes=(), names=("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
                                         "KIT_VENV"), **extra)


def _assert_refused(result: subprocess.CompletedProcess[str], venv: Path) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "live key" in output.lower()
    for key in (FAKE_LIVE_KEY, FAKE_LIVE_PK):
        assert key not in output, "kit.py printed a key in full"
    assert not venv.exists(), "kit.py did work (created the venv) before refusing the live key"


def test_kit_refuses_live_key_from_environment_before_doing_anything(tmp_path: Path) -> None:
    venv = tmp_path / "must-not-exist"
    result = subprocess.run(
        [sys.executable, str(ROOT / "kit.py"), "--venv", str(venv)],
        cwd=tmp_path, env=_kit_env(STRIPE_SECRET_KEY=FAKE_LIVE_KEY),
        capture_output=True, text=True, timeout=60,
    )
    _assert_refused(result, venv)


@pytest.mark.parametrize("command", ["lab", "test", "voila", "regenerate"])
def test_kit_refuses_live_key_from_dotenv(tmp_path: Path, command: str) -> None:
    """A live key in .env is refused too, for every command (copy of kit.py in a scratch dir)."""
    shutil.copy(ROOT / "kit.py", tmp_path / "kit.py")
    (tmp_path / ".env").write_text(
        f"export STRIPE_SECRET_KEY={FAKE_LIVE_KEY}\nSTRIPE_PUBLISHABLE_KEY='{FAKE_LIVE_PK}'\n",
        encoding="utf-8",
    )
    venv = tmp_path / "must-not-exist"
    result = subprocess.run(
        [sys.executable, str(tmp_path / "kit.py"), command, "--venv", str(venv)],
        cwd=tmp_path, env=_kit_env(), capture_output=True, text=True, timeout=60,
    )
    _assert_refused(result, venv)
