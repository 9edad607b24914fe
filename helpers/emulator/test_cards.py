"""Stripe's documented test payment methods and what each one does.

Source: shared/reference/stripe-behaviour.md §3 (docs.stripe.com/testing). Each entry maps a
`pm_card_*` token and/or a card number to the outcome Stripe test mode gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "card_velocity_exceeded": "Your card was declined.",
    "fraudulent": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "incorrect_number": "Your card number is incorrect.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
}


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str = "visa"
    funding: str = "credit"
    country: str = "US"
    # what a charge does: "succeed", "decline" or "authenticate" (3-D Secure first)
    charge: str = "succeed"
    code: str | None = None  # error code of the decline (card_declined, expired_card...)
    decline_code: str | None = None
    attachable: bool = True  # decline-table cards cannot be attached to a customer
    after_auth: str = "succeed"  # outcome once 3-D Secure completes
    auth_when: str = "always"  # "always", "on_session" (…3155 once set up), "setup" (…0446)
    tokens: tuple[str, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        return DECLINE_MESSAGES.get(self.decline_code or self.code or "", "Your card was declined.")


def _declined(number: str, code: str, decline_code: str | None, *tokens: str) -> TestCard:
    return TestCard(number, charge="decline", code=code, decline_code=decline_code,
                    attachable=False, tokens=tokens)


CARDS: tuple[TestCard, ...] = (
    TestCard("4242424242424242", tokens=("pm_card_visa",)),
    TestCard("4000056655665556", funding="debit", tokens=("pm_card_visa_debit",)),
    TestCard("5555555555554444", brand="mastercard", tokens=("pm_card_mastercard",)),
    TestCard("5200828282828210", brand="mastercard", funding="debit",
             tokens=("pm_card_mastercard_debit",)),
    TestCard("378282246310005", brand="amex",
             tokens=("pm_card_amex", "pm_card_amex_threeDSecureNotSupported")),
    TestCard("6011111111111117", brand="discover", tokens=("pm_card_discover",)),
    TestCard("4000000000000077", tokens=("pm_card_bypassPending",)),
    _declined("4000000000000002", "card_declined", "generic_decline",
              "pm_card_visa_chargeDeclined", "pm_card_chargeDeclined"),
    _declined("4000000000009995", "card_declined", "insufficient_funds",
              "pm_card_visa_chargeDeclinedInsufficientFunds",
              "pm_card_chargeDeclinedInsufficientFunds"),
    _declined("4000000000009987", "card_declined", "lost_card",
              "pm_card_visa_chargeDeclinedLostCard"),
    _declined("4000000000009979", "card_declined", "stolen_card",
              "pm_card_visa_chargeDeclinedStolenCard"),
    _declined("4000000000000069", "expired_card", None, "pm_card_chargeDeclinedExpiredCard"),
    _declined("4000000000000127", "incorrect_cvc", None, "pm_card_chargeDeclinedIncorrectCvc"),
    _declined("4000000000000119", "processing_error", None,
              "pm_card_chargeDeclinedProcessingError"),
    _declined("4000000000006975", "card_declined", "card_velocity_exceeded",
              "pm_card_visa_chargeDeclinedVelocityLimitExceeded"),
    _declined("4100000000000019", "card_declined", "fraudulent",
              "pm_card_radarBlock", "pm_card_chargeDeclinedFraudulent"),
    # Attaches fine, every charge fails: the card to use for a declined saved card.
    TestCard("4000000000000341", charge="decline", code="card_declined",
             decline_code="generic_decline", tokens=("pm_card_chargeCustomerFail",)),
    TestCard("4000002500003155", charge="authenticate", auth_when="on_session",
             tokens=("pm_card_authenticationRequiredOnSetup",)),
    TestCard("4000002760003184", charge="authenticate", tokens=("pm_card_authenticationRequired",)),
    TestCard("4000003800000446", charge="authenticate", auth_when="setup",
             tokens=("pm_card_authenticationRequiredSetupForOffSession",)),
    TestCard("4000008260003178", charge="authenticate", after_auth="insufficient_funds",
             tokens=("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",)),
    TestCard("4000000000003220", charge="authenticate",
             tokens=("pm_card_threeDSecure2Required",)),
    TestCard("4000008400001629", charge="authenticate", after_auth="generic_decline",
             tokens=("pm_card_threeDSecureRequiredChargeDeclined",)),
    TestCard("4000008400001280", charge="decline", code="card_declined",
             decline_code="processing_error",
             tokens=("pm_card_threeDSecureRequiredProcessingError",)),
    TestCard("4000000000003055", tokens=("pm_card_threeDSecureOptional",)),
    # Refunds (docs.stripe.com/testing "Refunds"; what their refunds do: refunds.py).
    TestCard("4000000000007726", tokens=("pm_card_pendingRefund",)),  # pending, then succeeds
    TestCard("4000000000005126", tokens=("pm_card_refundFail",)),  # succeeds, then fails
)

BY_TOKEN = {token: card for card in CARDS for token in card.tokens}
BY_NUMBER = {card.number: card for card in CARDS}


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:4].isdigit() and (
        2221 <= int(number[:4]) <= 2720
    ):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith("6011") or number.startswith("65"):
        return "discover"
    return "unknown"


def card_for_number(number: str) -> TestCard:
    """A documented test card, or a plain succeeding card of the number's brand."""
    return BY_NUMBER.get(number) or TestCard(number, brand=brand_of(number))
