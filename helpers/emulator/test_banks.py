"""Stripe's test bank accounts (ACH, SEPA) and redirect methods (iDEAL, Bancontact).

Sofort is not offered: Stripe discontinued it on 31 March 2025 (reference §9).

Source: shared/reference/stripe-behaviour.md §3. Bank debits confirm to `processing` and settle
later on the emulator clock; redirect methods stop in `requires_action` with a test bank page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SETTLE_SECONDS = 5  # processing -> final: UNCONFIRMED on Stripe, "a few seconds" (reference §3)
DELAYED_SETTLE_SECONDS = 180  # the "…Delayed" SEPA scenarios: "after at least 3 minutes"
ACH_ROUTING_NUMBER = "110000000"


@dataclass(frozen=True)
class TestBankAccount:
    outcome: str  # "succeed", "fail" or "stay" (processing forever)
    code: str | None = None  # failure code on the charge / last_payment_error
    message: str | None = None
    delay: int = SETTLE_SECONDS


ACH_ACCOUNTS = {
    "000123456789": ("pm_usBankAccount_success", TestBankAccount("succeed")),
    "000111111113": ("pm_usBankAccount_accountClosed",
                     TestBankAccount("fail", "account_closed",
                                     "The bank account has been closed.")),
    "000111111116": ("pm_usBankAccount_noAccount",
                     TestBankAccount("fail", "no_account",
                                     "The bank account could not be located.")),
    "000222222227": ("pm_usBankAccount_insufficientFunds",
                     TestBankAccount("fail", "insufficient_funds",
                                     "The account has insufficient funds to cover this payment.")),
    "000333333335": ("pm_usBankAccount_debitNotAuthorized",
                     TestBankAccount("fail", "debit_not_authorized",
                                     "The customer notified their bank that this payment was"
                                     " unauthorized.")),
    "000444444440": ("pm_usBankAccount_invalidCurrency",
                     TestBankAccount("fail", "invalid_currency",
                                     "The bank account does not support this currency.")),
    "000000000009": ("pm_usBankAccount_processing", TestBankAccount("stay")),
    "000777777771": ("pm_usBankAccount_weeklyLimitExceeded",
                     TestBankAccount("fail", "weekly_limit_exceeded",
                                     "This payment exceeds the weekly limit.")),
    "000555555559": ("pm_usBankAccount_dispute", TestBankAccount("succeed")),
    "000666666661": ("pm_usBankAccount_failMicrodeposits", TestBankAccount("succeed")),
    "000000004954": ("pm_usBankAccount_riskLevelHighest",
                     TestBankAccount("fail", "payment_method_blocked",
                                     "This payment was blocked by Radar.")),
}
ACH_BY_TOKEN = {token: (number, account) for number, (token, account) in ACH_ACCOUNTS.items()}

SEPA_SCENARIOS = {
    "success": TestBankAccount("succeed"),
    "successDelayed": TestBankAccount("succeed", delay=DELAYED_SETTLE_SECONDS),
    "failed": TestBankAccount("fail", "generic_decline", "The payment failed."),
    "failedDelayed": TestBankAccount("fail", "generic_decline", "The payment failed.",
                                     delay=DELAYED_SETTLE_SECONDS),
    "disputed": TestBankAccount("succeed"),
    "insufficientFunds": TestBankAccount("fail", "insufficient_funds",
                                         "The account has insufficient funds to cover this"
                                         " payment."),
}
# German and Austrian test IBANs (the docs give the same scheme for other SEPA countries).
SEPA_IBANS = {
    "DE89370400440532013000": "success", "AT611904300234573201": "success",
    "DE08370400440532013003": "successDelayed", "AT321904300235473204": "successDelayed",
    "DE62370400440532013001": "failed", "AT861904300235473202": "failed",
    "DE78370400440532013004": "failedDelayed", "AT051904300235473205": "failedDelayed",
    "DE35370400440532013002": "disputed", "AT591904300235473203": "disputed",
    "DE65370400440002222227": "insufficientFunds", "AT981904300002222227": "insufficientFunds",
}
SEPA_TOKEN = re.compile(rf"^pm_({'|'.join(SEPA_SCENARIOS)})_([a-z]{{2}})$")
REDIRECT_TYPES = ("ideal", "bancontact")
DISCONTINUED_TYPES = ("sofort",)
# Stripe's exact answer for a discontinued type is UNCONFIRMED; this one says what happened.
DISCONTINUED_MESSAGE = ("Sofort was discontinued by Stripe on 31 March 2025: new Sofort payments"
                        " cannot be made. Offer another method instead (for example sepa_debit,"
                        " ideal or bancontact for EUR payments).")
IDEAL_BANKS = ("abn_amro", "asn_bank", "bunq", "ing", "knab", "rabobank", "regiobank",
               "revolut", "sns_bank", "triodos_bank", "van_lanschot")


def sepa_iban_for_token(token: str) -> tuple[str, str] | None:
    """`pm_success_de` -> (IBAN, scenario) using the documented DE/AT IBANs."""
    found = SEPA_TOKEN.match(token)
    if not found:
        return None
    scenario, country = found.groups()
    for iban, name in SEPA_IBANS.items():
        if name == scenario and iban[:2].lower() == country:
            return iban, scenario
    # other countries: the documented scenario on a DE-shaped IBAN (UNCONFIRMED numbers)
    iban = next(i for i, name in SEPA_IBANS.items() if name == scenario and i.startswith("DE"))
    return country.upper() + iban[2:], scenario


def sepa_outcome(iban: str) -> TestBankAccount:
    return SEPA_SCENARIOS[SEPA_IBANS.get(iban.replace(" ", "").upper(), "success")]
