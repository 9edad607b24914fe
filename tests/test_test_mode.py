"""The helpers in Stripe test mode, against an emulator server that refuses kit-only routes.

`helpers.backend` is configured with test-shaped keys and `KIT_STRIPE_API_BASE` pointing at a
`serve --stripe-only` server, exactly as a learner's kernel with keys in `.env` talks to Stripe.
Every test also checks the server's log: nothing here may need a route Stripe does not have.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests
import stripe
from local_servers import ROOT
from stripe_only import StripeOnlyServer, clean_env, fresh_keys, stripe_only_server

import helpers
from helpers import backend as backend_module
from helpers import test_actions, webhooks
from helpers.emulator import Emulator
from helpers.emulator.server import REFUSED_LOG
from helpers.emulator.triggers import SUPPORTED

RETURN_URL = "https://example.com/order/complete"
ACH = {"payment_method": "pm_usBankAccount_success",
       "mandate_data": {"customer_acceptance": {"type": "offline"}}}
# Generous waits, each named for what it waits for.
SETTLE_WAIT = 60.0  # a bank debit on the server settles 5 s after confirmation (wall clock)
DELIVERY_WAIT = 30.0  # an event to be listed by the Events API and reach the handler


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeOnlyServer]:
    with stripe_only_server(tmp_path_factory.mktemp("stripe_only_unit")) as running:
        yield running


@pytest.fixture
def test_mode(server: StripeOnlyServer, tmp_path: Path) -> Iterator[backend_module.Backend]:
    """helpers.backend in Stripe test mode at the server, on a fresh account (tests/conftest.py
    puts stripe's settings and the backend back after)."""
    secret, publishable = fresh_keys("unit")
    backend = backend_module.configure(
        {"STRIPE_SECRET_KEY": secret, "STRIPE_PUBLISHABLE_KEY": publishable,
         "KIT_STRIPE_API_BASE": server.url}, dotenv=tmp_path / "no.env")
    before = len(server.refused())
    yield backend
    assert server.refused()[before:] == [], "a helper asked for a route Stripe does not have"


@pytest.fixture
def emulator_mode(emulator: Emulator, tmp_path: Path) -> Iterator[backend_module.Backend]:
    yield backend_module.configure({"KIT_BACKEND": "emulator"}, dotenv=tmp_path / "no.env")


def requires_action(**extra: object) -> stripe.PaymentIntent:
    customer = helpers.returning_customer()
    return stripe.PaymentIntent.create(
        amount=1099, currency="usd", customer=customer.id, confirm=True,
        payment_method="pm_card_authenticationRequired", return_url=RETURN_URL, **extra)


def bank_debit(payment_method: str = "pm_usBankAccount_success") -> stripe.PaymentIntent:
    customer = helpers.returning_customer(cards=())
    return stripe.PaymentIntent.create(
        amount=2500, currency="usd", customer=customer.id, confirm=True, return_url=RETURN_URL,
        **{**ACH, "payment_method": payment_method})


# ---- the stripe-only server -----------------------------------------------------------------

KIT_ROUTES = [
    ("GET", "/v1/test_helpers/kit/clock"),
    ("POST", "/v1/test_helpers/kit/clock/advance"),
    ("GET", "/v1/test_helpers/kit/webhook_faults"),
    ("POST", "/v1/test_helpers/kit/webhook_faults"),
    ("GET", "/v1/test_helpers/kit/webhook_endpoints/we_123/attempts"),
    ("POST", "/v1/test_helpers/kit/payment_intents/pi_123/authenticate"),
    ("GET", "/health"),
]


@pytest.mark.parametrize(("method", "path"), KIT_ROUTES)
def test_kit_only_routes_get_stripes_unrecognized_url_404(server: StripeOnlyServer, method: str,
                                                          path: str) -> None:
    secret, _ = fresh_keys("routes")
    before = len(server.refused())
    answer = requests.request(method, server.url + path, auth=(secret, ""), timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Request-Id"].startswith("req_")
    assert answer.json() == {"error": {
        "type": "invalid_request_error",
        "message": f"Unrecognized request URL ({method}: {path}). Please see"
                   " https://stripe.com/docs or we can help at https://support.stripe.com/."}}
    assert server.refused()[before:] == [f"{REFUSED_LOG} {method} {path}"]


def test_stripe_python_raises_invalid_request_error_for_a_kit_route(
        server: StripeOnlyServer) -> None:
    secret, _ = fresh_keys("client")
    client = stripe.StripeClient(secret, base_addresses={"api": server.url},
                                 max_network_retries=0)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.raw_request("post", "/v1/test_helpers/kit/clock/advance", seconds=5)
    assert refused.value.http_status == 404
    assert "Unrecognized request URL" in str(refused.value.user_message)
    assert server.refused()[-1] == f"{REFUSED_LOG} POST /v1/test_helpers/kit/clock/advance"


def test_stripe_routes_stripejs_and_its_private_route_are_still_served(
        test_mode: backend_module.Backend, server: StripeOnlyServer) -> None:
    customer = helpers.returning_customer()
    secrets = helpers.create_intent_and_customer_session(customer.id)
    session = requests.get(f"{server.url}/v1/elements/sessions", params=secrets,
                           auth=(test_mode.publishable_key, ""), timeout=10)
    assert session.status_code == 200, session.text
    assert [pm["id"] for pm in session.json()["customer"]["payment_methods"]]
    script = requests.get(f"{server.url}/js.stripe.com/v3/", timeout=10)
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]


def test_an_unknown_url_outside_v1_is_refused_stripe_shaped(server: StripeOnlyServer) -> None:
    answer = requests.get(f"{server.url}/not-a-stripe-page", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert server.refused()[-1] == "unknown URL refused: GET /not-a-stripe-page"


# ---- test_actions ---------------------------------------------------------------------------

def test_complete_authentication_says_what_a_person_does_and_returns_the_intent(
        test_mode: backend_module.Backend, capsys: pytest.CaptureFixture[str]) -> None:
    intent = requires_action()
    for outcome, verb in (("complete", "completes"), ("fail", "fails")):
        result = test_actions.complete_authentication(intent.client_secret, outcome)
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1, lines
        assert "next_action.redirect_to_url.url" in lines[0] and verb in lines[0]
        assert intent.client_secret not in lines[0]  # the page's query is not printed
        assert (result.id, result.status) == (intent.id, "requires_action")


def test_the_page_complete_authentication_points_to_works_for_a_person(
        test_mode: backend_module.Backend) -> None:
    """What the printed line asks a person to do: open the URL, press the button."""
    intent = requires_action()
    url = intent.next_action.redirect_to_url.url
    assert requests.get(url, timeout=10).status_code == 200
    pressed = requests.post(url, data={"outcome": "complete"}, allow_redirects=False, timeout=10)
    assert pressed.status_code == 303
    assert pressed.headers["Location"].startswith(RETURN_URL)
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_complete_authentication_on_an_intent_with_nothing_to_answer(
        test_mode: backend_module.Backend, capsys: pytest.CaptureFixture[str]) -> None:
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", confirm=True,
                                         payment_method="pm_card_visa", return_url=RETURN_URL)
    result = test_actions.complete_authentication(intent.client_secret)
    assert result.status == "succeeded"
    assert capsys.readouterr().out.count("\n") == 1


def test_complete_authentication_still_refuses_an_unknown_outcome(
        test_mode: backend_module.Backend) -> None:
    with pytest.raises(ValueError, match="'complete' or 'fail'"):
        test_actions.complete_authentication("pi_1_secret_2", "maybe")


def test_wait_until_settled_polls_until_the_bank_debit_settles(
        test_mode: backend_module.Backend, capsys: pytest.CaptureFixture[str]) -> None:
    intent = bank_debit()
    assert intent.status == "processing"
    settled = test_actions.wait_until_settled(intent, timeout=SETTLE_WAIT)
    assert settled.status == "succeeded"
    assert capsys.readouterr().out == ""


def test_wait_until_settled_returns_a_payment_still_processing_with_one_line(
        test_mode: backend_module.Backend, capsys: pytest.CaptureFixture[str]) -> None:
    intent = bank_debit("pm_usBankAccount_processing")  # stays processing for ever
    still = test_actions.wait_until_settled(intent.id, timeout=2)
    assert still.status == "processing"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "still processing after 2 s" in lines[0]


def test_on_the_emulator_complete_authentication_presses_the_button(
        emulator_mode: backend_module.Backend) -> None:
    intent = requires_action()
    assert test_actions.complete_authentication(intent.client_secret).status == "succeeded"
    failed = requires_action()
    failed = test_actions.complete_authentication(failed.client_secret, "fail")
    assert failed.status == "requires_payment_method"


def test_on_the_emulator_wait_until_settled_moves_the_clock(
        emulator_mode: backend_module.Backend) -> None:
    assert test_actions.wait_until_settled(bank_debit()).status == "succeeded"


# ---- triggers -------------------------------------------------------------------------------

@pytest.mark.parametrize("event_type", SUPPORTED)
def test_trigger_makes_the_event_happen_in_test_mode(test_mode: backend_module.Backend,
                                                     event_type: str) -> None:
    event = webhooks.trigger(event_type)
    assert event.type == event_type
    # It happened on the test-mode account, through the API: the object is really there.
    assert stripe.Event.retrieve(event.id).data.object.id == event.data.object.id
    # …and the object it carries can be read back from the API, whatever its type.
    kind = event.data.object.object
    resource = {"payment_intent": stripe.PaymentIntent, "charge": stripe.Charge,
                "customer": stripe.Customer, "payment_method": stripe.PaymentMethod,
                "setup_intent": stripe.SetupIntent, "refund": stripe.Refund}[kind]
    if event_type == "customer.deleted":
        assert resource.retrieve(event.data.object.id).to_dict().get("deleted") is True
    else:
        assert resource.retrieve(event.data.object.id).id == event.data.object.id


def test_a_test_mode_listener_hears_a_triggered_event(test_mode: backend_module.Backend) -> None:
    listener = helpers.listen()
    verified = []

    def handler(payload: bytes, headers: dict[str, str]) -> int:
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"],
                                               listener.secret)
        verified.append(event.id)
        return 200

    listener.connect(handler)
    from helpers.emulator.triggers import trigger  # the notebook's import: current backend

    event = trigger("payment_intent.succeeded")
    delivery = listener.wait_for("payment_intent.succeeded", payment_intent=event.data.object.id,
                                 timeout=DELIVERY_WAIT)
    assert delivery.event_id == event.id and verified == [event.id]


