"""Lesson 01's checker: the reference solution passes; each kind of wrong answer gets its hint.

The last test runs the checker in test mode against a real emulator *server* over HTTP, the
way it runs against Stripe: it proves the checker uses only the public API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stripe
from exercise_support import run_solution, stripe_test_mode

import helpers
from helpers.exercises import check

ID = "01-save-with-consent"


@pytest.fixture
def jenny(backend: helpers.Backend) -> stripe.Customer:
    """The notebook's own customer: a global a wrong answer may attach to by mistake."""
    return stripe.Customer.create(name="Jenny Rosen")


def reference_save_card() -> Callable[..., Any]:
    return run_solution(ID, {"stripe": stripe, "helpers": helpers})["save_card"]


def verdict_for(answer: Any):
    verdict = check(ID, answer)  # check() never raises; the assertions below read its text
    return verdict, repr(verdict)


def test_the_reference_solution_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(reference_save_card())
    assert verdict.ok, text
    assert text.startswith("✓")


def test_the_shipped_stub_fails_with_a_hint(backend: helpers.Backend) -> None:
    def save_card(customer_id: str, payment_method: str, customer_ticked_save: bool):
        """Shipped stub."""
        ...

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "has no code yet" in text


def test_always_regardless_of_consent_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        return stripe.PaymentMethod.modify(method.id, allow_redisplay="always")

    verdict, text = verdict_for(save_card)
    assert not verdict.ok
    assert "did not tick the box, yet" in text and "'always'" in text


def test_unspecified_without_consent_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        if customer_ticked_save:
            method = stripe.PaymentMethod.modify(method.id, allow_redisplay="always")
        return method

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "'unspecified'" in text and "'limited'" in text


def test_attaching_without_recording_consent_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        return stripe.PaymentMethod.attach(payment_method, customer=customer_id)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "attaching records no consent" in text


def test_limited_for_a_ticked_box_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        return stripe.PaymentMethod.modify(method.id, allow_redisplay="limited")

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "She ticked" in text and "'limited'" in text


def test_attaching_to_another_customer_fails(jenny: stripe.Customer) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=jenny.id)  # the global
        consent = "always" if customer_ticked_save else "limited"
        return stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "to a different customer" in text


def test_not_attaching_at_all_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.retrieve(payment_method)  # a fresh pm_, never attached
        return stripe.PaymentMethod.modify(method.id, allow_redisplay="always")

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "has no saved payment method" in text


def test_attaching_twice_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        consent = "always" if customer_ticked_save else "limited"
        return stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "attached 2 payment methods" in text


def test_forgetting_to_return_the_method_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        consent = "always" if customer_ticked_save else "limited"
        stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "saved correctly" in text and "returned None" in text


def test_returning_the_object_attach_returned_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        consent = "always" if customer_ticked_save else "limited"
        stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)
        return method  # as attach left it: allow_redisplay 'unspecified'

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "as attach left it, before your update" in text, text


def test_returning_the_method_read_back_after_the_update_passes(
        backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        consent = "always" if customer_ticked_save else "limited"
        stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)
        return stripe.PaymentMethod.retrieve(method.id)

    verdict, text = verdict_for(save_card)
    assert verdict.ok, text


def test_swallowing_stripe_errors_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        try:
            method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        except stripe.StripeError:
            return None
        consent = "always" if customer_ticked_save else "limited"
        return stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "instead of raising" in text


def test_crashing_on_an_unknown_payment_method_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        try:
            method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
        except stripe.StripeError:
            method = None
        consent = "always" if customer_ticked_save else "limited"
        return stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "AttributeError" in text and "not Stripe's own error" in text


def test_code_that_raises_on_a_good_card_fails(backend: helpers.Backend) -> None:
    def save_card(customer_id, payment_method, customer_ticked_save):
        # modify before attach: Stripe does not know a test card's token as a PaymentMethod id
        stripe.PaymentMethod.modify(payment_method, allow_redisplay="always")

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "should save" in text


@pytest.mark.parametrize("answer", [42, "pm_card_visa", {"customer": "cus_x"}])
def test_answers_that_are_not_functions_get_a_verdict(backend: helpers.Backend,
                                                      answer: Any) -> None:
    verdict, text = verdict_for(answer)
    assert not verdict.ok and "Pass the function itself" in text


def test_a_function_with_the_wrong_signature_gets_a_verdict(backend: helpers.Backend) -> None:
    def save_card(customer_id):
        return stripe.PaymentMethod.attach("pm_card_visa", customer=customer_id)

    verdict, text = verdict_for(save_card)
    assert not verdict.ok and "TypeError" in text and "Traceback" not in text


def test_the_checker_runs_against_a_stripe_like_server(tmp_path: Path) -> None:
    """Test mode: stripe-python over HTTP to an emulator server, as it would reach Stripe."""
    with stripe_test_mode(tmp_path):
        verdict, text = verdict_for(reference_save_card())
        assert verdict.ok, text

        def always(customer_id, payment_method, customer_ticked_save):
            method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
            return stripe.PaymentMethod.modify(method.id, allow_redisplay="always")

        verdict, text = verdict_for(always)
        assert not verdict.ok and "did not tick the box, yet" in text
