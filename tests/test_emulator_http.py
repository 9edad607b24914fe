"""The emulator over HTTP, and its promise: bad input gets a Stripe-shaped error, never a 500."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from local_servers import running

from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, Emulator, forms, routing


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("emulator") / "emulator.sqlite3"
    with running("helpers.emulator", "serve", "--db", str(db)) as base:
        yield base


def call(base: str, method: str, path: str, body: str = "", key: str | None = DEFAULT_SECRET_KEY
         ) -> tuple[int, dict, dict]:
    request = urllib.request.Request(base + path, data=body.encode() if body else None,
                                     method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if body:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_stripe_python_works_over_http_with_api_base(server: str) -> None:
    client = stripe.StripeClient(DEFAULT_SECRET_KEY, base_addresses={"api": server},
                                 max_network_retries=0)
    customer = client.v1.customers.create({"name": "Over HTTP"})
    intent = client.v1.payment_intents.create({
        "amount": 1099, "currency": "usd", "customer": customer.id, "confirm": True,
        "payment_method": "pm_card_visa", "return_url": "https://example.com"})
    assert intent.status == "succeeded"
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create({
            "amount": 1099, "currency": "usd", "confirm": True, "return_url": "https://x.test",
            "payment_method": "pm_card_visa_chargeDeclined"})
    assert declined.value.request_id.startswith("req_")


def test_errors_are_json_with_request_ids(server: str) -> None:
    status, body, headers = call(server, "GET", "/v1/customers", key="nope")
    assert status == 401 and body["error"]["type"] == "invalid_request_error"
    assert headers["Request-Id"].startswith("req_")
    status, body, _ = call(server, "GET", "/v1/nothing_here")
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]
    status, body, _ = call(server, "GET", "/v1/customers", key=None)
    assert status == 401 and "API key" in body["error"]["message"]


def test_serves_the_stripe_js_stand_in(server: str) -> None:
    with urllib.request.urlopen(server + "/js.stripe.com/v3/", timeout=5) as response:
        assert "javascript" in response.headers["Content-Type"]
        assert "Stripe" in response.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_ideal_payment(server: str) -> dict:
    status, body, _ = call(server, "POST", "/v1/payment_intents", urllib.parse.urlencode({
        "amount": 1500, "currency": "eur", "confirm": "true",
        "payment_method_data[type]": "ideal", "payment_method_data[ideal][bank]": "ing",
        "return_url": "https://shop.example/order/7/complete?ref=abc"}))
    assert status == 200, body
    assert body["status"] == "requires_action"
    return body


def choose(server: str, pi: dict, outcome: str) -> dict[str, str]:
    """Open the test bank page, press a button, and read where it sends the customer."""
    url = pi["next_action"]["redirect_to_url"]["url"]
    path = urllib.parse.urlsplit(url).path
    with urllib.request.urlopen(server + path, timeout=5) as page:
        assert b"Authorize test payment" in page.read()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(server + path, data=f"outcome={outcome}".encode(), timeout=5)
        raise AssertionError("the bank page should redirect back to return_url")
    except urllib.error.HTTPError as answer:
        assert answer.code == 303
        back = urllib.parse.urlsplit(answer.headers["Location"])
    assert back.netloc == "shop.example"
    return dict(urllib.parse.parse_qsl(back.query))


def test_bank_redirect_authorize_returns_with_stripe_query(server: str) -> None:
    pi = start_ideal_payment(server)
    query = choose(server, pi, "complete")
    assert query["ref"] == "abc"  # the merchant's own parameters survive
    assert query["payment_intent"] == pi["id"]
    assert query["payment_intent_client_secret"] == pi["client_secret"]
    assert query["redirect_status"] == "succeeded"


def test_bank_redirect_fail_returns_failed(server: str) -> None:
    pi = start_ideal_payment(server)
    assert choose(server, pi, "fail")["redirect_status"] == "failed"
    _, body, _ = call(server, "GET", f"/v1/payment_intents/{pi['id']}")
    assert body["status"] == "requires_payment_method"


def test_unknown_redirect_nonce_is_404(server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server + "/kit/redirect/pa_nonce_nothere", timeout=5)
    assert missing.value.code == 404


GARBAGE = ["", "x", "-1", "1e9", "0", "true", "null", "[]", "{}", "😀" * 3, "a" * 6000,
           "pm_card_visa", "cus_", "pi_1_secret_2", "9" * 30]


def random_params(rng: random.Random, depth: int = 0) -> dict:
    keys = ["amount", "currency", "customer", "payment_method", "components", "features",
            "enabled", "limit", "starting_after", "type", "expand", "metadata", "url",
            "enabled_events", "allow_redisplay", "client_secret", "card", "number", "outcome",
            "capture_method", "amount_to_capture", "invoice_settings", "confirm", "zzz"]
    params: dict = {}
    for _ in range(rng.randint(0, 5)):
        key = rng.choice(keys)
        roll = rng.random()
        if roll < 0.2 and depth < 2:
            params[key] = random_params(rng, depth + 1)
        elif roll < 0.3:
            params[key] = [rng.choice(GARBAGE) for _ in range(rng.randint(0, 3))]
        else:
            params[key] = rng.choice(GARBAGE)
    return params


def test_no_input_gets_a_500(tmp_path: Path) -> None:
    """Random nested garbage on every route, with both kinds of key: always a Stripe error."""
    emulator = Emulator(tmp_path / "fuzz.sqlite3")
    rng = random.Random(20261126)
    customer = emulator.request("POST", "/v1/customers", {"name": "x"}, DEFAULT_SECRET_KEY)
    ids = [customer.body["id"], "pm_card_visa", "nope", ""]
    routes = [(r.method, r.pattern.pattern) for r in routing.ROUTES]
    for attempt in range(1500):
        method, pattern = rng.choice(routes)
        path = pattern.strip("^$")
        for name in ("id", "pm"):
            path = path.replace(f"(?P<{name}>[^/]+)", rng.choice(ids) or "x")
        key = rng.choice([DEFAULT_SECRET_KEY, DEFAULT_PUBLISHABLE_KEY])
        response = emulator.request(method, path, random_params(rng), key)
        assert response.status != 500, (attempt, method, path, response.body)
        if response.status >= 400:
            assert response.body["error"]["type"] in (
                "invalid_request_error", "card_error", "idempotency_error"), response.body
            assert response.body["error"]["message"]


@pytest.mark.parametrize("text", ["a[b][c]=1&a[b][d]=2&e[0]=x&e[1]=y&f[]=p&f[]=q", "", "k="])
def test_forms_round_trip(text: str) -> None:
    decoded = forms.decode(text)
    assert forms.decode(forms.encode(decoded)) == decoded
    if text.startswith("a"):
        assert decoded == {"a": {"b": {"c": "1", "d": "2"}}, "e": ["x", "y"], "f": ["p", "q"]}


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1"), ("GET", "/v1/"), ("GET", "//v1/customers"), ("POST", "//v1/customers"),
    ("GET", "/nope"), ("DELETE", "/v2/customers"), ("GET", "/v1/customers/cus_1/nope"),
])
def test_every_path_answers_in_stripes_shape(server: str, method: str, path: str) -> None:
    """Never Tornado's HTML 404: Stripe's JSON one, with a request id."""
    status, body, headers = call(server, method, path)
    assert status == 404
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith("Unrecognized request URL")
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Request-Id"].startswith("req_")


def test_a_body_over_the_cap_is_refused_with_413(server: str) -> None:
    from helpers.emulator.errors import MAX_BODY_BYTES

    status, body, _ = call(server, "POST", "/v1/customers",
                           "description=" + "d" * (MAX_BODY_BYTES + 10))
    assert status == 413 and body["error"]["code"] == "request_too_large"
    status, body, _ = call(server, "GET", "/v1/customers?limit=100")
    assert status == 200 and all(len(c["description"] or "") < 6000 for c in body["data"])


def test_deep_nesting_over_http_is_a_400(server: str) -> None:
    status, body, _ = call(server, "POST", "/v1/customers", "metadata" + "[a]" * 500 + "=1")
    assert status == 400 and "nested" in body["error"]["message"]


def test_a_nan_delay_is_refused_over_http_and_the_answer_is_json(server: str) -> None:
    status, body, _ = call(server, "POST", "/v1/test_helpers/kit/webhook_faults",
                           "delay_seconds=nan")
    assert status == 400 and body["error"]["param"] == "delay_seconds"
    status, body, _ = call(server, "GET", "/v1/test_helpers/kit/webhook_faults")
    assert status == 200 and body["delay_seconds"] == 0.0
