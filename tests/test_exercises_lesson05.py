"""Exercise 05-pay-or-explain: the reference passes; each kind of mistake gets its own hint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stripe
from exercise_support import client_built_earlier, mistake_id, run_solution, stripe_test_mode

from helpers import stripejs
from helpers.exercises import check

EXERCISE = "05-pay-or-explain"
RETURN_URL = "https://example.com/order/123/complete"
GENERIC = "Something went wrong. Please try again."


pytestmark = pytest.mark.usefixtures("backend")  # the notebook's set-up, on this test's emulator


def reference() -> Callable[..., dict]:
    """The solution, run with what notebook 05 defines before the exercise."""
    namespace = {"stripe": stripe, "stripejs": stripejs, "RETURN_URL": RETURN_URL}
    return run_solution(EXERCISE, namespace)["pay_or_explain"]


def make_answer(*, catch_card: bool = True, catch_other: bool = True,
                card_message: str = "user_message", other_message: str = "generic",
                new_intent: bool = False, return_url: bool = True, status: str | None = None,
                success_message: str | None = None, returns_dict: bool = True
                ) -> Callable[..., Any]:
    """A correct pay_or_explain, with one deliberate mistake switched on."""

    def pay_or_explain(intent_id: str, payment_method: str) -> Any:
        target = intent_id
        if new_intent:
            target = stripe.PaymentIntent.create(amount=1099, currency="usd").id
        params: dict[str, Any] = {"payment_method": payment_method}
        if return_url:
            params["return_url"] = RETURN_URL
        caught: tuple[type[Exception], ...] = ()
        if catch_card:
            caught += (stripe.CardError,)
        if catch_other:
            caught += (stripe.StripeError,)
        try:
            intent = stripe.PaymentIntent.confirm(target, **params)
            result = {"status": status or intent.status,
                      "message": success_message or stripejs.status_message(intent.status)}
        except caught as error:
            if isinstance(error, stripe.CardError):
                message = {"user_message": error.user_message, "generic": GENERIC,
                           "decline_code": f"Declined: {error.error.decline_code}"}[card_message]
            else:
                message = error.user_message if other_message == "user_message" else GENERIC
            result = {"status": status or stripe.PaymentIntent.retrieve(target).status,
                      "message": message}
        return result if returns_dict else result["message"]

    return pay_or_explain


def verdict_for(answer: Any) -> Any:
    verdict = check(EXERCISE, answer)
    assert "Traceback" not in repr(verdict)
    return verdict


def test_the_reference_solution_passes() -> None:
    verdict = verdict_for(reference())
    assert verdict.ok, verdict.message
    assert repr(verdict).startswith("✓")


def test_the_switchable_answer_with_no_mistake_passes() -> None:
    assert verdict_for(make_answer()).ok


def test_the_reference_creates_no_payment_intent_of_its_own() -> None:
    customer = stripe.Customer.create(name="Jenny")
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer.id)
    pay = reference()
    assert pay(intent.id, "pm_card_chargeDeclined")["status"] == "requires_payment_method"
    assert pay(intent.id, "pm_card_visa") == {"status": "succeeded",
                                              "message": "Success! Payment received."}
    assert len(stripe.PaymentIntent.list(customer=customer.id).data) == 1


def test_the_shipped_stub_gets_a_nudge() -> None:
    def pay_or_explain(intent_id: str, payment_method: str) -> dict:
        # confirm, or explain
        ...

    verdict = verdict_for(pay_or_explain)
    assert not verdict.ok and "has no code yet" in verdict.message


@pytest.mark.parametrize("mistake, expected", [
    (dict(catch_card=False, catch_other=False), "stripe.CardError escaped"),
    (dict(card_message="generic"), "show the card error's own message"),
    (dict(card_message="decline_code"), "that is for your logs"),
    (dict(other_message="user_message"), "Stripe's message for developers"),
    (dict(catch_other=False), "InvalidRequestError escaped"),
    (dict(new_intent=True), "created a new PaymentIntent"),
    (dict(return_url=False), "Stripe never tried the card"),
    (dict(status="failed"), "Report the PaymentIntent's own status"),
    (dict(success_message="Paid, thanks!"), "Show the seed's success message"),
    (dict(returns_dict=False), "Return a dict with two keys"),
], ids=mistake_id)
def test_each_mistake_fails_with_its_own_hint(mistake: dict[str, Any], expected: str) -> None:
    verdict = verdict_for(make_answer(**mistake))
    assert not verdict.ok
    assert expected in verdict.message, verdict.message


@pytest.mark.parametrize("off_session", [True, "one_off"])
def test_confirming_off_session_in_a_checkout_fails(off_session: Any) -> None:
    def pay_or_explain(intent_id: str, payment_method: str) -> dict:
        try:
            intent = stripe.PaymentIntent.confirm(intent_id, payment_method=payment_method,
                                                  return_url=RETURN_URL,
                                                  off_session=off_session)
        except stripe.CardError as error:
            return {"status": stripe.PaymentIntent.retrieve(intent_id).status,
                    "message": error.user_message}
        except stripe.StripeError:
            return {"status": stripe.PaymentIntent.retrieve(intent_id).status,
                    "message": GENERIC}
        return {"status": intent.status, "message": stripejs.status_message(intent.status)}

    verdict = verdict_for(pay_or_explain)
    assert not verdict.ok and "confirmed with off_session" in verdict.message, verdict.message


def test_three_d_secure_is_not_a_success() -> None:
    def pay_or_explain(intent_id: str, payment_method: str) -> dict:
        try:
            intent = stripe.PaymentIntent.confirm(intent_id, payment_method=payment_method,
                                                  return_url=RETURN_URL)
        except stripe.CardError as error:
            return {"status": "requires_payment_method", "message": error.user_message}
        except stripe.StripeError:
            return {"status": "requires_payment_method", "message": GENERIC}
        return {"status": intent.status, "message": "Success! Payment received."}

    verdict = verdict_for(pay_or_explain)
    assert not verdict.ok and "too early" in verdict.message, verdict.message


def test_other_slips_get_clean_verdicts() -> None:
    assert "should be a function" in verdict_for("pm_card_visa").message
    assert "pay_or_explain(intent_id, payment_method)" in verdict_for(lambda intent: {}).message

    def crashes(intent_id: str, payment_method: str) -> dict:
        return {"status": 1 / 0, "message": "x"}

    assert "ZeroDivisionError" in verdict_for(crashes).message


def test_messages_carry_no_ids_so_stored_outputs_stay_stable() -> None:
    first = verdict_for(make_answer(new_intent=True)).message
    assert first == verdict_for(make_answer(new_intent=True)).message
    assert "pi_" not in first and "cus_" not in first


# The checker judges what reached Stripe, whatever client sent it: `stripe.X` (the reference),
# a StripeClient built once before the check, or helper functions.


def client_answer(client: stripe.StripeClient, *, new_intent: bool = False) -> Callable[..., dict]:
    """pay_or_explain on a StripeClient built earlier (optionally opening an intent of its own)."""

    def pay_or_explain(intent_id: str, payment_method: str) -> dict:
        intents = client.v1.payment_intents
        if new_intent:
            intent_id = intents.create({"amount": 1099, "currency": "usd"}).id
        try:
            intent = intents.confirm(intent_id, {"payment_method": payment_method,
                                                 "return_url": RETURN_URL})
        except stripe.CardError as error:
            return {"status": intents.retrieve(intent_id).status,
                    "message": error.user_message}
        except stripe.StripeError:
            return {"status": intents.retrieve(intent_id).status, "message": GENERIC}
        return {"status": intent.status, "message": stripejs.status_message(intent.status)}

    return pay_or_explain


def confirm_or_error(intent_id: str, payment_method: str) -> tuple[Any, Any]:
    try:
        return stripe.PaymentIntent.confirm(intent_id, payment_method=payment_method,
                                            return_url=RETURN_URL), None
    except stripe.StripeError as error:
        return None, error


def explain(error: Any) -> str:
    return error.user_message if isinstance(error, stripe.CardError) else GENERIC


def helpers_answer(intent_id: str, payment_method: str) -> dict:
    intent, error = confirm_or_error(intent_id, payment_method)
    if error is not None:
        return {"status": stripe.PaymentIntent.retrieve(intent_id).status,
                "message": explain(error)}
    return {"status": intent.status, "message": stripejs.status_message(intent.status)}


def test_an_answer_on_a_stripe_client_built_before_the_check_passes() -> None:
    verdict = verdict_for(client_answer(client_built_earlier()))
    assert verdict.ok, verdict.message


def test_an_answer_calling_helper_functions_passes() -> None:
    verdict = verdict_for(helpers_answer)
    assert verdict.ok, verdict.message


def test_a_stripe_client_answer_opening_its_own_intent_gets_the_same_hint() -> None:
    verdict = verdict_for(client_answer(client_built_earlier(), new_intent=True))
    assert not verdict.ok
    assert verdict.message.startswith("With a card declined for insufficient funds, your"
                                      " function created a new PaymentIntent"), verdict.message


@pytest.mark.parametrize("own_http_client", [False, True], ids=["kit-http-client",
                                                                 "own-http-client"])
def test_answers_in_each_style_are_judged_in_test_mode(tmp_path: Path,
                                                       own_http_client: bool) -> None:
    with stripe_test_mode(tmp_path, stripe_only=True):
        client = client_built_earlier(own_http_client=own_http_client)
        for answer in (reference(), client_answer(client), helpers_answer):
            verdict = verdict_for(answer)
            assert verdict.ok, verdict.message
        verdict = verdict_for(client_answer(client, new_intent=True))
        assert not verdict.ok
        assert verdict.message.startswith("With a card declined for insufficient funds, your"
                                          " function created a new PaymentIntent"), \
            verdict.message
