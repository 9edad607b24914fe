"""Lesson 05's exercise: confirm a payment, or explain to the customer why it did not go through.

The checker opens PaymentIntents for a fresh customer through the API (emulator or Stripe test
mode alike) and calls your `pay_or_explain(intent_id, payment_method)` as a checkout page's
server would: a card declined for insufficient funds, then a good card on the same intent (a
retry must not open a second PaymentIntent), a payment method id that does not exist (Stripe's
message for developers must not reach the customer), and a card that needs 3-D Secure. It
watches the requests that reach Stripe while your code runs, from whatever client sent them, so
a PaymentIntent you create is noticed.
"""

from __future__ import annotations

from typing import Any

import stripe

from ..stripejs import status_message
from .core import Run, Stop, Verdict, describe_error, exercise, fail, run
from .stripe_traffic import watch_stripe

EXERCISE = "05-pay-or-explain"
DECLINING_CARD = "pm_card_visa_chargeDeclinedInsufficientFunds"
GOOD_CARD = "pm_card_visa"
MISSING_METHOD = "pm_doesnotexist"
THREE_D_SECURE_CARD = "pm_card_authenticationRequired"
SUCCESS_MESSAGE = status_message("succeeded")


@exercise(EXERCISE, "Confirm, or explain the decline", [
    "Call `stripe.PaymentIntent.confirm(intent_id, payment_method=payment_method,"
    " return_url=RETURN_URL)` inside try/except. Which exception is a decline, and which of"
    " its fields is written for the customer?",
    "`except stripe.CardError as error:` → `error.user_message`; then `except"
    " stripe.StripeError:` → your generic message (never Stripe's text). In both branches read"
    " the status with `stripe.PaymentIntent.retrieve(intent_id).status`. On success,"
    " `stripejs.status_message(intent.status)` is the seed's message.",
])
def check_pay_or_explain(answer: Any) -> Verdict:
    if not callable(answer):
        return Verdict(False, f"`pay_or_explain` should be a function; it is a"
                       f" {type(answer).__name__}.")
    try:
        customer = stripe.Customer.create(name="Checkout Checker",
                                          description="(created by the 05 exercise checker)")
    except stripe.StripeError as error:
        return Verdict(False, "The checker could not reach Stripe:"
                       f" {describe_error(error)}. Run the notebook's first cell"
                       " (helpers.start()) and try again.")
    opened: list[str] = []
    try:
        for step in (_decline_then_retry, _other_error, _three_d_secure):
            verdict = step(answer, customer.id, opened)
            if verdict is not None:
                return verdict
    except Stop as stop:
        return stop.verdict
    listed = stripe.PaymentIntent.list(customer=customer.id, limit=100).data
    if len(listed) > len(opened):
        return _created_verdict("one of the payments")
    return Verdict(True, "pay_or_explain shows a decline's own message, retries on the same"
                   " PaymentIntent (no second charge, no second intent), keeps Stripe's"
                   " messages for developers away from the customer, and reports a 3-D"
                   " Secure card as requires_action for the page to handle.")


def _open(customer_id: str, opened: list[str]) -> Any:
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer_id)
    opened.append(intent.id)
    return intent


def _call(answer: Any, intent_id: str, payment_method: str, what: str) -> dict[str, Any]:
    """Your function's answer; or `Stop` with a verdict on what it did wrong (creating a
    PaymentIntent of its own first: that is the mistake a hint must name, whatever followed)."""
    with watch_stripe() as seen:
        result: Run = run(answer, intent_id, payment_method)
    if any(r.status == 200 for r in seen.creates("/v1/payment_intents")):
        raise Stop(_created_verdict(what))
    if any(r.params.get("off_session", "false") != "false"
           for r in seen.matching("POST", "/v1/payment_intents/")):
        raise fail(f"With {what}, your function confirmed with off_session: that tells Stripe"
                   " the customer is not there, yet she is paying on the checkout page. A card"
                   " that asks for 3-D Secure would then fail instead of letting her"
                   " authenticate. Leave off_session out of a payment she makes now.")
    if result.raised:
        error = result.error
        if isinstance(error, stripe.CardError):
            raise fail(f"With {what}, stripe.CardError escaped from your"
                       " function: the customer would see an error page. Catch it"
                       " and return the PaymentIntent's status with the error's"
                       " message for the customer.")
        if isinstance(error, stripe.StripeError):
            raise fail(f"With {what}, {type(error).__name__} escaped from"
                       " your function. Not every Stripe error is a decline: catch"
                       " `stripe.StripeError` too and show a generic message.")
        if isinstance(error, TypeError) and "argument" in str(error):
            raise fail(f"{describe_error(error)}: the checker calls"
                       " `pay_or_explain(intent_id, payment_method)`.")
        raise fail(f"With {what}, your function raised"
                   f" {describe_error(error)}.")
    value = result.value
    if not isinstance(value, dict) or not {"status", "message"} <= set(value):
        raise fail(f"With {what}, your function returned {_short(value)}."
                   " Return a dict with two keys: 'status' (the PaymentIntent's"
                   " status) and 'message' (what the customer reads).")
    if not isinstance(value["message"], str) or not value["message"].strip():
        raise fail(f"With {what}, the 'message' is {_short(value['message'])}:"
                   " the customer needs a sentence to read.")
    return value


