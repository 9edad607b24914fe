"""Lesson 00's checker: the reference solution passes; each kind of wrong answer gets its hint."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat
import pytest
import stripe
from exercise_support import run_solution, stripe_test_mode

import helpers
from helpers.exercises import check
from helpers.exercises.lesson00 import NEW_USER

ID = "00-first-customer"
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00_welcome.ipynb"


def reference_answer() -> Any:
    namespace = {"stripe": stripe, "helpers": helpers, "new_user": dict(NEW_USER)}
    return run_solution(ID, namespace)["first_customer"]


def verdict_for(answer: Any):
    verdict = check(ID, answer)  # check() never raises; the assertions below read its text
    return verdict, repr(verdict)


def test_the_reference_solution_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(reference_answer())
    assert verdict.ok, text
    assert text.startswith("✓") and "user_id=user_1042" in text


def test_nothing_written_yet_fails_with_a_hint(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(None)
    assert not verdict.ok and "Nothing to check yet" in text


def test_an_id_of_a_missing_customer_fails(backend: helpers.Backend) -> None:
    verdict, text = verdict_for("cus_DoesNotExist000")
    assert not verdict.ok and "no customer with that id" in text


def test_an_id_string_of_the_right_customer_asks_for_the_object(
        backend: helpers.Backend) -> None:
    verdict, text = verdict_for(reference_answer().id)
    assert not verdict.ok and "holds the customer's id (a string)" in text


def test_a_dict_typed_by_hand_fails(backend: helpers.Backend) -> None:
    answer = {"name": NEW_USER["name"], "email": NEW_USER["email"],
              "metadata": {"user_id": NEW_USER["id"]}}
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "plain dict" in text


def test_a_customer_stripe_never_stored_fails(backend: helpers.Backend) -> None:
    made_up = stripe.Customer.construct_from(
        {"id": "cus_MadeUpLocally00", "object": "customer", "name": NEW_USER["name"]},
        stripe.api_key)
    verdict, text = verdict_for(made_up)
    assert not verdict.ok and "no customer with that id" in text


def test_the_wrong_metadata_key_fails(backend: helpers.Backend) -> None:
    answer = stripe.Customer.create(name=NEW_USER["name"], email=NEW_USER["email"],
                                    metadata={"userId": NEW_USER["id"]})
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "under 'userId'" in text and "'user_id'" in text


def test_no_metadata_fails(backend: helpers.Backend) -> None:
    answer = stripe.Customer.create(name=NEW_USER["name"], email=NEW_USER["email"])
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "no metadata" in text


def test_the_wrong_user_id_fails(backend: helpers.Backend) -> None:
    answer = stripe.Customer.create(name=NEW_USER["name"], email=NEW_USER["email"],
                                    metadata={"user_id": "user_1"})
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "not her id in your database" in text


def test_another_customer_fails_on_the_name(backend: helpers.Backend) -> None:
    jenny = stripe.Customer.create(name="Jenny Rosen", email="jenny.rosen@example.com")
    verdict, text = verdict_for(jenny)
    assert not verdict.ok and "'Jenny Rosen'" in text and NEW_USER["name"] in text


def test_a_missing_email_fails(backend: helpers.Backend) -> None:
    answer = stripe.Customer.create(name=NEW_USER["name"], metadata={"user_id": NEW_USER["id"]})
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "email" in text


def test_a_deleted_customer_fails(backend: helpers.Backend) -> None:
    answer = reference_answer()
    stripe.Customer.delete(answer.id)
    verdict, text = verdict_for(answer)
    assert not verdict.ok
    assert "deleted" in text or "no customer with that id" in text


@pytest.mark.parametrize("answer", [42, "hello", ["cus_x"], object(), Ellipsis])
def test_odd_answers_get_a_verdict(backend: helpers.Backend, answer: Any) -> None:
    verdict, text = verdict_for(answer)
    assert not verdict.ok and text.startswith("✗")
    assert "could not be checked" not in text  # a specific hint, not the catch-all


def test_the_notebook_describes_the_same_user_as_the_checker() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("new_user = "):
            shown = ast.literal_eval(cell.source.split("=", 1)[1].strip())
            assert shown == NEW_USER
            return
    pytest.fail("00_welcome.ipynb has no cell defining new_user")


def test_the_checker_runs_against_a_stripe_like_server(tmp_path: Path) -> None:
    """Test mode: stripe-python over HTTP to an emulator server, as it would reach Stripe."""
    with stripe_test_mode(tmp_path):
        verdict, text = verdict_for(reference_answer())
        assert verdict.ok, text
        verdict, text = verdict_for("cus_DoesNotExist000")
        assert not verdict.ok and "no customer with that id" in text
