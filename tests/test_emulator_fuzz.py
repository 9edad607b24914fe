"""Property: whatever arrives (params, bodies, headers, paths), the answer is a Stripe error or a
success, never a 500 or a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator, routing
from helpers.emulator.errors import StripeError
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
                                    "always", "enabled", "pi_x_secret_y", "-1", "1e400",
                                    "nan", "inf", "-inf", "xyz", "btc", "<script>", "0",
                                    "x" * 6000]))
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


def strict_json(text: str) -> dict:
    """JSON as a strict parser reads it: NaN or Infinity in an answer is a failure."""
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in an answer: not JSON")
    return json.loads(text, parse_constant=refuse)


@given(st.text(max_size=200))
def test_form_decoding_never_raises_anything_but_a_stripe_error(text: str) -> None:
    try:
        assert isinstance(decode(text), dict)
    except StripeError as error:  # nested too deep: a 400 the caller sends as it is
        assert error.status == 400 and "nested" in error.error["message"]


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(min_value=1, max_value=600), name=NAMES.filter(lambda n: "[" not in n),
       route=ROUTES)
def test_any_nesting_depth_is_an_answer_not_a_500(depth: int, name: str, route) -> None:
    method, pattern = route
    path = pattern.replace("(?P<id>[^/]+)", SEED).replace("(?P<pm>[^/]+)", "pm_card_visa")
    body = (name or "x") + "[a]" * depth + "=1"
    client = EmulatorHTTPClient(EMULATOR)
    text, status, _ = client.request(method, f"http://emulator.invalid{path}",
                                     {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"},
                                     body.encode())
    assert_stripe_shaped(status, strict_json(text))


@settings(max_examples=80, deadline=None)
@given(delay=st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                       st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1e999", "", "x"])))
def test_kit_routes_answer_json_for_any_number(delay: str) -> None:
    """A fault delay that is not a finite number of seconds is refused, and the account's
    next answers stay valid JSON (a NaN once poisoned every delivery)."""
    client = EmulatorHTTPClient(EMULATOR)
    auth = {"Authorization": "Bearer sk_test_emulator_fuzz_faults"}
    for method, path, body in (("post", "/v1/test_helpers/kit/webhook_faults",
                                f"delay_seconds={delay}"),
                               ("get", "/v1/test_helpers/kit/webhook_faults", ""),
                               ("post", "/v1/test_helpers/kit/clock/advance",
                                f"seconds={delay}"),
                               ("post", "/v1/customers", "name=after")):
        text, status, _ = client.request(method, f"http://emulator.invalid{path}", auth,
                                         body.encode() or None)
        assert_stripe_shaped(status, strict_json(text))
    EMULATOR.faults.clear(EMULATOR.account_of("sk_test_emulator_fuzz_faults"))
