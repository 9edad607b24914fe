"""Returning customers for the lessons: a Customer with saved cards, made with the real API."""

from __future__ import annotations

from collections.abc import Sequence

import stripe

from .backend import current

DEFAULT_CARDS = ("pm_card_visa", "pm_card_mastercard")


def save_card(customer_id: str, test_token: str, allow_redisplay: str = "always"
              ) -> stripe.PaymentMethod:
    """Attach a test card to a customer and say whether the Payment Element may show it again.

    `allow_redisplay` is `always` (show it), `limited` or `unspecified` (hidden by default).
    """
    current()
    method = stripe.PaymentMethod.attach(test_token, customer=customer_id)
    if method.allow_redisplay != allow_redisplay:
        method = stripe.PaymentMethod.modify(method.id, allow_redisplay=allow_redisplay)
    return method


def returning_customer(name: str = "Jenny Rosen", email: str = "jenny.rosen@example.com",
                       cards: Sequence[str] = DEFAULT_CARDS,
                       allow_redisplay: str = "always") -> stripe.Customer:
    """A customer who has paid before: created, with `cards` saved in order (newest last)."""
    current()
    customer = stripe.Customer.create(name=name, email=email)
    for token in cards:
        save_card(customer.id, token, allow_redisplay)
    return customer


def saved_methods(customer_id: str) -> list[stripe.PaymentMethod]:
    """Every payment method saved to the customer, newest first."""
    current()
    return list(stripe.Customer.list_payment_methods(customer_id, limit=100).auto_paging_iter())
