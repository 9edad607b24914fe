"""README: every notebook is listed, and the Binder badge is a placeholder or a real link.

The Binder block is filled by `python3 scripts/binder_badge.py` (tested here on a copy).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
try:
    import binder_badge
finally:
    sys.path.remove(str(ROOT / "scripts"))

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_readme_links_every_notebook(notebook: str) -> None:
    assert f"(notebooks/{notebook})" in README, f"README's notebook table misses {notebook}"


def test_binder_block_is_a_placeholder_or_a_real_badge() -> None:
    block = README.split(binder_badge.START, 1)[1].split(binder_badge.END, 1)[0].strip()
    assert block == binder_badge.PLACEHOLDER or re.fullmatch(
        r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]"
        r"\(https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/HEAD\?urlpath=\S+\)\n.*", block, re.S)
    assert "OWNER/REPO/HEAD" not in README, "a badge pointing at OWNER/REPO is a dead link"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_one_command_fills_the_badge_and_removes_it_again(copy: Path) -> None:
    assert binder_badge.main(["someone/stripe-kit"], root=copy) == 0
    text = (copy / "README.md").read_text(encoding="utf-8")
    assert ("https://mybinder.org/v2/gh/someone/stripe-kit/HEAD?urlpath="
            "voila/render/notebooks/06_workshop_app.ipynb") in text
    assert binder_badge.PLACEHOLDER not in text
    assert binder_badge.main(["--remove"], root=copy) == 0
    assert (copy / "README.md").read_text(encoding="utf-8") == README.replace(
        README.split(binder_badge.START, 1)[1].split(binder_badge.END, 1)[0],
        f"\n{binder_badge.PLACEHOLDER}\n")


def test_the_badge_follows_the_origin_remote(copy: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("no git")
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:acme/kit-fork.git"],
                   cwd=copy, check=True)
    assert binder_badge.main([], root=copy) == 0
    assert "/v2/gh/acme/kit-fork/HEAD" in (copy / "README.md").read_text(encoding="utf-8")


def test_no_origin_and_bad_slugs_get_a_message(copy: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="pass OWNER/REPO"):
        binder_badge.main([], root=copy)  # not a git repository
    assert binder_badge.main(["not a slug"], root=copy) == 2
    assert "is not OWNER/REPO" in capsys.readouterr().err
