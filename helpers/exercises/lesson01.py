"""Lesson 01's exercise: save a card to the right customer, recording her consent.

The checker calls the learner's `save_card` the way a server would after a checkout: for fresh
customers it creates through the API, with Stripe test cards, once with the "save for next
time" box ticked and once without, then with a payment method id Stripe does not know. It
reads the result back through the API (emulator or Stripe test mode alike), never from the
emulator's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe

from .core import Stop, Verdict, describe_error, exercise, fail, run

UNKNOWN_PAYMENT_METHOD = "pm_unknown_to_stripe_0000"

CASES = (
    # (test card, did she tick "save for next time"?, the allow_redisplay her consent gives)
    ("pm_card_visa", True, "always"),
    ("pm_card_mastercard", False, "limited"),
)


@exercise("01-save-with-consent", "Save a card with the customer's consent", [
    "Two API calls: attach the payment method to the customer whose id you are given, then"
    " update that PaymentMethod's `allow_redisplay`. Her consent decides the value: ticked"
    " means `always`, not ticked means `limited`.",
    "`stripe.PaymentMethod.attach` takes the payment method and `customer=`, and returns the"
    " new PaymentMethod (a test card becomes a fresh `pm_…`). Then `stripe.PaymentMethod.modify`"
    " that PaymentMethod's `.id`, with the `allow_redisplay` that `customer_ticked_save` gives,"
    " and return the result. Catch nothing: a Stripe error should reach the caller.",
])
def check_save_with_consent(answer: Any) -> Verdict:
    if not callable(answer):
        return Verdict(False, f"Pass the function itself: `save_card`, not a"
                       f" {type(answer).__name__}.")
    try:
        for token, ticked, expected in CASES:
            _check_one_save(answer, token, ticked, expected)
        _check_unknown_payment_method(answer)
    except Stop as stop:
        return stop.verdict
    return Verdict(True, "Each card went to the customer you were given, with her consent"
                   " recorded: ticked → 'always' (the Payment Element may show it again), not"
                   " ticked → 'limited' (kept for later charges, not shown); and a payment"
                   " method Stripe does not know came back to the caller as Stripe's error.")


def _fresh_customer(label: str) -> stripe.Customer:
    try:
        return stripe.Customer.create(name=f"Checker 01-save-with-consent ({label})")
    except stripe.StripeError as error:
        raise fail("The checker could not create a customer to test with:"
                   f" {describe_error(error)}") from error


def _saved_to(customer_id: str) -> list[Any]:
    try:
        return list(stripe.Customer.list_payment_methods(customer_id, limit=10).data)
    except stripe.StripeError as error:
        raise fail("The checker could not list the customer's payment methods:"
                   f" {describe_error(error)}") from error


def _check_one_save(save_card: Callable[..., Any], token: str, ticked: bool,
                    expected: str) -> None:
    label = "ticked" if ticked else "not ticked"
    customer = _fresh_customer(label)
    call = f"save_card(customer_id, {token!r}, customer_ticked_save={ticked})"
    result = run(save_card, customer.id, token, ticked)
    if result.raised:
        raise fail(f"{call} raised {describe_error(result.error)}. That is a"
                   " valid test card for an existing customer: it should save.")
    saved = _saved_to(customer.id)
    if not saved:
        raise Stop(_nothing_attached(call, result.value, customer.id))
    if len(saved) > 1:
        raise fail(f"{call} attached {len(saved)} payment methods to the"
                   " customer for one card. A test card becomes a new PaymentMethod"
                   " each time you use it: attach once, then update the PaymentMethod"
                   " attach returned, by its `.id`.")
    method = saved[0]
    got = getattr(method, "allow_redisplay", None)
    if got != expected:
        raise Stop(_wrong_redisplay(call, ticked, got))
    if getattr(result.value, "id", None) != method.id:
        what = "None" if result.value is None else f"a {type(result.value).__name__}"
        raise fail(f"The card was saved correctly, but {call} returned {what}."
                   " Return the saved PaymentMethod: the caller needs its id.")
    returned = getattr(result.value, "allow_redisplay", None)
    if returned != got:
        raise fail(f"The card was saved correctly, but {call} returned it with"
                   f" allow_redisplay {returned!r}, while Stripe now holds {got!r}: that is"
                   " the PaymentMethod as attach left it, before your update. Return the"
                   " object your update call returned: it is the card as Stripe keeps it.")


def _nothing_attached(call: str, returned: Any, customer_id: str) -> Verdict:
    owner = None
    returned_id = getattr(returned, "id", None)
    if isinstance(returned_id, str) and returned_id.startswith("pm_"):
        try:
            owner = stripe.PaymentMethod.retrieve(returned_id).customer
        except stripe.StripeError:
            owner = None
    owner_id = getattr(owner, "id", owner)
    if owner_id and owner_id != customer_id:
        return Verdict(False, f"{call} attached the card to a different customer, not to the one"
                       " whose id it was given. Use the `customer_id` argument: a global such"
                       " as the notebook's `customer` is someone else at checkout time.")
    return Verdict(False, f"After {call}, the customer passed as `customer_id` has no saved"
                   " payment method: attach the payment method to that customer.")


def _wrong_redisplay(call: str, ticked: bool, got: Any) -> Verdict:
    if ticked and got == "unspecified":
        return Verdict(False, f"After {call} the card's allow_redisplay is still 'unspecified':"
                       " attaching records no consent. She ticked the box, so update the"
                       " PaymentMethod to 'always'.")
    if ticked:
        return Verdict(False, f"She ticked \"save for next time\", but after {call} the card's"
                       f" allow_redisplay is {got!r}. Her tick is the consent that makes it"
                       " 'always'.")
    if got == "always":
        return Verdict(False, f"She did not tick the box, yet after {call} the card's"
                       " allow_redisplay is 'always': the Payment Element would show it at her"
                       " next checkout without her consent. Set 'always' only when"
                       " `customer_ticked_save` is true.")
    if got == "unspecified":
        return Verdict(False, f"After {call} the card's allow_redisplay is 'unspecified', which"
                       " says nobody recorded anything. You did record something: she did not"
                       " tick the box, so this card, kept for later charges, is 'limited'.")
    return Verdict(False, f"She did not tick the box; after {call} the card's allow_redisplay"
                   f" is {got!r}. A card kept for later charges without that consent is"
                   " 'limited'.")


def _check_unknown_payment_method(save_card: Callable[..., Any]) -> None:
    customer = _fresh_customer("unknown payment method")
    call = f"save_card(customer_id, {UNKNOWN_PAYMENT_METHOD!r}, customer_ticked_save=True)"
    result = run(save_card, customer.id, UNKNOWN_PAYMENT_METHOD, True)
    if isinstance(result.error, stripe.StripeError):
        return
    if result.raised:
        raise fail(f"Given a payment method id Stripe does not know, {call}"
                   f" raised {describe_error(result.error)}, not Stripe's own error."
                   " Catch nothing: let the Stripe error reach the caller, whose route"
                   " turns it into a 400 with Stripe's message.")
    what = "None" if result.value is None else f"a {type(result.value).__name__}"
    raise fail(f"Given a payment method id Stripe does not know, {call}"
               f" returned {what} instead of raising: the caller would believe the card"
               " was saved. Let Stripe's error (an InvalidRequestError) reach it.")
