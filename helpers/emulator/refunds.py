"""Refunds: give back all or part of a succeeded payment.

Behaviour (API 2026-10-28.endive; fields and params from stripe-python 16.1 `_refund.py`):
- `POST /v1/refunds` with `payment_intent` (its latest charge) or `charge`; without `amount`
  the rest of the charge is refunded. The charge's `amount_refunded` grows and `refunded`
  becomes true once all of it is refunded; events `refund.created` and `charge.refunded`
  ("occurs whenever a charge is refunded, including partial refunds": Stripe's event types).
- You cannot refund more than was captured: a fully refunded charge answers
  `charge_already_refunded` ("Charge ch_… has already been refunded.", as Stripe answered in
  omnipay-stripe's recorded fixture); more than what is left answers "Refund amount ($X) is
  greater than unrefunded amount on charge ($Y)" (Stripe's wording as users report it; the
  code `amount_too_large` is UNCONFIRMED).
- Test cards (docs.stripe.com/testing, "Refunds"): 4000000000007726 (`pm_card_pendingRefund`)
  refunds start `pending` and turn `succeeded` later (`refund.updated`); 4000000000005126
  (`pm_card_refundFail`) refunds start `succeeded` and turn `failed` later with
  `failure_reason = expired_or_canceled_card` (`refund.updated`, `refund.failed`), and the
  amount is no longer counted as refunded on the charge. "Later" is SETTLE_SECONDS on the
  emulator clock (Stripe's delay is UNCONFIRMED).
- Every change to a refund (update, settling, cancel) sends `refund.updated` and
  `charge.refund.updated` (emit_updated() cites Stripe's event list).
- Cancel: "Cancels a refund with a status of requires_action. You can't cancel refunds in
  other states." (SP `Refund.cancel` docstring). Card refunds never need customer action, so
  on the emulator every cancel is refused with that reason.
"""

from __future__ import annotations

from typing import Any

from . import shapes, timers
from .context import Context, list_envelope
from .errors import StripeError
from .routing import route
from .test_banks import SETTLE_SECONDS

if hasattr(shapes, "register"):  # complete() then builds it to stripe-python's shape
    shapes.register("refund")

# Test card number -> what its refunds do (docs.stripe.com/testing).
ASYNC_SUCCESS_CARD = "4000000000007726"
ASYNC_FAILURE_CARD = "4000000000005126"
COUNTED = ("pending", "succeeded", "requires_action")  # statuses whose amount is refunded


def _money(amount: int, currency: str) -> str:
    from .payment_intents import _money as money

    return money(amount, currency)


