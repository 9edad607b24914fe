"""Property: whatever arrives (params, bodies, headers, paths), the answer is a Stripe error or a
success, never a 500 or a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator, routing
from helpers.emulator.forms import decode
from helpers.emulator.http_client import EmulatorHTTPClient

EMULATOR = Emulator(":memory:")
SEED = EMULATOR.request("POST", "/v1/customers", {"name": "fuzz"}, DEFAULT_SECRET_KEY).body["id"]
NAMES = st.sampled_from([
    "amount", "currency", "customer", "payment_method", "components", "payment_element",
    "features", "enabled", "limit", "starting_after", "ending_before", "type", "expand",
    "metadata", "url", "enabled_events", "allow_redisplay", "client_secret", "card", "number",
    "exp_month", "outcome", "capture_method", "amount_to_capture", "invoice_settings",
    "confirm", "return_url", "payment_method_data", "sepa_debit", "iban", "us_bank_account",
    "created", "gte", "customer_session_client_secret", "setup_future_usage", "off_session",
]) | st.text(max_size=12)
LEAVES = st.one_of(st.text(max_size=40), st.integers().map(str),
                   st.sampled_from(["true", "false", "", "pm_card_visa", SEED, "usd", "eur",
                                    "always", "enabled", "pi_x_secret_y", "-1", "1e400"]))
PARAMS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(NAMES, inner, max_size=4), max_leaves=12)
ROUTES = st.sampled_from([(r.method, r.pattern.pattern.strip("^$")) for r in routing.ROUTES])
IDS = st.sampled_from([SEED, "pm_card_visa", "pi_nope", "x", "%00", "../..", "😀"])
KEYS = st.sampled_from([DEFAULT_SECRET_KEY, DEFAULT_PUBLISHABLE_KEY, "sk_test_other", "",
                        "sk_" + "live_" + "x" * 10, None, "Bearer"])
HEADERS = st.dictionaries(st.sampled_from(["Idempotency-Key", "Stripe-Version", "X-Other"]),
                          st.text(max_size=300), max_size=3)


def assert_stripe_shaped(status: int, body: dict) -> None:
    assert status != 500, body
    assert isinstance(body, dict)
    if status >= 400:
        error = body["error"]
        assert error["type"] in ("invalid_request_error", "card_error", "idempotency_error")
        assert isinstance(error["message"], str) and error["message"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=ROUTES, first=IDS, second=IDS, params=st.dictionaries(NAMES, PARAMS, max_size=5),
       key=KEYS, headers=HEADERS)
def test_random_params_on_every_route(route, first, second, params, key, headers) -> None:
    method, pattern = route
    path = pattern.replace("(?P<id>[^/]+)", first).replace("(?P<pm>[^/]+)", second)
    response = EMULATOR.request(method, path, params, key, headers)
    assert_stripe_shaped(response.status, response.body)


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH"]),
       path=st.text(max_size=40).map(lambda t: "/v1/" + t), body=st.binary(max_size=300),
       query=st.text(max_size=80))
def test_random_wire_input_through_stripe_pythons_client(method, path, body, query) -> None:
    """Raw bodies and query strings as stripe-python's HTTP layer would hand them over."""
    client = EmulatorHTTPClient(EMULATOR)
    text, status, _ = client.request(method, f"http://emulator.invalid{path}?{query}",
                                     {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}, body)
    assert_stripe_shaped(status, json.loads(text))


@given(st.text(max_size=200))
def test_form_decoding_never_raises(text: str) -> None:
    assert isinstance(decode(text), dict)
