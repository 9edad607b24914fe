"""Self-check exercises at the end of each notebook: a tick when right, a hint when not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe

from .display import plain


@dataclass
class Verdict:
    ok: bool
    message: str

    def __repr__(self) -> str:
        return ("✓ " if self.ok else "✗ ") + self.message

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#9a6700"
        return f"<div style='color:{colour};font-family:sans-serif'>{self!r}</div>"


def _backend_mode(answer: Any) -> Verdict:
    from .backend import current

    if answer == current().mode:
        return Verdict(True, "Right: that is the backend this notebook talks to.")
    return Verdict(False, "Not yet. Hint: look at the first line `helpers.start()` printed, or"
                   " at `backend.mode`; the answer is 'emulator' or 'stripe'.")


def _limited_card_hidden(answer: Any) -> Verdict:
    if not isinstance(answer, str) or not answer.startswith("pm_"):
        return Verdict(False, "Not yet. Hint: save a card with `helpers.save_card(customer.id,"
                       " 'pm_card_amex', allow_redisplay='limited')` and put its id in `answer`.")
    pm = plain(stripe.PaymentMethod.retrieve(answer))
    if pm["allow_redisplay"] != "limited":
        return Verdict(False, f"That card's allow_redisplay is {pm['allow_redisplay']!r}; the"
                       " exercise asks for 'limited'.")
    return Verdict(True, "Right: it is saved, but the Payment Element will not show it unless"
                   " the CustomerSession's filters include 'limited'.")


def _redisplay_limit(answer: Any) -> Verdict:
    if not isinstance(answer, dict):
        return Verdict(False, "Not yet. Hint: `answer` should be the features dict, e.g."
                       " {'payment_method_redisplay': 'enabled', ...}.")
    if answer.get("payment_method_redisplay") != "enabled":
        return Verdict(False, "Saved methods are hidden unless payment_method_redisplay is"
                       " 'enabled'.")
    if answer.get("payment_method_redisplay_limit") != 1:
        return Verdict(False, "Close: which feature caps how many saved methods are shown?"
                       " (payment_method_redisplay_limit, 1 to 10)")
    return Verdict(True, "Right: one saved method, the default or else the newest.")


def _status_message(answer: Any) -> Verdict:
    expected = "Payment processing. We'll update you when payment is received."
    if answer == expected:
        return Verdict(True, "Right: bank debits sit in `processing` before they settle.")
    return Verdict(False, "Not yet. Hint: call `stripejs.status_message('processing')`, or read"
                   " the seed's status.js switch.")


def _duplicate_outcome(answer: Any) -> Verdict:
    if answer == "duplicate":
        return Verdict(True, "Right: the event id is already in processed_events, so nothing"
                       " is fulfilled twice.")
    return Verdict(False, "Not yet. Hint: what does `orders.handle(event)` return the second"
                   " time it sees the same event id?")


def _insufficient_funds(answer: Any) -> Verdict:
    if answer == "insufficient_funds":
        return Verdict(True, "Right: a decline_code tells you (not your customer) why the bank"
                       " said no; show them error.message.")
    return Verdict(False, "Not yet. Hint: confirm with"
                   " 'pm_card_visa_chargeDeclinedInsufficientFunds' and read"
                   " error.error.decline_code.")


EXERCISES: dict[str, Callable[[Any], Verdict]] = {
    "05-decline-code": _insufficient_funds,
    "00-backend": _backend_mode,
    "01-limited-card": _limited_card_hidden,
    "02-redisplay-limit": _redisplay_limit,
    "03-processing-message": _status_message,
    "04-duplicate": _duplicate_outcome,
}


def check(exercise: str, answer: Any) -> Verdict:
    """Check your answer to an exercise; returns ✓ or a hint."""
    if exercise not in EXERCISES:
        raise KeyError(f"No exercise called {exercise!r}; choose one of {sorted(EXERCISES)}.")
    return EXERCISES[exercise](answer)


def _lost_answer(answer: Any) -> Verdict:
    if answer == 2:
        return Verdict(True, "Right: the first attempt reached you but its answer was lost, so"
                       " Stripe sent it again. Deduplicating by event id makes that harmless.")
    if answer == 1:
        return Verdict(False, "Not quite: your handler did get the first attempt; only its"
                       " answer was lost. What does Stripe do when it hears nothing back?")
    return Verdict(False, "Not yet. Hint: turn the fault on, make one card payment with"
                   " `pay('pm_card_visa')`, call `listener.settle()`, and count the deliveries"
                   " of its payment_intent.succeeded in `listener.received`.")


EXERCISES["04-lost-answer"] = _lost_answer
