"""What a charge says about its attempt: `outcome` and `payment_method_details`, per test card.

Stripe fills these for each test card (docs.stripe.com/declines, docs.stripe.com/testing,
docs.stripe.com/radar/risk-evaluation); API 2026-10-28.endive. The shape (every field of
`Charge.Outcome` and `Charge.PaymentMethodDetails.Card`) comes from shapes.complete(); the values
here are the ones Stripe documents. Where Stripe's test mode is not documented the value is
marked UNCONFIRMED.
"""

from __future__ import annotations

import hashlib
from typing import Any

from . import test_cards

# docs.stripe.com/api/charges/object#charge_object-outcome-seller_message: "Payment complete."
# for an approved card payment; the decline texts are what Stripe's test mode answers
# (UNCONFIRMED word for word, beyond the generic decline's).
APPROVED = "Payment complete."
GENERIC_DECLINE = "The bank did not return any further details with this decline."
RADAR_BLOCK = "Stripe blocked this payment as too risky."  # UNCONFIRMED wording
# Radar's default block rule blocks the highest-risk test card 4100 0000 0000 0019
# (docs.stripe.com/testing#fraud-prevention): outcome type `blocked`, reason `highest_risk_level`,
# network_status `not_sent_to_network` (docs.stripe.com/api/charges/object#charge_object-outcome).
RADAR_BLOCKED_DECLINES = {"fraudulent"}


def decline_code_of(pm: dict[str, Any], failure_code: str) -> str:
    """The decline code behind a failed card charge: the test card's, or the error code."""
    card = _test_card(pm)
    if card is not None:
        if card.charge == "decline" and (card.decline_code or card.code):
            return card.decline_code or card.code or failure_code
        if card.after_auth != "succeed" and failure_code == "card_declined":
            return card.after_auth
    return failure_code


def _test_card(pm: dict[str, Any]) -> test_cards.TestCard | None:
    from .payment_methods import test_card_of

    return test_card_of(pm) if pm.get("type") == "card" else None


def outcome(pm: dict[str, Any], failure: tuple[str, str] | None) -> dict[str, Any]:
    """`charge.outcome` (the nulls the class declares are added by shapes.complete)."""
    if failure is None:
        return {"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                "seller_message": APPROVED, "type": "authorized"}
    reason = decline_code_of(pm, failure[0])
    if reason in RADAR_BLOCKED_DECLINES and pm.get("type") == "card":
        return {"network_status": "not_sent_to_network", "reason": "highest_risk_level",
                "risk_level": "highest", "seller_message": RADAR_BLOCK, "type": "blocked"}
    message = GENERIC_DECLINE if reason == "generic_decline" \
        else f"The bank returned the decline code `{reason}`."
    # advice_code, network_advice_code, network_decline_code: null in test mode (UNCONFIRMED;
    # Stripe documents the advice codes, not which test card returns which).
    return {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": "declined_by_network", "reason": reason, "risk_level": "normal",
            "seller_message": message, "type": "issuer_declined"}


def card_details(pi: dict[str, Any], pm: dict[str, Any], *, status: str, captured: bool,
                 now: int) -> dict[str, Any]:
    """`payment_method_details.card` as Stripe fills it for a test card payment.

    Fields and their usual test-mode values: Stripe's published charge fixture (stripe/openapi,
    fixtures3.json: extended_authorization `disabled`, incremental_authorization, multicapture
    and overcapture `unavailable`, network_token.used false) and the charge object reference.
    """
    card = pm.get("card") or {}
    authorized = status != "failed"
    authenticated = pi.get("status") == "requires_action"  # charged after 3-D Secure
    details: dict[str, Any] = {
        "amount_authorized": pi["amount"] if authorized else None,
        "authorization_code": None,
        "brand": card.get("brand"),
        "checks": dict(card.get("checks") or {}) or None,
        "country": card.get("country"),
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
        "extended_authorization": {"status": "disabled"},
        "fingerprint": card.get("fingerprint"),
        "funding": card.get("funding"),
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": card.get("last4"),
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": card.get("brand"),  # the network a test card runs on is its brand
        "network_token": {"used": False},
        "network_transaction_id": _network_transaction_id(pi) if authorized else None,
        "overcapture": {"maximum_amount_capturable": pi["amount"], "status": "unavailable"},
        "regulated_status": card.get("regulated_status"),
        "three_d_secure": {
            "authentication_flow": "challenge", "electronic_commerce_indicator": "05",
            "exemption_indicator": None, "result": "authenticated", "result_reason": None,
            "transaction_id": None, "version": "2.2.0"} if authenticated else None,
        "wallet": None,
    }
    if authorized and not captured:
        # an uncaptured card payment must be captured within 7 days (docs.stripe.com/payments/
        # place-a-hold-on-a-payment-method)
        details["capture_before"] = now + 7 * 24 * 3600
    return details


def _network_transaction_id(pi: dict[str, Any]) -> str:
    """A stable 15-digit id per payment (Stripe's test values look like this; UNCONFIRMED)."""
    digest = hashlib.sha256(str(pi["id"]).encode()).hexdigest()
    return str(int(digest[:15], 16))[:15].rjust(15, "0")
