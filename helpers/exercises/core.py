"""The machinery behind every exercise: a registry, verdicts, staged hints, learner-code runs.

A checker receives what the learner wrote (a function, a dict, a Flask app…), runs it the way
Stripe or a browser would, and returns a `Verdict`. It never lets an exception escape: whatever
the learner's code does, the check cell prints ✓ or ✗ with a hint, never a traceback.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stripe

SOLUTIONS = Path(__file__).resolve().parents[2] / "notebooks" / "solutions"
PASSED, FAILED = "✓", "✗"
# Called with (exercise_id, ok) after each check: the workshop records progress with it.
ON_CHECK: list[Callable[[str, bool], None]] = []


@dataclass
class Verdict:
    """What a checker concluded: `ok`, a message for the learner, and the exercise's hints."""

    ok: bool
    message: str
    exercise_id: str | None = None
    hints: Sequence[str] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        text = f"{PASSED if self.ok else FAILED} {self.message}"
        if not self.ok and self.exercise_id:
            text += (f"\n  Stuck? helpers.exercises.hint({self.exercise_id!r}) gives "
                     f"{len(self.hints)} hints, one at a time; the solution loads with "
                     f"%load solutions/{self.exercise_id}.py")
        return text

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#9a6700"
        mark = PASSED if self.ok else FAILED
        parts = [f"<div class='kit-verdict' style='color:{colour};font-family:sans-serif'>"
                 f"{mark} {html.escape(self.message)}</div>"]
        if not self.ok and self.exercise_id:
            # <details> opens one stage at a time, in JupyterLab and in Voilà alike.
            for number, text in enumerate(self.hints, 1):
                parts.append(f"<details class='kit-hint'><summary>Hint {number}</summary>"
                             f"{_markup(text)}</details>")
            parts.append("<details class='kit-hint'><summary>Solution</summary>Replace the"
                         " exercise cell's code with the reference solution: put"
                         f" <code>%load solutions/{html.escape(self.exercise_id)}.py</code>"
                         " at the top of that cell and run it twice (once to load, once to"
                         " run).</details>")
        return "\n".join(parts)


