"""Lesson 03's exercise: the return page, which reads the payment's status from Stripe.

The checker makes real PaymentIntents through the API (succeeded, processing, declined,
canceled) and builds the return URLs Stripe.js would send the customer to, plus URLs a visitor
could type: one that claims `redirect_status=succeeded` for a declined payment, one with no
client secret, one with a secret Stripe does not know. It calls the learner's
`return_page_message(url)` with each and watches the requests it makes to Stripe: the return
page runs in the browser, so they must carry the publishable key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import stripe

from ..backend import current
from ..stripejs import OTHER_STATUS_MESSAGE, status_message
from .core import Stop, Verdict, describe_error, exercise, fail, run
from .stripe_traffic import SeenRequest, watch_stripe

RETURN_PAGE = "https://shop.example.com/order/complete"
UNKNOWN_SECRET = "pi_0000000000000000000000Kt_secret_00000000000000000000000Kt"


@dataclass(frozen=True)
class Case:
    label: str          # what happened, in the learner's words
    url: str
    expected: str
    secret: str | None  # the client secret in the URL, if any


@exercise("03-return-page", "Write the return page", [
    "Three steps, like the seed's status.js: read `payment_intent_client_secret` from the URL's"
    " query string, ask Stripe for that PaymentIntent the way the browser can (publishable key"
    " plus client secret), and turn its `status` into the message. Ignore `redirect_status`.",
    "`urllib.parse.parse_qs(urlsplit(return_url).query)` gives the query as lists. No secret:"
    " return 'Something went wrong.'. Otherwise `stripejs.retrieve_payment_intent(secret)`"
    " inside `try:`; on `stripe.StripeError` return 'Something went wrong.'; else"
    " `stripejs.status_message(intent.status)`.",
])
def check_return_page(answer: Any) -> Verdict:
    if not callable(answer):
        return Verdict(False, f"Pass the function itself: `return_page_message`, not a"
                       f" {type(answer).__name__}.")
    try:
        cases, skipped = _cases()
        for case in cases:
            _check_case(answer, case)
    except Stop as stop:
        return stop.verdict
    told = ", ".join(case.label for case in cases)
    note = f" ({skipped})" if skipped else ""
    return Verdict(True, "Your return page asked Stripe with the publishable key and showed the"
                   f" seed's message for each URL: {told}{note}.")


# ------------------------------------------------------------------ the payments


def _url(intent: Any | None, redirect_status: str | None, secret: str | None = None) -> str:
    """The return URL Stripe.js builds: your own query kept, Stripe's three parameters added."""
    query: list[tuple[str, str]] = [("order", "1042")]
    if intent is not None:
        query.append(("payment_intent", intent.id))
    if secret is not None:
        query.append(("payment_intent_client_secret", secret))
    if redirect_status:
        query.append(("redirect_status", redirect_status))
    return f"{RETURN_PAGE}?{urlencode(query)}"


def _intent() -> Any:
    return stripe.PaymentIntent.create(amount=2500, currency="usd",
                                       automatic_payment_methods={"enabled": True},
                                       metadata={"kit_exercise": "03-return-page"})


def _cases() -> tuple[list[Case], str]:
    try:
        paid = stripe.PaymentIntent.confirm(_intent().id, payment_method="pm_card_visa",
                                            return_url=RETURN_PAGE)
        declined = _intent()
        try:
            stripe.PaymentIntent.confirm(declined.id,
                                         payment_method="pm_card_visa_chargeDeclined",
                                         return_url=RETURN_PAGE)
        except stripe.CardError:
            pass  # the decline this case is about
        declined = stripe.PaymentIntent.retrieve(declined.id)
        canceled = stripe.PaymentIntent.cancel(_intent().id)
    except stripe.StripeError as error:
        raise fail("The checker could not make its test payments:"
                   f" {describe_error(error)}") from error
    cases = [
        Case("a paid card", _url(paid, "succeeded", paid.client_secret),
             status_message("succeeded"), paid.client_secret),
        Case("a declined card whose URL says redirect_status=succeeded",
             _url(declined, "succeeded", declined.client_secret),
             status_message(declined.status), declined.client_secret),
    ]
    processing, skipped = _processing()
    if processing is not None:
        cases.append(Case("a bank debit still processing",
                          _url(processing, None, processing.client_secret),
                          status_message("processing"), processing.client_secret))
    cases += [
        Case("a canceled payment", _url(canceled, "failed", canceled.client_secret),
             OTHER_STATUS_MESSAGE, canceled.client_secret),
        Case("a URL with no client secret", _url(None, None), OTHER_STATUS_MESSAGE, None),
        Case("a client secret Stripe does not know",
             _url(None, "succeeded", UNKNOWN_SECRET), OTHER_STATUS_MESSAGE, UNKNOWN_SECRET),
    ]
    return cases, skipped


