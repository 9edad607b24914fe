"""Which PaymentIntent fields `POST /v1/payment_intents/{id}` may change, in which status.

Stripe checks an update field by field (API 2026-10-28.endive, as integrators report it): a
field that may no longer change answers 400 `payment_intent_unexpected_state` with "This
PaymentIntent's <field> could not be updated because it has a status of <status>. You may only
update the <field> of a PaymentIntent with one of the following statuses: <list>." Fields that
may still change (an order id in `metadata` after payment) are updated in the same request only
if every field in it is allowed: the request is refused as a whole, as any Stripe error is.

Sources, field by field (UNCONFIRMED marks a list no Stripe answer was seen for):
- `amount`: before confirmation only. "…amount … requires_capture. You may only update the
  amount … requires_payment_method, requires_confirmation, requires_action."
  (solidus_stripe#186, 2023); the same list for `succeeded` (an integrator's report, 2026) and
  `canceled` (thebiggive/matchbot). Raising an authorised amount is a separate endpoint,
  `increment_authorization`, not an update.
- `payment_method`: before confirmation only, the same list, seen for `canceled`
  (thebiggive/matchbot); code `payment_intent_unexpected_state` seen with it (2026).
- `receipt_email`: requires_payment_method, requires_confirmation, requires_action,
  requires_capture, succeeded; refused in `processing` (solspace/craft-freeform#2644, 2026-09;
  shared/reference/stripe-behaviour.md §10).
- `metadata`, `description`: updatable after success (reference §10: integrators add order ids
  after payment; docs.stripe.com/api/payment_intents/update shows a metadata update). In
  `processing` and `canceled`: UNCONFIRMED, allowed here (metadata is the merchant's own).
- `shipping`: UNCONFIRMED; given receipt_email's list (post-payment details, not the charge).
- `statement_descriptor`, `statement_descriptor_suffix`, `application_fee_amount`:
  UNCONFIRMED; before confirmation and in `requires_capture`, since capture itself takes them
  (stripe-python 16.1 `PaymentIntentCaptureParams`).
- `transfer_group`: UNCONFIRMED; given metadata's list (a label for the merchant's books).
- Every other field (currency, customer, setup_future_usage, capture_method, the
  payment-method fields and options, amount_details, payment_details, hooks, transfer_data):
  UNCONFIRMED; before confirmation only, like amount and payment_method, as they change what
  is charged or how.
The `param` of the error is the field (UNCONFIRMED: the reports quote only the message).
"""

from __future__ import annotations

from collections.abc import Iterable

BEFORE_CONFIRMATION = ("requires_payment_method", "requires_confirmation", "requires_action")
BEFORE_CAPTURE = (*BEFORE_CONFIRMATION, "requires_capture")
UNTIL_SUCCESS = (*BEFORE_CAPTURE, "succeeded")
EVERY_STATUS = (*UNTIL_SUCCESS, "processing", "canceled")

# Field -> the statuses in which an update may change it (sources in the module docstring).
UPDATABLE_IN: dict[str, tuple[str, ...]] = {
    "amount": BEFORE_CONFIRMATION,
    "payment_method": BEFORE_CONFIRMATION,
    "receipt_email": UNTIL_SUCCESS,
    "metadata": EVERY_STATUS,
    "description": EVERY_STATUS,
    "shipping": UNTIL_SUCCESS,
    "statement_descriptor": BEFORE_CAPTURE,
    "statement_descriptor_suffix": BEFORE_CAPTURE,
    "application_fee_amount": BEFORE_CAPTURE,
    "transfer_group": EVERY_STATUS,
    "currency": BEFORE_CONFIRMATION,
    "customer": BEFORE_CONFIRMATION,
    "customer_account": BEFORE_CONFIRMATION,
    "setup_future_usage": BEFORE_CONFIRMATION,
    "capture_method": BEFORE_CONFIRMATION,
    "payment_method_data": BEFORE_CONFIRMATION,
    "payment_method_options": BEFORE_CONFIRMATION,
    "payment_method_configuration": BEFORE_CONFIRMATION,
    "allowed_payment_method_types": BEFORE_CONFIRMATION,
    "excluded_payment_method_types": BEFORE_CONFIRMATION,
    "amount_details": BEFORE_CONFIRMATION,
    "payment_details": BEFORE_CONFIRMATION,
    "hooks": BEFORE_CONFIRMATION,
    "transfer_data": BEFORE_CONFIRMATION,
}
NOT_FIELDS = frozenset({"expand"})  # request options, not fields of the PaymentIntent


def refused_field(params: Iterable[str], status: str) -> str | None:
    """The first field of the request that may not change in `status`, None when all may."""
    for name in params:
        if name in NOT_FIELDS:
            continue
        if status not in UPDATABLE_IN.get(name, BEFORE_CONFIRMATION):
            return name
    return None


def refusal_message(field: str, status: str) -> str:
    """Stripe's per-field wording (see the module docstring)."""
    return (f"This PaymentIntent's {field} could not be updated because it has a status of"
            f" {status}. You may only update the {field} of a PaymentIntent with one of the"
            f" following statuses: {', '.join(UPDATABLE_IN.get(field, BEFORE_CONFIRMATION))}.")