def _markup(text: str) -> str:
    """`backticks` become <code>: hints read like the rest of the notebook."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    checker: Callable[[Any], Verdict]
    hints: tuple[str, ...]


EXERCISES: dict[str, Exercise] = {}
_hints_given: dict[str, int] = {}


def exercise(exercise_id: str, title: str, hints: Sequence[str]
             ) -> Callable[[Callable[[Any], Verdict]], Callable[[Any], Verdict]]:
    """Register a checker: `@exercise("02-route", "Write the endpoint", [nudge, stronger])`."""
    if not re.fullmatch(r"\d\d-[a-z0-9-]+", exercise_id):
        raise ValueError(f"Exercise ids look like '02-route', got {exercise_id!r}.")
    if len(hints) < 2:
        raise ValueError("Give at least two staged hints: a nudge, then a stronger one.")

    def register(checker: Callable[[Any], Verdict]) -> Callable[[Any], Verdict]:
        if exercise_id in EXERCISES:
            raise ValueError(f"Exercise {exercise_id!r} is registered twice.")
        EXERCISES[exercise_id] = Exercise(exercise_id, title, checker, tuple(hints))
        return checker

    return register


def check(exercise_id: str, answer: Any) -> Verdict:
    """Run the checker of `exercise_id` on your answer: ✓, or ✗ with what to fix."""
    found = EXERCISES.get(exercise_id)
    if found is None:
        return Verdict(False, f"There is no exercise called {exercise_id!r}; the ids are "
                       f"{', '.join(sorted(EXERCISES))}.")
    if answer is None or answer is Ellipsis:
        verdict = Verdict(False, "Nothing to check yet: write your code in the exercise cell,"
                          " run it, then run this cell.")
    elif callable(answer) and is_unwritten(answer):
        name = getattr(answer, "__name__", "your function")
        verdict = Verdict(False, f"`{name}` has no code yet: replace the `...` in the exercise"
                          " cell with your code, run that cell, then this one.")
    else:
        try:
            verdict = found.checker(answer)
        except Exception as error:  # a checker must never show a traceback
            verdict = Verdict(False, "Your code could not be checked: "
                              f"{describe_error(error)}. Read the task again, or take a hint.")
    verdict.exercise_id = exercise_id
    verdict.hints = found.hints
    for callback in list(ON_CHECK):
        try:
            callback(exercise_id, verdict.ok)
        except Exception:  # progress reporting must never fail a check
            pass
    return verdict


@dataclass
class Hint:
    exercise_id: str
    number: int
    total: int
    text: str

    def __repr__(self) -> str:
        if self.number > self.total:
            return (f"No more hints for {self.exercise_id}. The reference solution is "
                    f"notebooks/solutions/{self.exercise_id}.py: put "
                    f"%load solutions/{self.exercise_id}.py at the top of the exercise cell"
                    " and run it.")
        return f"Hint {self.number} of {self.total} ({self.exercise_id}): {self.text}"

    def _repr_html_(self) -> str:
        return f"<div class='kit-hint' style='font-family:sans-serif'>{_markup(repr(self))}</div>"


def hint(exercise_id: str) -> Hint:
    """The next hint for an exercise: a nudge first, then a stronger one, then the solution."""
    found = EXERCISES.get(exercise_id)
    if found is None:
        return Hint(exercise_id, 1, 1, f"There is no exercise called {exercise_id!r}; the ids"
                    f" are {', '.join(sorted(EXERCISES))}.")
    number = _hints_given.get(exercise_id, 0) + 1
    _hints_given[exercise_id] = min(number, len(found.hints) + 1)
    text = found.hints[number - 1] if number <= len(found.hints) else ""
    return Hint(exercise_id, number, len(found.hints), text)


def solution_path(exercise_id: str) -> Path:
    """The reference solution, runnable in place of the exercise cell's code."""
    return SOLUTIONS / f"{exercise_id}.py"


class Stop(Exception):
    """A checker's own way out from deep in a scenario: carries the verdict to return."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def fail(message: str) -> Stop:
    """`raise fail("…")`: stop the check with a failing verdict saying what to fix."""
    return Stop(Verdict(False, message))


# --------------------------------------------------------------------------- learner code


_TRIVIAL_OPS = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "CACHE"}


def is_unwritten(function: Any) -> bool:
    """True for a function whose body is only `...`, `pass` or a docstring (a shipped stub)."""
    import dis

    code = getattr(function, "__code__", None)
    if code is None or getattr(function, "__name__", "") == "<lambda>":
        return False
    for instruction in dis.get_instructions(code):
        if instruction.opname not in _TRIVIAL_OPS:
            return False
        if instruction.opname in ("LOAD_CONST", "RETURN_CONST") and instruction.argval is not None:
            return False
    return True


def describe_error(error: BaseException) -> str:
    """One line about an exception, for a learner: no traceback, no file paths."""
    if isinstance(error, stripe.StripeError):
        status = f" (HTTP {error.http_status})" if error.http_status else ""
        text = f"{type(error).__name__}{status} from Stripe: {error.user_message or error}"
    else:
        text = f"{type(error).__name__}: {error}"
    text = re.sub(r"(/[\w.\-]+){2,}", "…", text)  # keep server paths out of the notebook
    text = " ".join(text.split())
    return text if len(text) <= 240 else text[:237] + "…"


@dataclass
class Run:
    """What happened when the checker called your code: its value, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def raised(self) -> bool:
        return self.error is not None

    def describe(self) -> str:
        return describe_error(self.error) if self.error else repr(self.value)


def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Run:
    """Call the learner's code, catching whatever it raises so the checker can explain it."""
    try:
        return Run(function(*args, **kwargs))
    except Exception as error:
        return Run(error=error)
