"""API versions: Stripe-Version per request, a default per account, endive's breaking change."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.emulator import Emulator
from helpers.emulator.versions import LATEST, known

KEY = "sk_test_emulator_default"
OTHER_KEY = "sk_test_emulator_other"


def intent_params(**extra: Any) -> dict[str, Any]:
    return {"amount": "2000", "currency": "usd", "payment_method_types": ["card"],
            "payment_method": "pm_card_visa", "confirm": "true", **extra}


def post(emulator: Emulator, path: str, params: dict[str, Any], key: str = KEY,
         version: str | None = None):
    headers = {"Stripe-Version": version} if version else None
    return emulator.request("POST", path, params, key, headers)


def test_known_versions_span_2011_to_endive() -> None:
    versions = known()
    assert versions[0] == "2011-01-01"
    assert versions[-1] == LATEST == "2026-10-28.endive"
    assert {"2024-06-20", "2025-03-31.basil", "2025-09-30.clover",
            "2026-03-25.dahlia", "2026-09-30.endive"} <= set(versions)


def test_endive_refuses_payment_method_types(emulator: Emulator) -> None:
    for version in (None, LATEST, "2026-09-30.endive"):  # None: the kit's default, endive
        answer = post(emulator, "/v1/payment_intents", intent_params(), version=version)
        assert answer.status == 400, version
        error = answer.body["error"]
        assert error["code"] == "payment_method_types_no_longer_supported"
        assert error["param"] == "payment_method_types"
        assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize("version", ["2024-06-20", "2025-03-31.basil", "2026-08-26.dahlia"])
def test_earlier_versions_accept_payment_method_types(emulator: Emulator, version: str) -> None:
    answer = post(emulator, "/v1/payment_intents", intent_params(), version=version)
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "succeeded"
    assert answer.body["payment_method_types"] == ["card"]
    assert answer.body["automatic_payment_methods"] is None


def test_earlier_versions_check_payment_method_types(emulator: Emulator) -> None:
    answer = post(emulator, "/v1/payment_intents", intent_params(payment_method_types=""),
                  version="2024-06-20")
    assert answer.status == 400
    assert answer.body["error"]["param"] == "payment_method_types"


def test_unknown_version_gets_stripes_error(emulator: Emulator) -> None:
    for version in ("2024-13-45", "latest", "2026-10-28.fig"):
        answer = emulator.request("GET", "/v1/customers", {}, KEY, {"Stripe-Version": version})
        assert answer.status == 400
        assert answer.body["error"]["message"] == f"Invalid Stripe API version: {version}"
        assert answer.body["error"]["type"] == "invalid_request_error"


def test_account_default_applies_without_a_header(emulator: Emulator) -> None:
    answer = post(emulator, "/v1/test_helpers/kit/default_api_version",
                  {"api_version": "2024-06-20"})
    assert answer.status == 200 and answer.body["api_version"] == "2024-06-20"
    assert post(emulator, "/v1/payment_intents", intent_params()).status == 200
    # the header still wins over the default
    refused = post(emulator, "/v1/payment_intents", intent_params(), version=LATEST)
    assert refused.body["error"]["code"] == "payment_method_types_no_longer_supported"
    # another account keeps the kit's default
    other = post(emulator, "/v1/payment_intents", intent_params(), key=OTHER_KEY)
    assert other.body["error"]["code"] == "payment_method_types_no_longer_supported"
    read = emulator.request("GET", "/v1/test_helpers/kit/default_api_version", {}, OTHER_KEY)
    assert read.body["api_version"] == LATEST
    # "" restores the kit's default
    post(emulator, "/v1/test_helpers/kit/default_api_version", {"api_version": ""})
    again = post(emulator, "/v1/payment_intents", intent_params())
    assert again.body["error"]["code"] == "payment_method_types_no_longer_supported"


def test_setting_an_unknown_default_is_refused(emulator: Emulator) -> None:
    answer = post(emulator, "/v1/test_helpers/kit/default_api_version",
                  {"api_version": "2019-02-30"})
    assert answer.status == 400
    assert "Invalid Stripe API version" in answer.body["error"]["message"]
    missing = post(emulator, "/v1/test_helpers/kit/default_api_version", {})
    assert missing.body["error"]["code"] == "parameter_missing"


def test_default_version_given_to_the_emulator(tmp_path) -> None:
    emulator = Emulator(":memory:", deterministic=True, default_api_version="2024-06-20")
    try:
        assert post(emulator, "/v1/payment_intents", intent_params()).status == 200
    finally:
        emulator.store.close()


def test_events_carry_the_accounts_version(emulator: Emulator) -> None:
    post(emulator, "/v1/test_helpers/kit/default_api_version",
         {"api_version": "2025-03-31.basil"})
    post(emulator, "/v1/customers", {"name": "Ada"})
    events = emulator.request("GET", "/v1/events", {"limit": "1"}, KEY).body["data"]
    assert events[0]["type"] == "customer.created"
    assert events[0]["api_version"] == "2025-03-31.basil"
    other_customer = post(emulator, "/v1/customers", {"name": "Bo"}, key=OTHER_KEY)
    assert other_customer.status == 200
    other = emulator.request("GET", "/v1/events", {"limit": "1"}, OTHER_KEY).body["data"]
    assert other[0]["api_version"] == LATEST


def test_a_pinned_endpoint_gets_its_own_version(emulator: Emulator) -> None:
    received: list[dict[str, Any]] = []

    def receiver(body: bytes, headers: dict[str, str]) -> int:
        import json

        received.append(json.loads(body))
        return 200

    url = emulator.add_receiver("versions-test", receiver)
    for version in ("2024-06-20", None):
        params: dict[str, Any] = {"url": url, "enabled_events": ["customer.created"]}
        if version:
            params["api_version"] = version
        assert post(emulator, "/v1/webhook_endpoints", params).status == 200
    post(emulator, "/v1/customers", {"name": "Ada"})
    emulator.run_deliveries()
    assert sorted(event["api_version"] for event in received) == ["2024-06-20", LATEST]


def test_charges_and_intents_carry_invoice_before_basil(emulator: Emulator) -> None:
    old = post(emulator, "/v1/payment_intents", intent_params(), version="2025-02-24.acacia")
    assert old.body["invoice"] is None
    charge_id = old.body["latest_charge"]
    charge = emulator.request("GET", f"/v1/charges/{charge_id}", {}, KEY,
                              {"Stripe-Version": "2024-06-20"})
    assert charge.status == 200 and charge.body["invoice"] is None
    expanded = emulator.request("GET", f"/v1/payment_intents/{old.body['id']}",
                                {"expand": ["latest_charge"]}, KEY,
                                {"Stripe-Version": "2024-06-20"})
    assert expanded.body["latest_charge"]["invoice"] is None
    listed = emulator.request("GET", "/v1/payment_intents", {}, KEY,
                              {"Stripe-Version": "2024-06-20"})
    assert all(item["invoice"] is None for item in listed.body["data"])
    for version in ("2025-03-31.basil", LATEST):
        now = emulator.request("GET", f"/v1/payment_intents/{old.body['id']}", {}, KEY,
                               {"Stripe-Version": version})
        assert "invoice" not in now.body


def test_a_decline_carries_invoice_before_basil(emulator: Emulator) -> None:
    declined = post(emulator, "/v1/payment_intents",
                    intent_params(payment_method="pm_card_chargeDeclined"), version="2024-06-20")
    assert declined.status == 402
    assert declined.body["error"]["payment_intent"]["invoice"] is None


def test_events_are_rendered_at_their_version(emulator: Emulator) -> None:
    received: list[dict[str, Any]] = []

    def receiver(body: bytes, headers: dict[str, str]) -> int:
        import json

        received.append(json.loads(body))
        return 200

    url = emulator.add_receiver("render-test", receiver)
    post(emulator, "/v1/webhook_endpoints", {"url": url, "api_version": LATEST,
                                             "enabled_events": ["payment_intent.created"]})
    post(emulator, "/v1/test_helpers/kit/default_api_version", {"api_version": "2024-06-20"})
    post(emulator, "/v1/payment_intents", intent_params(confirm="false"))
    emulator.run_deliveries()
    listed = emulator.request("GET", "/v1/events", {"type": "payment_intent.created"}, KEY,
                              {"Stripe-Version": LATEST}).body["data"][0]
    assert listed["api_version"] == "2024-06-20"
    assert listed["data"]["object"]["invoice"] is None  # as it was when it happened
    assert received[0]["api_version"] == LATEST  # the endpoint's version, not the account's
    assert "invoice" not in received[0]["data"]["object"]


def test_customer_coupons_before_and_after_basil(emulator: Emulator) -> None:
    old = post(emulator, "/v1/customers", {"coupon": "SPRING"}, version="2024-06-20")
    assert old.status == 404 and old.body["error"]["param"] == "coupon"
    assert old.body["error"]["code"] == "resource_missing"
    new = post(emulator, "/v1/customers", {"coupon": "SPRING"}, version="2025-03-31.basil")
    assert new.status == 400 and new.body["error"]["code"] == "parameter_unknown"


def test_beta_flags_after_the_version_are_tolerated(emulator: Emulator) -> None:
    answer = emulator.request("GET", "/v1/customers", {}, KEY,
                              {"Stripe-Version": "2024-06-20; kit_beta=v1"})
    assert answer.status == 200
    refused = emulator.request("GET", "/v1/customers", {}, KEY,
                               {"Stripe-Version": "2024-06-21; kit_beta=v1"})
    assert refused.status == 400


def test_setup_intents_follow_the_same_rule(emulator: Emulator) -> None:
    params = {"payment_method_types": ["card"], "payment_method": "pm_card_visa",
              "confirm": "true", "usage": "off_session"}
    old = post(emulator, "/v1/setup_intents", dict(params), version="2024-06-20")
    assert old.status == 200, old.body
    assert old.body["status"] == "succeeded" and old.body["payment_method_types"] == ["card"]
    new = post(emulator, "/v1/setup_intents", dict(params))
    assert new.body["error"]["code"] == "payment_method_types_no_longer_supported"
