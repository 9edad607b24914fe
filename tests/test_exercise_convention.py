"""Every lesson's exercises follow one convention, so anyone can check the checkers.

- an exercise cell: tag `exercise`, metadata `"exercise": "<id>"`, a registered checker, and a
  reference solution `notebooks/solutions/<id>.py`;
- the next cell: tag `check`, calls `check("<id>", …)`; its stored output starts with ✗ (as
  shipped, every exercise fails with a hint);
- with each solution pasted in place of its exercise cell, the notebook runs and every check
  prints ✓;
- nothing printed or written above an exercise gives its solution away;
- each lesson opens with what you will be able to do and closes with a recap questionnaire.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from learner_clone import LearnerClone, learner_clone

from helpers.exercises import EXERCISES, solution_path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("0[0-5]_*.ipynb"))


def exercise_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(index, exercise id) of every cell tagged `exercise`."""
    return [(i, cell.metadata.get("exercise", "")) for i, cell in enumerate(nb.cells)
            if "exercise" in cell.metadata.get("tags", [])]


def check_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, cell in enumerate(nb.cells) if "check" in cell.metadata.get("tags", [])]


def output_text(cell: nbformat.NotebookNode) -> str:
    """The text a learner sees under a code cell (stream and text/plain results)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(parts)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_exercise_cells_follow_the_convention(path: Path) -> None:
    nb = read(path)
    found = exercise_cells(nb)
    assert found, f"{path.name} has no cell tagged `exercise`"
    checks = check_cells(nb)
    assert len(checks) == len(found), f"{path.name}: {len(found)} exercises, {len(checks)} checks"
    for index, exercise_id in found:
        cell = nb.cells[index]
        assert cell.cell_type == "code", f"{path.name} cell {index} is tagged exercise"
        assert exercise_id in EXERCISES, (
            f"{path.name} cell {index}: metadata exercise={exercise_id!r} has no checker")
        assert solution_path(exercise_id).is_file(), f"missing {solution_path(exercise_id)}"
        following = nb.cells[index + 1]
        assert "check" in following.metadata.get("tags", []), (
            f"{path.name}: the cell after exercise {exercise_id} is not tagged `check`")
        assert re.search(rf"check\(\s*['\"]{re.escape(exercise_id)}['\"]", following.source), (
            f"{path.name}: the check cell after {exercise_id} does not check {exercise_id}")
        shipped = output_text(following)
        assert shipped.startswith("✗"), (
            f"{path.name}: as shipped, {exercise_id} should fail with a hint; stored output"
            f" is {shipped[:200]!r}")


def test_every_checker_belongs_to_exactly_one_exercise_cell() -> None:
    seen: dict[str, str] = {}
    for path in LESSONS:
        for _, exercise_id in exercise_cells(read(path)):
            assert exercise_id not in seen, f"{exercise_id} in {seen.get(exercise_id)} and {path}"
            seen[exercise_id] = path.name
    assert sorted(seen) == sorted(EXERCISES), "registered checkers without a notebook cell: " \
        f"{sorted(set(EXERCISES) - set(seen))}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_nothing_above_an_exercise_gives_its_solution_away(path: Path) -> None:
    nb = read(path)
    for index, exercise_id in exercise_cells(nb):
        solution_lines = {
            line.strip() for line in solution_path(exercise_id).read_text().splitlines()
            if len(line.strip()) >= 30 and not line.strip().startswith(("#", '"', "'"))}
        for earlier, cell in enumerate(nb.cells[:index]):
            shown = cell.source if cell.cell_type == "markdown" else output_text(cell)
            leaked = sorted(line for line in solution_lines if line in shown)
            assert not leaked, (f"{path.name} cell {earlier} shows lines of the {exercise_id}"
                                f" solution before the exercise: {leaked[:3]}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_opens_with_goals_and_closes_with_a_recap(path: Path) -> None:
    nb = read(path)
    opening = nb.cells[0].source.lower()
    assert "you will be able to" in opening, f"{path.name}: the first cell should say what" \
        " you will be able to do"
    recap = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown" and re.search(r"^#+\s*recap", cell.source,
                                                            re.I | re.M)]
    assert recap, f"{path.name}: no '## Recap' questionnaire"
    assert recap[-1] > max(check_cells(nb) or [0]), f"{path.name}: the recap comes last"
    assert "<details>" in nb.cells[recap[-1]].source, (
        f"{path.name}: recap questions should hide their answers in <details>")


@pytest.fixture(scope="session")
def learner(tmp_path_factory: pytest.TempPathFactory) -> LearnerClone:
    return learner_clone(tmp_path_factory)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_solution_passes_its_check(path: Path, learner: LearnerClone) -> None:
    """Run the lesson with each exercise cell replaced by its reference solution.

    It runs as a learner runs it: their copy in the folder `kit.py` makes, saved afterwards
    (tests/learner_clone.py); tests/test_learner_workspace.py reads the same run.
    """
    report = learner.run_lesson(path.name)
    assert not report["errors"], (
        f"{path.name}: with the reference solutions, cell {report['errors'][0]['cell']} raised"
        f" {report['errors'][0]['ename']}: {report['errors'][0]['traceback'][-1500:]}")
    nb = learner.saved(path.name)
    for index in check_cells(nb):
        verdict = output_text(nb.cells[index])
        assert verdict.startswith("✓"), (
            f"{path.name}: with the reference solution, check cell {index} printed"
            f" {verdict[:300]!r}")
