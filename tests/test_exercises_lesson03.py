"""Lesson 03's checker: the reference return page passes; each kind of wrong page gets its hint.

The last test runs the checker in test mode against an emulator *server* that refuses the kit's
own routes (`serve --stripe-only`), as Stripe would: it proves the checker uses only the
public API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from exercise_support import client_built_earlier, run_solution, stripe_test_mode

import helpers
from helpers import stripejs
from helpers.exercises import check

ID = "03-return-page"
WRONG = "Something went wrong."


def reference_page() -> Callable[[str], str]:
    namespace = {"stripe": stripe, "helpers": helpers, "stripejs": stripejs}
    return run_solution(ID, namespace)["return_page_message"]


def verdict_for(answer: Any) -> tuple[Any, str]:
    verdict = check(ID, answer)
    return verdict, repr(verdict)


def secret_in(url: str) -> str:
    return (parse_qs(urlsplit(url).query).get("payment_intent_client_secret") or [""])[0]


def test_the_reference_solution_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(reference_page())
    assert verdict.ok, text
    assert text.startswith("✓") and "processing" in text


def test_the_shipped_stub_fails_with_a_hint(backend: helpers.Backend) -> None:
    def return_page_message(return_url: str) -> str:
        """Shipped stub."""
        ...

    verdict, text = verdict_for(return_page_message)
    assert not verdict.ok and "has no code yet" in text


def test_trusting_redirect_status_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        secret = secret_in(url)
        if not secret:
            return WRONG
        try:
            stripejs.retrieve_payment_intent(secret)  # asks Stripe, then ignores the answer
        except stripe.StripeError:
            return WRONG
        status = (parse_qs(urlsplit(url).query).get("redirect_status") or [""])[0]
        return stripejs.status_message(status)

    verdict, text = verdict_for(page)
    assert not verdict.ok and "anyone can type that into the address bar" in text, text


def test_guessing_without_asking_stripe_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        status = (parse_qs(urlsplit(url).query).get("redirect_status") or [""])[0]
        return stripejs.status_message(status)

    verdict, text = verdict_for(page)
    assert not verdict.ok and "never asked Stripe" in text, text


def test_using_the_secret_key_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        secret = secret_in(url)
        if not secret:
            return WRONG
        try:
            intent = stripe.PaymentIntent.retrieve(secret.split("_secret_")[0])
        except stripe.StripeError:
            return WRONG
        return stripejs.status_message(intent.status)

    verdict, text = verdict_for(page)
    assert not verdict.ok and "called Stripe with the secret key" in text, text


def test_crashing_without_a_client_secret_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        secret = parse_qs(urlsplit(url).query)["payment_intent_client_secret"][0]
        try:
            return stripejs.status_message(stripejs.retrieve_payment_intent(secret).status)
        except stripe.StripeError:
            return WRONG

    verdict, text = verdict_for(page)
    assert not verdict.ok and "someone opened the page by hand" in text, text
    assert "KeyError" in text and "Traceback" not in text


def test_letting_a_stripe_error_escape_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        secret = secret_in(url)
        if not secret:
            return WRONG
        return stripejs.status_message(stripejs.retrieve_payment_intent(secret).status)

    verdict, text = verdict_for(page)
    assert not verdict.ok and "Catch `stripe.StripeError`" in text, text


def test_returning_the_badge_instead_of_text_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> Any:
        secret = secret_in(url)
        return stripejs.status_page(secret) if secret else WRONG

    verdict, text = verdict_for(page)
    assert not verdict.ok and "return the message text (a str)" in text, text


def test_a_wrong_message_for_processing_fails(backend: helpers.Backend) -> None:
    def page(url: str) -> str:
        secret = secret_in(url)
        if not secret:
            return WRONG
        try:
            status = stripejs.retrieve_payment_intent(secret).status
        except stripe.StripeError:
            return WRONG
        return "Payment failed." if status == "processing" else stripejs.status_message(status)

    verdict, text = verdict_for(page)
    assert not verdict.ok and "a bank debit still processing, your page said" in text, text


def test_answers_that_are_not_functions_get_a_verdict(backend: helpers.Backend) -> None:
    for answer in ("Success! Payment received.", 42):
        verdict, text = verdict_for(answer)
        assert not verdict.ok and "Pass the function itself" in text, text


# The checker judges what reached Stripe, whatever client sent it: the reference's `stripejs`
# (a client made per call), a StripeClient built once before the check, or helper functions.


def client_page(client: stripe.StripeClient, *, with_client_secret: bool = True
                ) -> Callable[[str], str]:
    """The return page on a StripeClient built earlier (the browser's, or the server's)."""

    def page(url: str) -> str:
        secret = secret_in(url)
        if not secret:
            return WRONG
        params = {"client_secret": secret} if with_client_secret else {}
        try:
            intent = client.v1.payment_intents.retrieve(secret.split("_secret_")[0], params)
        except stripe.StripeError:
            return WRONG
        return stripejs.status_message(intent.status)

    return page


def read_status(client_secret: str) -> str | None:
    try:
        return stripejs.retrieve_payment_intent(client_secret).status
    except (stripe.StripeError, ValueError):
        return None


def message_for(status: str | None) -> str:
    return stripejs.status_message(status) if status else WRONG


def helpers_page(url: str) -> str:
    secret = secret_in(url)
    return message_for(read_status(secret)) if secret else WRONG


def test_a_page_on_a_publishable_stripe_client_built_before_the_check_passes(
        backend: helpers.Backend) -> None:
    verdict, text = verdict_for(client_page(client_built_earlier(backend.publishable_key)))
    assert verdict.ok, text


def test_a_page_calling_helper_functions_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(helpers_page)
    assert verdict.ok, text


def test_a_secret_key_stripe_client_built_before_the_check_gets_the_same_hint(
        backend: helpers.Backend) -> None:
    verdict, text = verdict_for(client_page(client_built_earlier(), with_client_secret=False))
    assert not verdict.ok and "called Stripe with the secret key" in text, text


@pytest.mark.parametrize("own_http_client", [False, True], ids=["kit-http-client",
                                                                 "own-http-client"])
def test_stripe_client_pages_built_before_the_check_are_judged_in_test_mode(
        tmp_path: Path, own_http_client: bool) -> None:
    """In test mode a StripeClient on its own HTTP client is seen without its key: the
    checker then goes by what Stripe answered (a read with no client secret took the secret
    key)."""
    with stripe_test_mode(tmp_path, stripe_only=True):
        backend = helpers.backend.current()
        browser = client_built_earlier(backend.publishable_key, own_http_client=own_http_client)
        server = client_built_earlier(own_http_client=own_http_client)
        verdict, text = verdict_for(client_page(browser))
        assert verdict.ok, text
        verdict, text = verdict_for(helpers_page)
        assert verdict.ok, text
        verdict, text = verdict_for(client_page(server, with_client_secret=False))
        assert not verdict.ok and "called Stripe with the secret key" in text, text


def test_the_checker_runs_against_a_stripe_like_server(tmp_path: Path) -> None:
    """Test mode: stripe-python over HTTP to an emulator server refusing kit-only routes."""
    with stripe_test_mode(tmp_path, stripe_only=True):
        verdict, text = verdict_for(reference_page())
        assert verdict.ok, text
        verdict, text = verdict_for(lambda url: stripejs.status_message("succeeded"))
        assert not verdict.ok and "never asked Stripe" in text, text