def _processing() -> tuple[Any | None, str]:
    """A US bank debit that stays `processing` (test account 000000000009)."""
    try:
        intent = stripe.PaymentIntent.confirm(
            _intent().id, payment_method="pm_usBankAccount_processing", return_url=RETURN_PAGE,
            # A bank debit needs the customer's mandate: here, accepted online on the page.
            mandate_data={"customer_acceptance": {"type": "online", "online": {
                "ip_address": "203.0.113.7", "user_agent": "kit checker"}}})
    except stripe.StripeError as error:
        if current().mode == "emulator":
            raise fail("The checker could not make a processing bank debit:"
                       f" {describe_error(error)}") from error
        return None, ("the processing case was skipped: this Stripe account does not offer US"
                      " bank accounts for this payment")
    return intent, ""


# ------------------------------------------------------------------ the learner's page


def _check_case(page: Callable[[str], Any], case: Case) -> None:
    with watch_stripe() as traffic:
        result = run(page, case.url)
    if result.raised:
        if case.secret is None:
            raise fail("For a URL with no payment_intent_client_secret (someone opened the page"
                       f" by hand) your function raised {describe_error(result.error)}. A"
                       f" return page never crashes: show {OTHER_STATUS_MESSAGE!r}.")
        if isinstance(result.error, stripe.StripeError):
            raise fail(f"For {case.label}, your function let {describe_error(result.error)}"
                       f" escape. Catch `stripe.StripeError` and show {OTHER_STATUS_MESSAGE!r}.")
        raise fail(f"For {case.label}, your function raised"
                   f" {describe_error(result.error)}.")
    reads = traffic.matching("GET", "/v1/payment_intents/")
    if any(_used_the_secret_key(request) for request in traffic.requests):
        raise fail("Your return page called Stripe with the secret key. It runs in the"
                   " customer's browser, which holds only the publishable key: retrieve the"
                   " PaymentIntent with its client secret,"
                   " `stripejs.retrieve_payment_intent(client_secret)`.")
    got = result.value
    if not isinstance(got, str):
        what = "None" if got is None else f"a {type(got).__name__}"
        raise fail(f"For {case.label}, your function returned {what}; return the message"
                   " text (a str).")
    if got == case.expected:
        if case.secret and case.secret != UNKNOWN_SECRET and not reads:
            raise fail(f"For {case.label} the message is right, but your function never asked"
                       " Stripe for the PaymentIntent: the page must read its status from"
                       " Stripe, not guess it.")
        return
    if "redirect_status=succeeded" in case.label and got == status_message("succeeded"):
        raise fail("The URL said redirect_status=succeeded, but that payment was declined:"
                   " anyone can type that into the address bar. Read the status from the"
                   " PaymentIntent Stripe returns.")
    if case.secret and not reads:
        raise fail(f"For {case.label} your page said {got!r} without asking Stripe: retrieve"
                   " the PaymentIntent named by payment_intent_client_secret and use its"
                   " status.")
    raise fail(f"For {case.label}, your page said {got!r}; the seed's status.js says"
               f" {case.expected!r}.")


def _used_the_secret_key(request: SeenRequest) -> bool:
    """The key's kind; or, where it is unknown (test mode, a StripeClient on its own HTTP
    client), what Stripe's answer proves: a publishable key reads a PaymentIntent only with
    its client secret, so a read without one that Stripe answered took a secret key."""
    if request.key_kind != "unknown":
        return request.key_kind in ("secret", "restricted")
    return (request.method == "GET" and request.path.startswith("/v1/payment_intents/")
            and request.status == 200 and "client_secret" not in request.params)