def _check_status(value: dict[str, Any], intent_id: str, what: str) -> None:
    """`Stop` unless your function reported the PaymentIntent's own status."""
    actual = stripe.PaymentIntent.retrieve(intent_id).status
    if value["status"] != actual:
        raise fail(f"With {what}, your function reported status"
                   f" {_short(value['status'])}, but the PaymentIntent is {actual}. Report"
                   " the PaymentIntent's own status (confirm returns it; after an error,"
                   " retrieve the intent).")


def _decline_then_retry(answer: Any, customer_id: str, opened: list[str]) -> Verdict | None:
    intent = _open(customer_id, opened)
    what = "a card declined for insufficient funds"
    value = _call(answer, intent.id, DECLINING_CARD, what)
    after = stripe.PaymentIntent.retrieve(intent.id)
    error = after.last_payment_error
    if error is None:
        return Verdict(False, "Stripe never tried the card: your confirm call failed before it"
                       " got there. Confirm with `payment_method=payment_method` and"
                       " `return_url=RETURN_URL` (this PaymentIntent also accepts redirect-based"
                       " methods, so confirming needs a return_url).")
    _check_status(value, intent.id, what)
    message = value["message"]
    if message == SUCCESS_MESSAGE:
        return Verdict(False, f"With {what}, your function told the customer"
                       f" {message!r}. The card was declined.")
    if message != error.message:
        if error.decline_code and error.decline_code in message:
            return Verdict(False, f"With {what}, the message shows the decline code"
                           f" ({error.decline_code}): that is for your logs. Show the card"
                           " error's message for the customer, `error.user_message`.")
        return Verdict(False, f"With {what}, the customer read {message!r}. For a decline, show"
                       " the card error's own message, `error.user_message`: it is written"
                       " for the customer and says what went wrong (here, insufficient"
                       " funds), so they know to try another card.")
    what = "a good card, retried on the same PaymentIntent after the decline"
    value = _call(answer, intent.id, GOOD_CARD, what)
    _check_status(value, intent.id, what)
    if value["status"] != "succeeded":
        return Verdict(False, f"With {what}, the PaymentIntent is {value['status']}, not"
                       " succeeded: confirm the intent you were given with the payment method"
                       " you were given.")
    if value["message"] != SUCCESS_MESSAGE:
        return Verdict(False, f"The retry succeeded, but the customer read"
                       f" {value['message']!r}. Show the seed's success message,"
                       f" {SUCCESS_MESSAGE!r} (`stripejs.status_message(intent.status)`).")
    return None


def _other_error(answer: Any, customer_id: str, opened: list[str]) -> Verdict | None:
    intent = _open(customer_id, opened)
    what = "a payment method id that does not exist"
    value = _call(answer, intent.id, MISSING_METHOD, what)
    message = value["message"]
    leaks = ("No such", MISSING_METHOD, "payment_method", "resource_missing", "Request req_")
    if any(leak in message for leak in leaks):
        return Verdict(False, "With a payment method id that does not exist, the customer read"
                       f" {message!r}. That is Stripe's message for developers (it can name"
                       " ids and parameters). Only a card error's message is written for"
                       " customers: for any other Stripe error show a generic message, and log"
                       " the details for yourself.")
    if message == SUCCESS_MESSAGE:
        return Verdict(False, f"With {what}, your function told the customer {message!r}.")
    _check_status(value, intent.id, what)
    return None


def _three_d_secure(answer: Any, customer_id: str, opened: list[str]) -> Verdict | None:
    intent = _open(customer_id, opened)
    what = "a card that needs 3-D Secure"
    value = _call(answer, intent.id, THREE_D_SECURE_CARD, what)
    _check_status(value, intent.id, what)
    if value["message"] == SUCCESS_MESSAGE:
        return Verdict(False, f"With {what}, the PaymentIntent is {value['status']}: the"
                       " customer must still authenticate with the bank, so it is too early"
                       f" to say {SUCCESS_MESSAGE!r}.")
    return None


def _created_verdict(what: str) -> Verdict:
    return Verdict(False, f"With {what}, your function created a new PaymentIntent. Confirm the"
                   " one you were given (`intent_id`): a retry on the same intent can never"
                   " charge the customer twice, and the order keeps one payment.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