def test_trigger_uses_the_notebooks_emulator_account(emulator_mode: backend_module.Backend,
                                                    tmp_path: Path) -> None:
    backend = backend_module.configure({"KIT_BACKEND": "emulator"}, dotenv=tmp_path / "no.env",
                                       account="participant_7")
    listener = helpers.listen()
    listener.connect(lambda payload, headers: 200)
    event = webhooks.trigger("payment_intent.payment_failed")
    assert stripe.Event.retrieve(event.id, api_key=backend.secret_key).id == event.id
    assert listener.wait_for("payment_intent.payment_failed",
                             payment_intent=event.data.object.id).event_id == event.id


def test_the_cli_trigger_still_acts_on_the_emulator_database(server: StripeOnlyServer,
                                                             tmp_path: Path) -> None:
    """Even with test keys in the environment, `trigger` without --api-base is the kit's DB."""
    secret, publishable = fresh_keys("cli")
    db = tmp_path / "cli.sqlite3"
    env = {**clean_env(), "STRIPE_SECRET_KEY": secret, "STRIPE_PUBLISHABLE_KEY": publishable,
           "KIT_STRIPE_API_BASE": server.url}
    result = subprocess.run([sys.executable, "-m", "helpers.emulator", "trigger",
                             "payment_intent.succeeded", "--db", str(db)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Trigger succeeded! payment_intent.succeeded" in result.stdout
    local = Emulator(db)
    try:
        assert local.request("GET", "/v1/events", {}, "sk_test_emulator_default").body["data"]
    finally:
        local.store.close()
    on_server = requests.get(f"{server.url}/v1/events", auth=(secret, ""), timeout=10).json()
    assert on_server["data"] == []


# ---- the test-mode Listener: poll + re-sign -------------------------------------------------

def test_listener_settle_log_timeline_redeliver_in_test_mode(
        test_mode: backend_module.Backend) -> None:
    listener = helpers.listen()
    orders = helpers.OrderBook()

    def handler(payload: bytes, headers: dict[str, str]) -> int:
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"],
                                               listener.secret)
        orders.handle(event)
        return 200

    listener.connect(handler)
    debit = bank_debit()
    attempts = listener.settle(timeout=SETTLE_WAIT)  # waits for the debit's outcome too
    assert attempts == 2 and listener.processing() == []
    assert orders.status_of(debit.id) == "paid"
    assert [r.type for r in listener.received] == ["payment_intent.processing",
                                                   "payment_intent.succeeded"]
    assert len(listener.log()) == 2
    assert "payment_intent.succeeded" in repr(listener.timeline(debit.id))
    assert len(listener.pending()) == 0
    again = listener.redeliver(listener.received[0].event_id)
    assert again.event_id == listener.received[0].event_id and again.status == 200
    assert len(listener.log()) == 3
    with pytest.raises(ValueError, match="has not received evt_nothing"):
        listener.redeliver("evt_nothing")
    listener.close()


def test_listener_faults_in_test_mode_duplicate_and_lose_answers(
        test_mode: backend_module.Backend) -> None:
    listener = helpers.listen()
    statuses: list[int] = []
    listener.connect(lambda payload, headers: statuses.append(200) or 200)
    listener.faults(duplicates=True, fail_first_attempt=True, shuffle=True)
    event = webhooks.trigger("payment_intent.payment_failed")
    assert listener.settle(timeout=DELIVERY_WAIT) == 4  # 2 copies x (lost answer + retry)
    rows = listener.log(event.id).rows
    assert [row[2:5] for row in rows] == [("1", "no answer", "no"), ("2", "200", "yes"),
                                          ("3", "no answer", "no"), ("4", "200", "yes")]
    assert rows[0][5].startswith("(fault injected: the endpoint answered 200")
    assert len(statuses) == 4  # every attempt reached the handler


def test_a_failing_handler_is_retried_in_test_mode(test_mode: backend_module.Backend) -> None:
    listener = helpers.listen()
    answers = iter([503, 500])

    def flaky(payload: bytes, headers: dict[str, str]) -> int:
        return next(answers, 200)

    listener.connect(flaky)
    event = webhooks.trigger("payment_intent.succeeded")
    listener.settle(timeout=DELIVERY_WAIT)
    assert [row[3] for row in listener.log(event.id).rows] == ["503", "500", "200"]


def test_a_crashing_handler_counts_as_500_and_is_retried(
        test_mode: backend_module.Backend) -> None:
    listener = helpers.listen()
    crashes = [True]

    def buggy(payload: bytes, headers: dict[str, str]) -> int:
        if crashes.pop() if crashes else False:
            raise KeyError("order_id")
        return 200

    listener.connect(buggy)
    event = webhooks.trigger("payment_intent.succeeded")
    listener.settle(timeout=DELIVERY_WAIT)
    rows = listener.log(event.id).rows
    assert [row[3] for row in rows] == ["500", "200"] and "KeyError" in rows[0][5]


def test_a_listener_hears_nothing_from_before_it_existed_and_loses_nothing_before_connect(
        test_mode: backend_module.Backend) -> None:
    before = webhooks.trigger("payment_intent.succeeded")
    listener = helpers.listen()
    after = webhooks.trigger("payment_intent.succeeded")  # happens before connect()
    listener.connect(lambda payload, headers: 200)
    listener.settle(timeout=DELIVERY_WAIT)
    heard = [r.event_id for r in listener.received]
    assert heard == [after.id] and before.id not in heard


# ---- the notebook runner the live tier uses -------------------------------------------------

def test_the_notebook_runner_reports_a_failing_cell(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("helpers_that_do_not_exist.call()"),
        nbformat.v4.new_code_cell("print(x)")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "notebook_runner.py"),
                             str(path), "--timeout", "60"], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert [(e["cell"], e["ename"]) for e in report["errors"]] == [(1, "NameError")]
    assert report["errors"][0]["source"] == "helpers_that_do_not_exist.call()"


