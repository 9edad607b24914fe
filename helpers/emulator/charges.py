"""Charges: the record of one payment attempt (the PaymentIntent's `latest_charge`)."""

from __future__ import annotations

from typing import Any

from . import charge_details
from .context import Context, list_envelope
from .routing import route


def record(ctx: Context, pi: dict[str, Any], pm: dict[str, Any], *, status: str,
           captured: bool = True, failure: tuple[str, str] | None = None) -> dict[str, Any]:
    """Create the charge for an attempt: `succeeded`, `pending` or `failed`."""
    charge = {
        "id": ctx.new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if status == "succeeded" and captured else 0,
        "amount_refunded": 0,
        "disputed": False,
        "billing_details": pm.get("billing_details"),
        "captured": status == "succeeded" and captured,
        "created": ctx.now,
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "livemode": False,
        "metadata": dict(pi.get("metadata") or {}),
        "outcome": charge_details.outcome(pm, failure),
        "paid": status == "succeeded",
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "type": pm["type"],
            pm["type"]: charge_details.card_details(pi, pm, status=status, captured=captured,
                                                    now=ctx.now)
            if pm["type"] == "card" else {},
        },
        "receipt_email": pi.get("receipt_email"),
        "refunded": False,
        "status": status,
    }
    return ctx.save(charge)


def _refund_list(ctx: Context, charge_id: str, params: dict[str, Any]) -> dict[str, Any]:
    from .refunds import for_charge

    return list_envelope(ctx, for_charge(ctx, charge_id), params,
                         f"/v1/charges/{charge_id}/refunds")


@route("GET", "/v1/charges/{id}", "ChargeRetrieveParams")
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    """`refunds` is sent only when `expand[]=refunds` asks for it (since API 2022-11-15)."""
    charge = ctx.get("charge", id)
    if any(str(e).split(".")[0] == "refunds" for e in params.get("expand") or []):
        charge["refunds"] = _refund_list(ctx, id, {})
    return charge


@route("GET", "/v1/charges/{id}/refunds", "ChargeListRefundsParams")
def list_refunds(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require("charge", id)
    return _refund_list(ctx, id, params)


@route("GET", "/v1/charges/{id}/refunds/{refund}", "ChargeRetrieveRefundParams")
def retrieve_refund(ctx: Context, params: dict[str, Any], id: str, refund: str) -> dict:
    ctx.require("charge", id)
    found = ctx.get("refund", refund)
    if found["charge"] != id:
        from .errors import missing

        raise missing("refund", refund)
    return found
