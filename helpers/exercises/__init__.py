"""Exercises at the end of each notebook: you write code, a checker runs it as Stripe would.

Convention (tests/test_exercise_convention.py holds every notebook to it):
- the exercise cell has the cell tag `exercise` and metadata `"exercise": "<id>"`;
- its reference solution is `notebooks/solutions/<id>.py`, runnable in place of the cell's code
  (`%load solutions/<id>.py`);
- the next cell, tagged `check`, calls `helpers.exercises.check("<id>", …)` and prints a verdict
  starting with ✓ when passed and ✗ when not. As shipped every exercise fails with a hint;
  with its solution in place it passes.
- `helpers.exercises.hint("<id>")` gives staged hints: a nudge, then a stronger one.

The checkers live in one module per lesson (`lesson02.py`, …); each registers itself.
"""

from __future__ import annotations

import importlib
import pkgutil

from .core import (
    EXERCISES,
    Exercise,
    Run,
    Verdict,
    check,
    describe_error,
    exercise,
    hint,
    is_unwritten,
    run,
    solution_path,
)

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name.startswith("lesson"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["EXERCISES", "Exercise", "Run", "Verdict", "check", "describe_error", "exercise",
           "hint", "is_unwritten", "run", "solution_path"]
