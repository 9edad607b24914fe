"""Learners work on their own copies: doing the lessons never turns `python3 kit.py test` red.

`python3 kit.py` (lab) copies the shipped lessons (notebooks/, solutions/ included) into the
git-ignored kit.WORKSPACE beside it and opens JupyterLab there; `python3 kit.py reset 03` puts
a lesson back as shipped, keeping the learner's copy as a backup beside it. The first tests use
a small kit in tmp_path; the last ones a copy of this checkout in which every lesson was run
with its solutions pasted in and saved as JupyterLab saves it (tests/learner_clone.py, the same
run test_exercise_convention checks the ✓ of), then ask the test command what it would check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from learner_clone import LearnerClone, copy_checkout, digests, learner_clone

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
try:
    import kit
finally:
    sys.path.remove(str(ROOT))

LESSONS = sorted(path.name for path in (ROOT / "notebooks").glob("0[0-5]_*.ipynb"))
COLLECT_TIMEOUT = 600  # seconds for `pytest --collect-only` of the whole suite, busy machine
RUFF_TIMEOUT = 120
WHEN = 1_800_000_000.0  # a fixed moment for backup names


# ---- a small kit in tmp_path ---------------------------------------------------------------

@pytest.fixture
def kit_root(tmp_path: Path) -> Path:
    """A repository root with two lessons, a solution, and clutter that is not a lesson."""
    shipped = tmp_path / kit.SHIPPED
    (shipped / "solutions").mkdir(parents=True)
    (shipped / "00_welcome.ipynb").write_text('{"lesson": 0}\n')
    (shipped / "03_client_side.ipynb").write_text('{"lesson": 3}\n')
    (shipped / "solutions" / "03-return-page.py").write_text("answer = 3\n")
    (shipped / ".ipynb_checkpoints").mkdir()
    (shipped / ".ipynb_checkpoints" / "00_welcome-checkpoint.ipynb").write_text("{}\n")
    (shipped / "solutions" / "__pycache__").mkdir()
    (shipped / "solutions" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return tmp_path


def work(root: Path, name: str) -> Path:
    return root / kit.WORKSPACE / name


def edit(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_first_launch_copies_every_lesson_file_and_leaves_the_shipped_ones_alone(
        kit_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped_before = digests(kit_root / kit.SHIPPED)
    kit.prepare_workspace(kit_root, kit.Progress())
    copied = digests(kit_root / kit.WORKSPACE)
    copied.pop(kit.WORKSPACE_RECORD)
    assert copied == {name: digest for name, digest in shipped_before.items()
                      if not name.startswith(".") and "__pycache__" not in name}
    assert digests(kit_root / kit.SHIPPED) == shipped_before
    out = capsys.readouterr().out
    assert f"Copied the lessons into {kit.WORKSPACE}/ (3 files)" in out
    kit.prepare_workspace(kit_root, kit.Progress())
    assert capsys.readouterr().out == "", "nothing new: a later launch says nothing"


def test_later_launches_keep_the_learners_work_and_add_new_lessons(kit_root: Path) -> None:
    kit.sync_workspace(kit_root)
    edit(work(kit_root, "03_client_side.ipynb"), "my answer\n")
    work(kit_root, "00_welcome.ipynb").unlink()  # deleted by the learner: comes back
    (kit_root / kit.SHIPPED / "04_webhooks.ipynb").write_text('{"lesson": 4}\n')
    done = kit.sync_workspace(kit_root)
    assert sorted(done.copied) == ["00_welcome.ipynb", "04_webhooks.ipynb"]
    assert done.updated == [] and done.changed == []
    assert work(kit_root, "03_client_side.ipynb").read_text().endswith("my answer\n")
    assert work(kit_root, "04_webhooks.ipynb").read_text() == '{"lesson": 4}\n'


def test_a_lesson_changed_by_a_pull_is_announced_with_the_reset_command_not_overwritten(
        kit_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit.sync_workspace(kit_root)
    edit(work(kit_root, "03_client_side.ipynb"), "my answer\n")
    edit(kit_root / kit.SHIPPED / "03_client_side.ipynb", "a better lesson\n")
    mine = work(kit_root, "03_client_side.ipynb").read_text()
    for _ in range(2):  # said again at every launch until the learner decides
        kit.prepare_workspace(kit_root, kit.Progress())
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1 and "notebooks/03_client_side.ipynb changed" in lines[0]
        assert "python3 kit.py reset 03" in lines[0]
        assert work(kit_root, "03_client_side.ipynb").read_text() == mine
    kit.reset_workspace(kit_root, ["03"], when=WHEN)
    kit.prepare_workspace(kit_root, kit.Progress())
    assert capsys.readouterr().out == ""


def test_a_copy_the_learner_never_changed_follows_the_shipped_lesson(
        kit_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit.sync_workspace(kit_root)
    edit(kit_root / kit.SHIPPED / "solutions" / "03-return-page.py", "better = True\n")
    kit.prepare_workspace(kit_root, kit.Progress())
    assert work(kit_root, "solutions/03-return-page.py").read_text().endswith("better = True\n")
    assert "Updated to the kit's new version" in capsys.readouterr().out
    edit(kit_root / kit.SHIPPED / "solutions" / "03-return-page.py", "best = True\n")
    assert kit.sync_workspace(kit_root).updated == ["solutions/03-return-page.py"]


def test_reset_puts_a_lesson_back_and_keeps_the_learners_copy_beside_it(
        kit_root: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    kit.sync_workspace(kit_root)
    edit(work(kit_root, "03_client_side.ipynb"), "my answer\n")
    mine = work(kit_root, "03_client_side.ipynb").read_bytes()
    monkeypatch.setattr(kit, "ROOT", kit_root)
    monkeypatch.setattr(kit, "ensure_venv", lambda venv: pytest.fail("reset needs no venv"))
    monkeypatch.setattr(kit.time, "time", lambda: WHEN)
    assert kit.main(["reset", "03"]) == 0
    backups = sorted((kit_root / kit.WORKSPACE).glob("03_client_side.backup-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == mine
    assert work(kit_root, "03_client_side.ipynb").read_bytes() == (
        kit_root / kit.SHIPPED / "03_client_side.ipynb").read_bytes()
    shown = f"{kit.WORKSPACE}/{backups[0].name}"
    assert capsys.readouterr().out == (f"kit.py: {kit.WORKSPACE}/03_client_side.ipynb: back as "
                                       f"shipped; your copy is kept as {shown}.\n")
    edit(work(kit_root, "03_client_side.ipynb"), "second try\n")
    kit.reset_workspace(kit_root, ["3"], when=WHEN)  # same second: a second backup, not lost
    assert len(list((kit_root / kit.WORKSPACE).glob("03_client_side.backup-*.ipynb"))) == 2


def test_work_done_in_notebooks_before_the_folder_existed_is_never_replaced(
        kit_root: Path) -> None:
    """A learner of the old kit edited notebooks/ itself; the first launch copies those edits,
    and `git restore notebooks/` afterwards must not make the copy look untouched."""
    if shutil.which("git") is None:
        pytest.skip("no git")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=kit", "-c", "user.email=kit@example.invalid",
                        *args], cwd=kit_root, check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("add", kit.SHIPPED)
    git("commit", "-q", "-m", "the kit as shipped")
    shipped = kit_root / kit.SHIPPED / "03_client_side.ipynb"
    edit(shipped, "answers typed into the shipped lesson\n")
    assert kit.sync_workspace(kit_root).copied  # first launch of the new kit
    git("restore", kit.SHIPPED)
    done = kit.sync_workspace(kit_root)
    assert done.updated == [] and done.changed == []
    assert work(kit_root, "03_client_side.ipynb").read_text().endswith(
        "answers typed into the shipped lesson\n")
    edit(work(kit_root, "00_welcome.ipynb"), "")  # a clean lesson still follows the kit
    edit(kit_root / kit.SHIPPED / "00_welcome.ipynb", "newer\n")
    git("commit", "-q", "-am", "a newer lesson 00")
    assert kit.sync_workspace(kit_root).updated == ["00_welcome.ipynb"]


@pytest.mark.parametrize("name", ["03", "3", "03_client_side", "03_client_side.ipynb",
                                  "notebooks/03_client_side.ipynb",
                                  "my_notebooks/03_client_side.ipynb"])
def test_reset_knows_a_lesson_by_number_or_name(kit_root: Path, name: str) -> None:
    assert kit.resolve_shipped(kit_root, [name]) == ["03_client_side.ipynb"]


def test_reset_all_restores_everything_and_keeps_what_differed(kit_root: Path) -> None:
    kit.sync_workspace(kit_root)
    edit(work(kit_root, "solutions/03-return-page.py"), "mine = 1\n")
    work(kit_root, "00_welcome.ipynb").unlink()
    lines = kit.reset_workspace(kit_root, ["--all"], when=WHEN)
    assert len(lines) == 3
    assert "00_welcome.ipynb: copied from notebooks/" in lines[0]
    assert "03_client_side.ipynb: already as shipped; nothing to keep." in lines[1]
    assert "solutions/03-return-page.backup-" in lines[2]
    assert digests(kit_root / kit.WORKSPACE).keys() >= {
        "00_welcome.ipynb", "03_client_side.ipynb", "solutions/03-return-page.py"}
    assert kit.sync_workspace(kit_root).changed == []


def test_reset_of_an_unknown_lesson_lists_the_lessons(kit_root: Path) -> None:
    with pytest.raises(kit.KitError) as raised:
        kit.reset_workspace(kit_root, ["9"])
    assert raised.value.code == 2 and "Lessons: 00, 03" in str(raised.value)
    with pytest.raises(kit.KitError, match="reset 03"):
        kit.reset_workspace(kit_root, [])
    assert not (kit_root / kit.WORKSPACE).exists(), "a refused reset changes nothing"


# ---- a learner's clone of this checkout ----------------------------------------------------

# A learner's own file in their folder: a test that fails and an unused import.
LEARNERS_OWN = ("test_my_idea.py", "import os\n\n\ndef test_my_idea():\n    assert False\n")


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> LearnerClone:
    """The clone after the learner did every lesson with the solutions pasted in, and saved."""
    clone = learner_clone(tmp_path_factory)
    for lesson in LESSONS:
        report = clone.run_lesson(lesson)
        first = report["errors"][0] if report["errors"] else {}
        assert not first, (f"{lesson} with its solutions, from {kit.WORKSPACE}/: cell "
                           f"{first.get('cell')} raised {first.get('ename')}: "
                           f"{first.get('evalue')}")
    name, text = LEARNERS_OWN
    (clone.workspace / name).write_text(text)
    return clone


def test_the_learners_work_is_in_their_folder_and_the_shipped_notebooks_are_untouched(
        learned: LearnerClone) -> None:
    assert sorted(learned.sync.copied) == sorted(kit.shipped_files(learned.root))
    for lesson in LESSONS:
        saved = learned.saved(lesson)
        assert saved.cells != [], lesson
        assert (learned.workspace / lesson).read_bytes() != (
            learned.root / kit.SHIPPED / lesson).read_bytes(), f"{lesson}: no learner's work"
        assert (learned.workspace / ".ipynb_checkpoints" / lesson.replace(
            ".ipynb", "-checkpoint.ipynb")).is_file()
    assert digests(learned.root / kit.SHIPPED) == learned.shipped_before
    assert learned.shipped_before == {
        name: digest for name, digest in digests(ROOT / kit.SHIPPED).items()
        if name in learned.shipped_before}, "the clone ships what this checkout ships"


def test_git_ignores_the_learners_folder(learned: LearnerClone) -> None:
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=learned.root,
        capture_output=True, text=True, check=True, timeout=RUFF_TIMEOUT).stdout.splitlines()
    assert "kit.py" in untracked, "the clone's files are listed (nothing is committed there)"
    assert [name for name in untracked if name.startswith(kit.WORKSPACE + "/")] == []


def collect(runs: list[tuple[Path, list[str]]]) -> list[tuple[list[str], str]]:
    """`python -m pytest <args> --collect-only -q` in each (root, args), side by side:
    (the collected node ids sorted, all output) for each."""
    running = [(root, subprocess.Popen(
        [sys.executable, *args, "--collect-only", "-q", "-p", "no:randomly"], cwd=root,
        env=kit.emulator_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for root, args in runs]
    results = []
    for root, process in running:
        try:
            out, _ = process.communicate(timeout=COLLECT_TIMEOUT)
        except subprocess.TimeoutExpired:
            for _, other in running:
                other.kill()
            pytest.fail(f"pytest --collect-only in {root} did not finish within "
                        f"{COLLECT_TIMEOUT} s (COLLECT_TIMEOUT)")
        results.append((sorted(line for line in out.splitlines() if "::" in line), out))
    return results


def test_the_test_commands_collection_is_unchanged_by_the_learners_work(
        learned: LearnerClone, tmp_path: Path) -> None:
    """The test command (kit.PYTEST_ARGS) in the learner's clone collects nothing of theirs, and
    the same nbval items as the notebooks' collection in a copy without a learner."""
    pristine = copy_checkout(tmp_path / "pristine")
    notebooks_only = [arg for arg in kit.PYTEST_ARGS if arg != "tests"]
    (before, _), (after, out) = collect([(pristine, notebooks_only),
                                         (learned.root, kit.PYTEST_ARGS)])
    from_the_learner = [line for line in out.splitlines()  # a path before any "::"
                        if any(word.startswith(kit.WORKSPACE + "/")
                               for word in line.split("::", 1)[0].split())]
    assert from_the_learner == []
    assert {item.split("::")[0] for item in before} == {
        f"{kit.SHIPPED}/{name}" for name in kit.shipped_files(pristine) if name.endswith(".ipynb")}
    assert [item for item in after if item.startswith(kit.SHIPPED + "/")] == before
    assert any(item.startswith("tests/") for item in after), out[-2000:]


def test_ruff_in_the_test_command_skips_the_learners_folder_even_without_git(
        learned: LearnerClone) -> None:
    """A downloaded zip has no .git, so .gitignore does not keep ruff out: kit.py does."""
    def ruff(*args: str) -> str:
        return subprocess.run(
            [sys.executable, *args, "--no-respect-gitignore", "--output-format", "concise"],
            cwd=learned.root, capture_output=True, text=True, timeout=RUFF_TIMEOUT).stdout

    learners = f"{kit.WORKSPACE}/{LEARNERS_OWN[0]}"
    assert learners in ruff("-m", "ruff", "check", "."), "the learner's file has a lint error"
    assert kit.WORKSPACE not in ruff(*kit.RUFF_ARGS)
