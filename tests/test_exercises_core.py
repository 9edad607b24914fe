"""The exercise machinery: verdicts, staged hints, and checks that never show a traceback."""

from __future__ import annotations

import pytest

from helpers.exercises import core
from helpers.exercises.core import Verdict, check, describe_error, exercise, hint, is_unwritten


@pytest.fixture
def sample():
    """A throwaway exercise registered for one test."""

    @exercise("99-sample", "Return 42", ["Think of the answer to everything.", "Return 42."])
    def _check(answer):
        result = answer()
        if result == 42:
            return Verdict(True, "Right.")
        return Verdict(False, f"Your function returned {result!r}.")

    yield "99-sample"
    core.EXERCISES.pop("99-sample")
    core._hints_given.pop("99-sample", None)


def test_right_and_wrong_answers(sample: str) -> None:
    assert check(sample, lambda: 42).ok
    wrong = check(sample, lambda: 41)
    assert not wrong.ok and repr(wrong).startswith("✗ Your function returned 41.")
    assert "%load solutions/99-sample.py" in repr(wrong)


def test_an_unwritten_stub_gets_a_hint_not_a_call(sample: str) -> None:
    def answer():
        ...

    verdict = check(sample, answer)
    assert not verdict.ok and "has no code yet" in verdict.message
    assert not check(sample, None).ok


def test_learner_code_that_raises_gets_a_one_line_explanation(sample: str) -> None:
    def answer():
        return {}["missing"]

    verdict = check(sample, answer)
    assert not verdict.ok
    assert "KeyError" in verdict.message and "Traceback" not in repr(verdict)


def test_unknown_exercise_is_a_verdict_not_an_exception() -> None:
    verdict = check("00-no-such-thing", 1)
    assert not verdict.ok and "no exercise called" in verdict.message


def test_hints_are_staged_then_point_at_the_solution(sample: str) -> None:
    first = hint(sample)
    assert "1 of 2" in repr(first) and "everything" in repr(first)
    second = hint(sample)
    assert "2 of 2" in repr(second) and "Return 42" in repr(second)
    assert "%load solutions/99-sample.py" in repr(hint(sample))
    assert "%load solutions/99-sample.py" in repr(hint(sample))  # and stays there


def test_failed_verdict_html_reveals_hints_one_stage_at_a_time(sample: str) -> None:
    page = check(sample, lambda: 0)._repr_html_()
    assert page.count("<details") == 3  # two hints, then the solution
    assert page.index("Hint 1") < page.index("Hint 2") < page.index("Solution")
    assert "<details" not in check(sample, lambda: 42)._repr_html_()


def test_stub_detection() -> None:
    def empty():
        ...

    def documented():
        """Only a docstring."""

    def written():
        return 1

    assert is_unwritten(empty) and is_unwritten(documented)
    assert not is_unwritten(written) and not is_unwritten(lambda: None)


def test_errors_are_described_without_server_paths() -> None:
    text = describe_error(FileNotFoundError("/work/main/.kit/secret/file.db is missing"))
    assert "/work/main" not in text and text.startswith("FileNotFoundError")


# ------------------------------------------------------------------ what reached Stripe


def test_the_watch_keeps_only_the_backends_account_and_no_keys(backend, client_for) -> None:
    """The emulator is shared (a workshop serves many accounts): another account's traffic
    in the same moment is not the learner's."""
    import stripe

    from helpers.exercises.stripe_traffic import watch_stripe

    other = client_for("sk_test_emulator_someone_else")
    with watch_stripe() as seen:
        other.v1.customers.create({"name": "Not yours"})
        stripe.Customer.create(name="Yours")
    assert [(r.method, r.path, r.key_kind, r.params) for r in seen.requests] == [
        ("POST", "/v1/customers", "secret", {"name": "Yours"})]
    assert backend.secret_key not in repr(seen)


def test_a_failing_watcher_never_changes_what_the_emulator_answers(backend) -> None:
    import stripe

    from helpers.emulator.observers import watch_calls

    def broken(call):
        raise RuntimeError("a watcher bug")

    with watch_calls(broken):
        customer = stripe.Customer.create(name="Still created")
    assert stripe.Customer.retrieve(customer.id).name == "Still created"


def test_nested_params_are_seen_as_the_form_keys_they_were_sent_as(backend) -> None:
    import stripe

    from helpers.exercises.stripe_traffic import watch_stripe

    with watch_stripe() as seen:
        stripe.Customer.create(metadata={"order": "1042"}, preferred_locales=["en", "fr"])
    assert seen.requests[0].params == {"metadata[order]": "1042", "preferred_locales[0]": "en",
                                       "preferred_locales[1]": "fr"}
