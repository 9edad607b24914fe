"""The seed's server endpoint, `POST /create-intent-and-customer-session`, as a function.

Notebook 02 builds this step by step; later notebooks and the workshop app import it from here.
"""

from __future__ import annotations

from typing import Any

import stripe

from .backend import current
from .saved_methods_report import explain_saved_methods

SEED_FEATURES: dict[str, Any] = {"payment_method_redisplay": "enabled"}


def create_intent_and_customer_session(customer_id: str, *, amount: int = 1099,
                                       currency: str = "usd",
                                       features: dict[str, Any] | None = None,
                                       **intent_params: Any) -> dict[str, str]:
    """Create a PaymentIntent and a CustomerSession for one customer; return both secrets.

    These two client secrets are all the browser needs: the PaymentIntent's to pay, the
    CustomerSession's to show (and, with features, save or remove) the saved methods.
    """
    current()
    if not isinstance(customer_id, str) or not customer_id.startswith("cus_"):
        raise ValueError(f"customer_id should be a Customer id like 'cus_…', got {customer_id!r}:"
                         " pass `customer.id`, not the customer object or its name.")
    intent = stripe.PaymentIntent.create(
        amount=amount, currency=currency, automatic_payment_methods={"enabled": True},
        customer=customer_id, **intent_params)
    customer_session = stripe.CustomerSession.create(
        customer=customer_id,
        components={"payment_element": {"enabled": True,
                                        "features": SEED_FEATURES if features is None
                                        else features}})
    return {"client_secret": intent.client_secret,
            "customer_session_client_secret": customer_session.client_secret}


def methods_the_element_shows(customer_id: str,
                              features: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Which saved methods a Payment Element with these CustomerSession features shows.

    `features` is taken as given (unset features take Stripe's defaults, so without
    `payment_method_redisplay: 'enabled'` nothing is shown); None means the seed's features.
    A thin wrapper over `explain_saved_methods(...).shown`, which also says why the others
    are hidden; no PaymentIntent is given, so types are not checked against one.
    """
    return explain_saved_methods(customer_id,
                                 SEED_FEATURES if features is None else features).shown
