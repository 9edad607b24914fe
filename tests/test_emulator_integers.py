"""Form-encoded integers are strict, as Stripe's are (issue 19, finding 3)."""

from __future__ import annotations

import pytest

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator

NOT_INTEGERS = ["1000.0", " 1000 ", "1000 ", "1_000", "+1000", "1e3", "0x3e8", "１０００",
                "١٠٠٠", "1,000", "--1000", "-", ""]


@pytest.mark.parametrize("text", NOT_INTEGERS)
def test_an_amount_that_is_not_strictly_an_integer_is_refused(emulator: Emulator,
                                                              text: str) -> None:
    answer = emulator.request("POST", "/v1/payment_intents",
                              {"amount": text, "currency": "usd"}, DEFAULT_SECRET_KEY)
    assert answer.status == 400, answer.body
    assert answer.body["error"] == {
        "type": "invalid_request_error", "code": "parameter_invalid_integer",
        "message": f"Invalid integer: {text}", "param": "amount",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-invalid-integer"}
    assert emulator.request("GET", "/v1/payment_intents", {},
                            DEFAULT_SECRET_KEY).body["data"] == []


@pytest.mark.parametrize("text, amount", [("1000", 1000), ("0100", 100), ("99999999", 99999999)])
def test_integers_are_read(emulator: Emulator, text: str, amount: int) -> None:
    answer = emulator.request("POST", "/v1/payment_intents",
                              {"amount": text, "currency": "usd"}, DEFAULT_SECRET_KEY)
    assert answer.status == 200 and answer.body["amount"] == amount


def test_a_negative_integer_is_read_then_refused_by_its_bound(emulator: Emulator) -> None:
    answer = emulator.request("POST", "/v1/payment_intents",
                              {"amount": "-5", "currency": "usd"}, DEFAULT_SECRET_KEY)
    assert answer.status == 400
    assert answer.body["error"]["message"] == "This value must be greater than or equal to 1."


def test_nested_and_query_integers_are_strict(emulator: Emulator) -> None:
    listed = emulator.request("GET", "/v1/customers", {"limit": "3.0"}, DEFAULT_SECRET_KEY)
    assert listed.status == 400 and listed.body["error"]["param"] == "limit"
    assert emulator.request("GET", "/v1/customers", {"limit": "3"},
                            DEFAULT_SECRET_KEY).status == 200
    ranged = emulator.request("GET", "/v1/events", {"created": {"gte": "+1"}},
                              DEFAULT_SECRET_KEY)
    assert ranged.status == 400 and ranged.body["error"]["param"] == "created[gte]"
    assert ranged.body["error"]["message"] == "Invalid integer: +1"
