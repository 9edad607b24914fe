"""Stripe's documented limits (helpers/emulator/limits.py cites each): refused with Stripe's
error shape and status, never accepted, never a 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import stripe

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator
from helpers.emulator.errors import MAX_BODY_BYTES
from helpers.emulator.forms import MAX_DEPTH, encode
from helpers.emulator.http_client import EmulatorHTTPClient

RETURN_URL = "https://example.com/done"


def refused(emulator: Emulator, method: str, path: str, params: dict, status: int = 400
            ) -> dict:
    """The error object of a refused request (and that it was refused with `status`)."""
    response = emulator.request(method, path, params, DEFAULT_SECRET_KEY)
    assert response.status == status, response.body
    error = response.body["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    return error


def ok(emulator: Emulator, method: str, path: str, params: dict) -> dict:
    response = emulator.request(method, path, params, DEFAULT_SECRET_KEY)
    assert response.status == 200, response.body
    return response.body


def new_intent(emulator: Emulator, **extra) -> dict:
    return ok(emulator, "POST", "/v1/payment_intents",
              {"amount": "1099", "currency": "usd", **extra})


@pytest.mark.parametrize("currency", ["xyz", "btc", "<script>", "us", "usdd"])
def test_an_unsupported_currency_is_refused_on_create_and_update(emulator: Emulator,
                                                                 currency: str) -> None:
    error = refused(emulator, "POST", "/v1/payment_intents",
                    {"amount": "1099", "currency": currency})
    assert error["param"] == "currency" and error["code"] == "parameter_invalid"
    assert error["message"].startswith(f"Invalid currency: {currency}.")
    intent = new_intent(emulator)
    error = refused(emulator, "POST", f"/v1/payment_intents/{intent['id']}",
                    {"currency": currency})
    assert error["param"] == "currency"
    assert ok(emulator, "GET", f"/v1/payment_intents/{intent['id']}", {})["currency"] == "usd"


def test_an_empty_currency_cannot_unset_it(emulator: Emulator) -> None:
    error = refused(emulator, "POST", "/v1/payment_intents", {"amount": "1099", "currency": ""})
    assert error["code"] == "parameter_invalid_empty" and error["param"] == "currency"
    intent = new_intent(emulator)
    error = refused(emulator, "POST", f"/v1/payment_intents/{intent['id']}", {"currency": ""})
    assert error["code"] == "parameter_invalid_empty"


def test_supported_currencies_are_accepted_in_any_case(emulator: Emulator) -> None:
    assert new_intent(emulator, currency="EUR")["currency"] == "eur"
    assert ok(emulator, "POST", "/v1/payment_intents",
              {"amount": "17500", "currency": "huf"})["currency"] == "huf"


@pytest.mark.parametrize("amount, currency, code", [
    ("0", "usd", "parameter_invalid_integer"),
    ("-100", "usd", "parameter_invalid_integer"),
    ("49", "usd", "amount_too_small"),
    ("29", "gbp", "amount_too_small"),
    ("17499", "huf", "amount_too_small"),  # HUF 175.00
    ("100000000", "usd", "amount_too_large"),
])
def test_amounts_within_stripes_minimum_and_maximum(emulator: Emulator, amount: str,
                                                    currency: str, code: str) -> None:
    error = refused(emulator, "POST", "/v1/payment_intents",
                    {"amount": amount, "currency": currency})
    assert error["code"] == code and error["param"] == "amount"


def test_the_largest_amount_is_accepted(emulator: Emulator) -> None:
    assert new_intent(emulator, amount="99999999")["amount"] == 99_999_999


@pytest.mark.parametrize("amount, code", [("0", "parameter_invalid_integer"),
                                          ("-100", "parameter_invalid_integer"),
                                          ("5001", "amount_too_large")])
def test_capture_bounds(emulator: Emulator, amount: str, code: str) -> None:
    intent = ok(emulator, "POST", "/v1/payment_intents", {
        "amount": "5000", "currency": "usd", "capture_method": "manual", "confirm": "true",
        "payment_method": "pm_card_visa", "return_url": RETURN_URL})
    assert intent["status"] == "requires_capture"
    error = refused(emulator, "POST", f"/v1/payment_intents/{intent['id']}/capture",
                    {"amount_to_capture": amount})
    assert error["code"] == code and error["param"] == "amount_to_capture"
    after = ok(emulator, "GET", f"/v1/payment_intents/{intent['id']}", {})
    assert after["status"] == "requires_capture" and after["amount_received"] == 0
    events = ok(emulator, "GET", "/v1/events", {"limit": "100"})["data"]
    assert all(e["data"]["object"].get("amount_received", 0) >= 0 for e in events)
    captured = ok(emulator, "POST", f"/v1/payment_intents/{intent['id']}/capture",
                  {"amount_to_capture": "5000"})
    assert captured["amount_received"] == 5000


@pytest.mark.parametrize("metadata, param", [
    ({f"k{i}": "v" for i in range(51)}, "metadata"),
    ({"k" * 41: "v"}, "metadata[" + "k" * 41 + "]"),
    ({"note": "v" * 501}, "metadata[note]"),
])
@pytest.mark.parametrize("path", ["/v1/customers", "/v1/payment_intents"])
def test_metadata_limits(emulator: Emulator, metadata: dict, param: str, path: str) -> None:
    params = {"metadata": metadata}
    if path == "/v1/payment_intents":
        params.update(amount="1099", currency="usd")
    error = refused(emulator, "POST", path, params)
    assert error["param"] == param and error["code"] == "parameter_invalid"


def test_metadata_at_its_limits_is_accepted(emulator: Emulator) -> None:
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)}
    assert len(ok(emulator, "POST", "/v1/customers", {"metadata": metadata})["metadata"]) == 50


@pytest.mark.parametrize("name, value", [
    ("statement_descriptor_suffix", "X" * 23),
    ("statement_descriptor_suffix", "ORDER <7>"),
    ("statement_descriptor", "A" * 30),
])
def test_statement_descriptors(emulator: Emulator, name: str, value: str) -> None:
    error = refused(emulator, "POST", "/v1/payment_intents",
                    {"amount": "1099", "currency": "usd", name: value})
    assert error["param"] == name


def test_string_lengths(emulator: Emulator) -> None:
    error = refused(emulator, "POST", "/v1/payment_intents",
                    {"amount": "1099", "currency": "usd", "description": "d" * 1001})
    assert error["param"] == "description"
    assert new_intent(emulator, description="d" * 1000)["description"] == "d" * 1000
    error = refused(emulator, "POST", "/v1/customers", {"description": "d" * 5001})
    assert error["param"] == "description"
    error = refused(emulator, "POST", "/v1/customers", {"name": "n" * 5001})
    assert error["param"] == "name"
    error = refused(emulator, "POST", "/v1/customers",
                    {"address": {"line1": "l" * 5001}})
    assert error["param"] == "address[line1]"


@pytest.mark.parametrize("limit, ok_", [("0", False), ("-1", False), ("101", False),
                                        ("1", True), ("100", True)])
@pytest.mark.parametrize("path", ["/v1/customers", "/v1/payment_intents", "/v1/events"])
def test_list_limit_from_1_to_100(emulator: Emulator, limit: str, ok_: bool,
                                  path: str) -> None:
    if ok_:
        ok(emulator, "GET", path, {"limit": limit})
    else:
        error = refused(emulator, "GET", path, {"limit": limit})
        assert error["param"] == "limit" and error["code"] == "parameter_invalid_integer"


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two words@example.com", "@x.io"])
def test_email_format(emulator: Emulator, email: str) -> None:
    error = refused(emulator, "POST", "/v1/customers", {"email": email})
    assert error["code"] == "email_invalid" and error["param"] == "email"
    customer = ok(emulator, "POST", "/v1/customers", {"email": "jenny@example.com"})
    refused(emulator, "POST", f"/v1/customers/{customer['id']}", {"email": email})
    error = refused(emulator, "POST", "/v1/payment_intents",
                    {"amount": "1099", "currency": "usd", "receipt_email": email})
    assert error["param"] == "receipt_email"


def test_expanding_an_unknown_field_is_refused(emulator: Emulator) -> None:
    intent = new_intent(emulator)
    customer = ok(emulator, "POST", "/v1/customers", {"name": "x"})
    ok(emulator, "POST", f"/v1/payment_intents/{intent['id']}", {"customer": customer["id"]})
    for field in ("colour", "amount", "customer.nonsense", "data.customer"):
        error = refused(emulator, "GET", f"/v1/payment_intents/{intent['id']}",
                        {"expand": [field]})
        assert error["param"] == "expand" and "cannot be expanded" in error["message"]
    error = refused(emulator, "GET", f"/v1/payment_intents/{intent['id']}",
                    {"expand": ["a.b.c.d.e"]})
    assert "more than 4 levels" in error["message"]
    expanded = ok(emulator, "GET", f"/v1/payment_intents/{intent['id']}",
                  {"expand": ["customer", "customer.invoice_settings.default_payment_method"]})
    assert expanded["customer"]["id"] == customer["id"]
    listed = ok(emulator, "GET", "/v1/payment_intents", {"expand": ["data.customer"]})
    assert listed["data"][0]["customer"]["id"] == customer["id"]


def test_a_bad_expand_on_a_create_changes_nothing(emulator: Emulator) -> None:
    error = refused(emulator, "POST", "/v1/customers", {"name": "x", "expand": ["colour"]})
    assert error["param"] == "expand"
    assert ok(emulator, "GET", "/v1/customers", {})["data"] == []
    assert ok(emulator, "GET", "/v1/events", {})["data"] == []


def test_deep_nesting_is_refused_not_a_500(emulator: Emulator) -> None:
    client = EmulatorHTTPClient(emulator)
    body = "metadata" + "[a]" * 500 + "=1"
    text, status, _ = client.request("post", "http://emulator.invalid/v1/customers",
                                     {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"},
                                     body.encode())
    assert status == 400 and "nested" in text and '"invalid_request_error"' in text
    ok_body = "metadata" + "[a]" * (MAX_DEPTH - 1) + "=1"
    assert client.request("post", "http://emulator.invalid/v1/customers",
                          {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"},
                          ok_body.encode())[1] == 400  # refused by the params' types instead


def test_a_body_over_the_cap_gets_413(emulator: Emulator) -> None:
    client = stripe.StripeClient(DEFAULT_SECRET_KEY, http_client=EmulatorHTTPClient(emulator),
                                 base_addresses={"api": "http://emulator.invalid"},
                                 max_network_retries=0)
    with pytest.raises(stripe.APIError) as error:  # stripe-python's class for a 413
        client.v1.customers.create({"metadata": {f"k{i}": "v" * 500 for i in range(50)},
                                    "description": "d" * 5000, "name": "x" * MAX_BODY_BYTES})
    assert error.value.http_status == 413 and error.value.error.code == "request_too_large"
    assert client.v1.customers.list().data == []  # nothing was stored


@pytest.mark.parametrize("delay", ["nan", "NaN", "inf", "-inf", "-1", "1e300", "x"])
def test_webhook_faults_take_finite_delays_only(emulator: Emulator, delay: str) -> None:
    error = refused(emulator, "POST", "/v1/test_helpers/kit/webhook_faults",
                    {"delay_seconds": delay})
    assert error["param"] == "delay_seconds"
    faults = ok(emulator, "GET", "/v1/test_helpers/kit/webhook_faults", {})
    assert faults["delay_seconds"] == 0.0
    ok(emulator, "POST", "/v1/webhook_endpoints", {"url": "https://example.com/hook",
                                                   "enabled_events": ["*"]})
    ok(emulator, "POST", "/v1/customers", {"name": "still works"})  # queues a delivery


def test_a_nan_delay_kept_by_an_older_version_is_ignored(emulator: Emulator) -> None:
    emulator.store.set_meta("webhook_faults", '{"delay_seconds": NaN}')
    assert emulator.faults.get().delay_seconds == 0.0
    ok(emulator, "POST", "/v1/webhook_endpoints", {"url": "https://example.com/hook",
                                                   "enabled_events": ["*"]})
    ok(emulator, "POST", "/v1/customers", {"name": "still works"})


def test_a_damaged_page_is_found_at_start_up(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "emulator.sqlite3"
    emulator = Emulator(db)
    for i in range(300):
        ok(emulator, "POST", "/v1/customers", {"name": f"customer {i}", "description": "x" * 900})
    emulator.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    emulator.store.close()
    page_size = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    middle = (len(data) // page_size // 2) * page_size
    data[middle:middle + page_size] = b"\xff" * page_size  # one page in the middle, wrecked
    db.write_bytes(bytes(data))
    fresh = Emulator(db)
    try:
        message = capsys.readouterr().err
        assert "could not be read" in message and "malformed" in message
        assert list(tmp_path.glob("emulator.sqlite3.damaged-*"))  # kept for inspection
        assert ok(fresh, "GET", "/v1/customers", {})["data"] == []  # starts empty, no 500
    finally:
        fresh.store.close()


def test_the_in_process_client_encodes_as_stripe_python_does() -> None:
    assert encode({"a": {"b": [1, 2]}}) == "a%5Bb%5D%5B0%5D=1&a%5Bb%5D%5B1%5D=2"