def _charge_for(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    charge_id, pi_id = params.get("charge"), params.get("payment_intent")
    if not charge_id and not pi_id:
        # Stripe's exact wording is UNCONFIRMED.
        raise StripeError(400, "One of the following params should be provided for this"
                          " request: payment_intent or charge.", code="parameter_missing",
                          param="payment_intent")
    if pi_id:
        pi = ctx.get("payment_intent", pi_id, "payment_intent")
        charge = ctx.store.get(ctx.account, pi["latest_charge"] or "", "charge")
        if charge is None or charge["status"] != "succeeded" or not charge["captured"]:
            # Wording UNCONFIRMED.
            raise StripeError(
                400, f"This PaymentIntent ({pi['id']}) does not have a successful charge to"
                " refund.", param="payment_intent")
        if charge_id and charge_id != charge["id"]:
            raise StripeError(400, f"The charge {charge_id} does not belong to the"
                              f" PaymentIntent {pi['id']}.", param="charge")
        return charge
    charge = ctx.get("charge", charge_id, "charge")
    if charge["status"] != "succeeded" or not charge["captured"]:
        reason = ("has not been captured: cancel its PaymentIntent instead"
                  if charge["status"] == "succeeded" else f"has a status of {charge['status']}")
        raise StripeError(400, f"Charge {charge['id']} {reason}; only a captured, succeeded"
                          " charge can be refunded.", param="charge")
    return charge


def refunded_so_far(ctx: Context, charge: dict[str, Any]) -> int:
    refunds = ctx.store.list(ctx.account, "refund")
    return sum(r["amount"] for r in refunds
               if r["charge"] == charge["id"] and r["status"] in COUNTED)


def _card_number(ctx: Context, charge: dict[str, Any]) -> str | None:
    pm = ctx.store.get(ctx.account, charge.get("payment_method") or "", "payment_method")
    return ((pm or {}).get("_kit") or {}).get("number")


@route("POST", "/v1/refunds", "RefundCreateParams")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    for name in ("origin", "instructions_email", "customer", "currency"):
        if params.get(name):  # customer-balance refunds: not modelled by the emulator
            raise StripeError(400, f"The offline emulator refunds charges only; {name} is for"
                              " customer-balance refunds, which it does not model.",
                              code="parameter_invalid", param=name)
    charge = _charge_for(ctx, params)
    captured = charge["amount_captured"]
    already = refunded_so_far(ctx, charge)
    remaining = captured - already
    if remaining <= 0:
        raise StripeError(400, f"Charge {charge['id']} has already been refunded.",
                          code="charge_already_refunded", param="charge")
    amount = params.get("amount", remaining)
    if amount < 1:
        raise StripeError(400, "Invalid positive integer: amount must be at least 1.",
                          code="parameter_invalid_integer", param="amount")
    if amount > remaining:
        currency = charge["currency"]
        raise StripeError(
            400, f"Refund amount ({_money(amount, currency)}) is greater than unrefunded amount"
            f" on charge ({_money(remaining, currency)})", code="amount_too_large",
            param="amount")
    number = _card_number(ctx, charge)
    refund: dict[str, Any] = {
        "id": ctx.new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "customer": None,
        "customer_account": None,
        "description": None,
        "destination_details": None,
        "failure_balance_transaction": None,
        "failure_reason": None,
        "instructions_email": None,
        "metadata": dict(params.get("metadata") or {}),
        "next_action": None,
        "payment_intent": charge.get("payment_intent"),
        "payment_method": charge.get("payment_method"),
        "pending_reason": None,
        "presentment_details": None,
        "reason": params.get("reason") or None,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    if number == ASYNC_SUCCESS_CARD:
        refund.update(status="pending", pending_reason="processing")
        timers.schedule(ctx, charge["payment_intent"], SETTLE_SECONDS,
                        {"kind": "refund", "refund": refund["id"], "outcome": "succeed"})
    elif number == ASYNC_FAILURE_CARD:
        timers.schedule(ctx, charge["payment_intent"], SETTLE_SECONDS,
                        {"kind": "refund", "refund": refund["id"], "outcome": "fail"})
    ctx.save(refund)
    _update_charge(ctx, charge, already + amount)
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge)
    return refund


def _update_charge(ctx: Context, charge: dict[str, Any], refunded: int) -> dict[str, Any]:
    charge["amount_refunded"] = refunded
    charge["refunded"] = refunded >= charge["amount_captured"] > 0
    return ctx.save(charge)


def emit_updated(ctx: Context, refund: dict[str, Any], previous: dict[str, Any]) -> None:
    """A refund changed: `refund.updated`, and `charge.refund.updated` for a refund of a charge.

    Stripe's event types (docs.stripe.com/api/refunds, "Events"; API 2026-10-28.endive):
    charge.refund.updated "Occurs whenever a refund is updated on selected payment methods.
    For updates on all refunds, listen to refund.updated instead." Both carry the refund.
    Which payment methods are "selected" is UNCONFIRMED: the emulator refunds only charges
    (cards, bank debits) and sends both for all of them. The order of the two is UNCONFIRMED.
    """
    ctx.emit("refund.updated", refund, previous)
    if refund.get("charge"):
        ctx.emit("charge.refund.updated", refund, previous)


def settle(ctx: Context, action: dict[str, Any]) -> None:
    """A timer fired: a pending refund succeeds, or a refund of the failure card fails."""
    refund = ctx.store.get(ctx.account, action.get("refund") or "", "refund")
    if refund is None or refund["status"] not in ("pending", "succeeded"):
        return
    previous = {"status": refund["status"]}
    if action.get("outcome") == "succeed":
        if refund["status"] != "pending":
            return
        previous["pending_reason"] = refund["pending_reason"]
        refund.update(status="succeeded", pending_reason=None)
        ctx.save(refund)
        emit_updated(ctx, refund, previous)
        return
    previous["failure_reason"] = None
    refund.update(status="failed", failure_reason="expired_or_canceled_card")
    ctx.save(refund)
    charge = ctx.get("charge", refund["charge"], "charge")
    _update_charge(ctx, charge, refunded_so_far(ctx, charge))
    emit_updated(ctx, refund, previous)
    ctx.emit("refund.failed", refund)


@route("GET", "/v1/refunds/{id}", "RefundRetrieveParams")
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    return ctx.get("refund", id)


@route("POST", "/v1/refunds/{id}", "RefundModifyParams")
def update(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    refund = ctx.get("refund", id)
    if "metadata" in params:
        previous = {"metadata": dict(refund["metadata"])}
        if params["metadata"] == "":
            refund["metadata"] = {}
        else:
            merged = dict(refund["metadata"])
            for key, value in (params["metadata"] or {}).items():
                if value == "":
                    merged.pop(key, None)
                else:
                    merged[key] = value
            refund["metadata"] = merged
        ctx.save(refund)
        emit_updated(ctx, refund, previous)
    return refund


@route("GET", "/v1/refunds", "RefundListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    items = ctx.store.list(ctx.account, "refund")
    if params.get("charge"):
        items = [r for r in items if r["charge"] == params["charge"]]
    if params.get("payment_intent"):
        items = [r for r in items if r["payment_intent"] == params["payment_intent"]]
    created = params.get("created")
    if isinstance(created, int):
        items = [r for r in items if r["created"] == created]
    elif isinstance(created, dict):
        checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
        for key, bound in created.items():
            items = [r for r in items if checks[key](r["created"], bound)]
    return list_envelope(ctx, items, params, "/v1/refunds")


@route("POST", "/v1/refunds/{id}/cancel", "RefundCancelParams")
def cancel(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    refund = ctx.get("refund", id)
    if refund["status"] != "requires_action":
        # Rule from SP's Refund.cancel docstring; the message's wording is UNCONFIRMED.
        raise StripeError(
            400, f"This refund cannot be canceled: it has a status of {refund['status']}. Only"
            " refunds with a status of requires_action can be canceled.", param="id")
    previous = {"status": refund["status"]}
    refund["status"] = "canceled"
    ctx.save(refund)
    charge = ctx.get("charge", refund["charge"], "charge")
    _update_charge(ctx, charge, refunded_so_far(ctx, charge))
    emit_updated(ctx, refund, previous)
    return refund


def for_charge(ctx: Context, charge_id: str) -> list[dict[str, Any]]:
    """The charge's refunds, newest first (what `expand[]=refunds` shows)."""
    return [r for r in ctx.store.list(ctx.account, "refund") if r["charge"] == charge_id]