def test_the_notebook_runner_runs_solutions_and_reports_checks(tmp_path: Path) -> None:
    exercise = nbformat.v4.new_code_cell("raise RuntimeError('the blank exercise')")
    exercise.metadata.update(tags=["exercise"], exercise="demo")
    check = nbformat.v4.new_code_cell('print("✓ right" if answer == 42 else "✗ wrong")')
    check.metadata["tags"] = ["check"]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[exercise, check]), path)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "demo.py").write_text("answer = 42\n")
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "notebook_runner.py"),
                             str(path), "--timeout", "60", "--solutions"], cwd=tmp_path,
                            env=clean_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["checks"] == [{"cell": 1, "text": "✓ right\n"}]


def test_complete_authentication_without_a_redirect_url_still_says_one_line(
        test_mode: backend_module.Backend, capsys: pytest.CaptureFixture[str]) -> None:
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", confirm=True,
                                         payment_method="pm_card_authenticationRequired",
                                         automatic_payment_methods={"enabled": True,
                                                                    "allow_redirects": "never"})
    result = test_actions.complete_authentication(intent.client_secret)
    assert result.status == "requires_action"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and result.next_action.type in lines[0]


def test_the_cli_trigger_refuses_a_live_key_before_any_request(tmp_path: Path) -> None:
    live = "sk_" + "live_" + "0" * 24  # made up; nothing listens on port 9
    result = subprocess.run([sys.executable, "-m", "helpers.emulator", "trigger",
                             "payment_intent.succeeded", "--api-base", "http://127.0.0.1:9",
                             "--api-key", live], cwd=ROOT, env=clean_env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "live-mode key" in result.stderr and "Traceback" not in result.stderr
    assert live not in result.stdout + result.stderr
