"""What Stripe.js does in the browser, done from Python with the same keys and calls.

No browser runs under nbval, so notebook 03 also confirms a payment the way Stripe.js does:
with only the *publishable* key and the PaymentIntent's client secret (never the secret key).
"""

from __future__ import annotations

from typing import Any

import stripe

from .backend import publishable_client
from .display import StatusBadge

# The seed's status.js messages, by PaymentIntent status.
STATUS_MESSAGES = {
    "succeeded": "Success! Payment received.",
    "processing": "Payment processing. We'll update you when payment is received.",
    "requires_payment_method": "Payment failed. Please try another payment method.",
}
OTHER_STATUS_MESSAGE = "Something went wrong."


def status_message(status: str) -> str:
    """The seed's status page, as a function: the message a customer sees for a status."""
    return STATUS_MESSAGES.get(status, OTHER_STATUS_MESSAGE)


def intent_id(client_secret: str, prefix: str = "pi_") -> str:
    """The intent id is everything before `_secret_` (that is how Stripe.js finds it)."""
    kind = "SetupIntent" if prefix == "seti_" else "PaymentIntent"
    if not isinstance(client_secret, str) or "_secret_" not in client_secret \
            or not client_secret.startswith(prefix):
        raise ValueError(f"That is not a {kind} client secret: it should look like"
                         f" '{prefix}…_secret_…' (use the `client_secret` your server returned).")
    return client_secret.split("_secret_")[0]


def retrieve_payment_intent(client_secret: str) -> stripe.PaymentIntent:
    """`stripe.retrievePaymentIntent(clientSecret)`: the publishable-key view of the intent."""
    client = publishable_client()
    return client.v1.payment_intents.retrieve(intent_id(client_secret),
                                              {"client_secret": client_secret})


def confirm_payment(client_secret: str, payment_method: str, return_url: str,
                    **extra: Any) -> stripe.PaymentIntent:
    """`stripe.confirmPayment(...)` for a chosen saved method, with the publishable key.

    Raises `stripe.CardError` on a decline, as Stripe.js resolves `{error}`.
    """
    client = publishable_client()
    params = {"client_secret": client_secret, "payment_method": payment_method,
              "return_url": return_url, **extra}
    return client.v1.payment_intents.confirm(intent_id(client_secret), params)  # type: ignore[arg-type]


def retrieve_setup_intent(client_secret: str) -> stripe.SetupIntent:
    """`stripe.retrieveSetupIntent(clientSecret)`: the publishable-key view of a SetupIntent."""
    client = publishable_client()
    return client.v1.setup_intents.retrieve(intent_id(client_secret, "seti_"),
                                            {"client_secret": client_secret})


def confirm_setup(client_secret: str, payment_method: str, return_url: str,
                  **extra: Any) -> stripe.SetupIntent:
    """`stripe.confirmSetup(...)` with a chosen method and the publishable key: saves the
    method for later (attached to the SetupIntent's customer), charges nothing.

    Raises `stripe.CardError` on a declined card, as Stripe.js resolves `{error}`. A card that
    asks for 3-D Secure comes back `requires_action` (`helpers.test_actions` can answer it).
    """
    client = publishable_client()
    params = {"client_secret": client_secret, "payment_method": payment_method,
              "return_url": return_url, **extra}
    return client.v1.setup_intents.confirm(intent_id(client_secret, "seti_"),
                                           params)  # type: ignore[arg-type]


def status_page(client_secret: str) -> StatusBadge:
    """The seed's return page: retrieve the intent and show the message for its status."""
    intent = retrieve_payment_intent(client_secret)
    return StatusBadge(intent.status, status_message(intent.status))
