"""Lesson 02's checkers: each reference solution passes; each kind of wrong answer gets its hint.

The wrong routes are small Flask views written the way a learner might get them wrong. The last
tests run both checkers in test mode against an emulator *server* that refuses the kit's own
routes (`serve --stripe-only`), as Stripe would: they prove the checkers use only the public API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stripe
from exercise_support import client_built_earlier, run_solution, stripe_test_mode
from flask import jsonify, request

import helpers
from helpers.exercises import check
from helpers.exercises.flask_fixture import Shop, cart_total, current_user, shop_app

ROUTE = "/create-intent-and-customer-session"
GOOD_FEATURES = {
    "payment_method_redisplay": "enabled",
    "payment_method_allow_redisplay_filters": ["always", "limited"],
    "payment_method_redisplay_limit": 5,
    "payment_method_remove": "enabled",
}


def notebook_namespace() -> dict[str, Any]:
    """What notebook 02 defines before its exercises."""
    return {"stripe": stripe, "helpers": helpers, "jsonify": jsonify, "request": request,
            "Shop": Shop, "shop_app": shop_app, "current_user": current_user,
            "cart_total": cart_total, "shop": Shop()}


def reference(exercise_id: str, name: str) -> Any:
    return run_solution(exercise_id, notebook_namespace())[name]


def verdict_for(exercise_id: str, answer: Any) -> tuple[Any, str]:
    verdict = check(exercise_id, answer)  # check() never raises; the assertions read its text
    return verdict, repr(verdict)


# ------------------------------------------------------------------ 02-session-features

FEATURES_ID = "02-session-features"


def test_the_reference_features_pass(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(FEATURES_ID, reference(FEATURES_ID, "features"))
    assert verdict.ok, text
    assert text.startswith("✓")


def test_the_same_features_without_the_default_save_pass(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(FEATURES_ID, dict(GOOD_FEATURES))
    assert verdict.ok, text


@pytest.mark.parametrize(("change", "expected"), [
    ({"payment_method_allow_redisplay_filters": ["unspecified"]}, "no consent signal"),
    ({"payment_method_allow_redisplay_filters": ["always", "limited", "unspecified"]},
     "no consent signal"),
    ({"payment_method_redisplay_limit": True}, "is a bool, not a number"),
    ({"payment_method_redisplay_limit": 50}, "an int from 1 to 10"),
    ({"payment_method_redisplay_limit": 10}, "the scenario says at most 5"),
    ({"payment_method_allow_redisplay_filters": ["always"]}, "'limited' are hidden"),
    ({"payment_method_allow_redisplay_filters": "always"}, "is a list of allow_redisplay"),
    ({"payment_method_remove": "disabled"}, "she cannot remove one"),
    ({"payment_method_save": "enabled"}, "offers a \"save payment details\" box"),
    ({"payment_method_redisplay": "disabled"}, "shows none of her saved cards"),
    ({"payment_method_redisplay": True}, "it takes 'enabled' or 'disabled'"),
])
def test_wrong_features_fail_with_their_hint(backend: helpers.Backend, change: dict,
                                             expected: str) -> None:
    verdict, text = verdict_for(FEATURES_ID, {**GOOD_FEATURES, **change})
    assert not verdict.ok and expected in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize(("missing", "expected"), [
    ("payment_method_redisplay", "shows none of her saved cards"),
    ("payment_method_redisplay_limit", "the limit defaults to 3"),
    ("payment_method_allow_redisplay_filters", "the filters default to ['always']"),
])
def test_a_missing_feature_fails_with_what_its_default_does(backend: helpers.Backend,
                                                             missing: str, expected: str) -> None:
    answer = {k: v for k, v in GOOD_FEATURES.items() if k != missing}
    verdict, text = verdict_for(FEATURES_ID, answer)
    assert not verdict.ok and expected in text, text


def test_a_typo_in_a_feature_name_is_named_with_a_suggestion(backend: helpers.Backend) -> None:
    answer = {k: v for k, v in GOOD_FEATURES.items() if k != "payment_method_redisplay_limit"}
    answer["payment_method_redisplay_limt"] = 5
    verdict, text = verdict_for(FEATURES_ID, answer)
    assert not verdict.ok
    assert "Did you mean 'payment_method_redisplay_limit'?" in text, text


@pytest.mark.parametrize("answer", ["enabled", ["payment_method_redisplay"], 5,
                                    {"enabled": True, "features": GOOD_FEATURES}])
def test_answers_that_are_not_a_features_dict_get_a_verdict(backend: helpers.Backend,
                                                           answer: Any) -> None:
    verdict, text = verdict_for(FEATURES_ID, answer)
    assert not verdict.ok and "features" in text and "Traceback" not in text


def test_the_checker_leaves_no_test_customer_behind(backend: helpers.Backend) -> None:
    before = len(stripe.Customer.list(limit=100).data)
    verdict_for(FEATURES_ID, dict(GOOD_FEATURES))
    verdict_for(FEATURES_ID, {"payment_method_redisplay_limit": True})
    assert len(stripe.Customer.list(limit=100).data) == before


# ------------------------------------------------------------------ 02-route

ROUTE_ID = "02-route"


def route_app(view: Callable[[], Any], methods: tuple[str, ...] = ("POST",),
              path: str = ROUTE) -> Any:
    """A fresh shop app with `view` as the learner's route."""
    app = shop_app(Shop())
    app.add_url_rule(path, view_func=view, methods=list(methods))
    return app


def create_both(customer: str | None, amount: int, currency: str = "usd",
                features: dict | None = None) -> Any:
    intent = stripe.PaymentIntent.create(amount=amount, currency=currency, customer=customer,
                                         automatic_payment_methods={"enabled": True})
    session = stripe.CustomerSession.create(
        customer=customer, components={"payment_element": {
            "enabled": True,
            "features": features or {"payment_method_redisplay": "enabled"}}})
    return jsonify(client_secret=intent.client_secret,
                   customer_session_client_secret=session.client_secret)


def guarded(make: Callable[[Any], Any]) -> Callable[[], Any]:
    """A view that gets the login check and the error handling right, around `make(user)`."""

    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 401
        try:
            return make(user)
        except stripe.StripeError:
            return jsonify(error={"message": "Payment is unavailable right now."}), 400

    view.__name__ = "create_intent_and_customer_session"
    return view


def test_the_reference_route_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(ROUTE_ID, reference(ROUTE_ID, "app"))
    assert verdict.ok, text
    assert text.startswith("✓")


def test_the_shipped_stub_fails_with_a_hint(backend: helpers.Backend) -> None:
    app = shop_app(Shop())

    @app.post(ROUTE)
    def create_intent_and_customer_session():
        # Shipped stub.
        ...

    verdict, text = verdict_for(ROUTE_ID, app)
    assert not verdict.ok and "has no code yet" in text, text


def test_trusting_the_amount_from_the_browser_fails(backend: helpers.Backend) -> None:
    def make(user):
        return create_both(user.stripe_customer_id, int(request.json.get("amount") or 0))

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "the browser put in the request body" in text, text


def test_trusting_the_customer_from_the_browser_fails(backend: helpers.Backend) -> None:
    def make(user):
        return create_both(request.json.get("customer") or user.stripe_customer_id,
                           cart_total())

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "the customer id the browser sent" in text, text


def test_trusting_the_currency_from_the_browser_fails(backend: helpers.Backend) -> None:
    def make(user):
        return create_both(user.stripe_customer_id, cart_total(),
                           currency=request.json.get("currency", "usd"))

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "set the currency on the server" in text, text


def test_a_fixed_amount_instead_of_the_cart_fails(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(
        lambda user: create_both(user.stripe_customer_id, 1099))))
    assert not verdict.ok and "use `cart_total()`" in text, text


def test_a_payment_intent_without_the_customer_fails(backend: helpers.Backend) -> None:
    def make(user):
        intent = stripe.PaymentIntent.create(amount=cart_total(), currency="usd",
                                             automatic_payment_methods={"enabled": True})
        session = stripe.CustomerSession.create(
            customer=user.stripe_customer_id, components={"payment_element": {
                "enabled": True, "features": {"payment_method_redisplay": "enabled"}}})
        return jsonify(client_secret=intent.client_secret,
                       customer_session_client_secret=session.client_secret)

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "customer=None" in text, text


def test_an_off_session_payment_intent_in_a_checkout_fails(backend: helpers.Backend) -> None:
    def make(user):
        intent = stripe.PaymentIntent.create(amount=cart_total(), currency="usd",
                                             customer=user.stripe_customer_id, off_session=True,
                                             automatic_payment_methods={"enabled": True})
        return secrets_of(intent, open_session(user.stripe_customer_id))

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "created the PaymentIntent with off_session" in text, text


def test_an_idempotency_key_per_user_instead_of_per_attempt_fails(
        backend: helpers.Backend) -> None:
    def make(user):
        intent = stripe.PaymentIntent.create(
            amount=cart_total(), currency="usd", customer=user.stripe_customer_id,
            automatic_payment_methods={"enabled": True},
            idempotency_key=f"checkout-{user.id}")  # the same for each of her checkouts
        return secrets_of(intent, open_session(user.stripe_customer_id))

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "idempotency key of her previous checkout" in text, text


def test_reusing_the_first_payment_intent_for_the_next_checkout_fails(
        backend: helpers.Backend) -> None:
    made: dict[str, Any] = {}

    def make(user):
        if user.id not in made:
            made[user.id] = open_payment(user.stripe_customer_id)
        return secrets_of(made[user.id], open_session(user.stripe_customer_id))

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "returned the PaymentIntent of her previous checkout" in text, text


def test_a_customer_session_without_redisplay_fails(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(
        lambda user: create_both(user.stripe_customer_id, cart_total(),
                                 features={"payment_method_save": "enabled"}))))
    assert not verdict.ok and "payment_method_redisplay 'disabled'" in text, text


def test_returning_ids_instead_of_client_secrets_fails(backend: helpers.Backend) -> None:
    def make(user):
        intent = stripe.PaymentIntent.create(amount=cart_total(), currency="usd",
                                             customer=user.stripe_customer_id)
        return jsonify(client_secret=intent.id, customer_session_client_secret="cuss_x")

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "not its id" in text, text


def test_other_json_names_fail(backend: helpers.Backend) -> None:
    def make(user):
        response = create_both(user.stripe_customer_id, cart_total()).get_json()
        return jsonify(paymentIntentSecret=response["client_secret"],
                       customerSessionSecret=response["customer_session_client_secret"])

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "checkout.js reads exactly" in text, text


def test_a_made_up_customer_session_secret_fails(backend: helpers.Backend) -> None:
    def make(user):
        response = create_both(user.stripe_customer_id, cart_total()).get_json()
        other = stripe.CustomerSession.create(
            customer=user.stripe_customer_id,
            components={"payment_element": {"enabled": True}})
        return jsonify(client_secret=response["client_secret"],
                       customer_session_client_secret=other.client_secret[:-1] + "Z")

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "is not the secret of the CustomerSession" in text, text


def test_crashing_when_nobody_is_logged_in_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        try:
            return create_both(user.stripe_customer_id, cart_total())
        except stripe.StripeError as error:
            return jsonify(error={"message": error.user_message}), 400

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "not logged in, your route crashed: AttributeError" in text, text
    assert "Traceback" not in text


def test_calling_stripe_when_nobody_is_logged_in_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        try:
            response = create_both(user.stripe_customer_id if user else None, cart_total()
                                   or 1099)
        except stripe.StripeError as error:
            return jsonify(error={"message": error.user_message}), 400
        return response if user else (jsonify(error={"message": "Log in."}), 401)

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "still asked Stripe to create a PaymentIntent" in text, text


def test_a_wrong_status_when_nobody_is_logged_in_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 200
        return guarded(lambda u: create_both(u.stripe_customer_id, cart_total()))()

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "answered HTTP 200; it should answer 401" in text, text


def test_letting_a_stripe_error_escape_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 401
        return create_both(user.stripe_customer_id, cart_total())

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "Catch `stripe.StripeError`" in text, text
    assert "InvalidRequestError" in text and "Traceback" not in text


def test_a_stripe_error_answered_with_the_wrong_status_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 401
        try:
            return create_both(user.stripe_customer_id, cart_total())
        except stripe.StripeError as error:
            return jsonify(error={"message": error.user_message}), 500

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "answered HTTP 500; it should answer 400" in text, text


def test_a_stripe_error_answered_without_json_fails(backend: helpers.Backend) -> None:
    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 401
        try:
            return create_both(user.stripe_customer_id, cart_total())
        except stripe.StripeError:
            return "Payment failed", 400

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "not with JSON" in text, text


@pytest.mark.parametrize("sent", [
    lambda error: {"error": {"message": error.user_message}},  # a non-card error's own text
    lambda error: {"error": {"message": str(error)}},
    lambda error: error.json_body,
], ids=["user_message", "str", "json_body"])
def test_sending_stripes_developer_text_to_the_browser_fails(backend: helpers.Backend,
                                                            sent: Callable) -> None:
    def view():
        user = current_user()
        if user is None:
            return jsonify(error={"message": "Log in."}), 401
        try:
            return create_both(user.stripe_customer_id, cart_total())
        except stripe.StripeError as error:
            return jsonify(sent(error)), 400

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "Stripe's message for developers" in text, text


@pytest.mark.parametrize(("features", "expected"), [
    ({"payment_method_remove": "enabled"}, "enables payment_method_remove"),
    ({"payment_method_allow_redisplay_filters": ["always", "unspecified"]},
     "include 'unspecified'"),
])
def test_a_checkout_session_with_account_page_features_fails(
        backend: helpers.Backend, features: dict, expected: str) -> None:
    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(lambda user: create_both(
        user.stripe_customer_id, cart_total(),
        features={"payment_method_redisplay": "enabled", **features}))))
    assert not verdict.ok and expected in text, text


def test_a_get_route_or_a_wrong_path_fails(backend: helpers.Backend) -> None:
    view = guarded(lambda user: create_both(user.stripe_customer_id, cart_total()))
    verdict, text = verdict_for(ROUTE_ID, route_app(view, methods=("GET",)))
    assert not verdict.ok and "does not accept POST" in text, text
    verdict, text = verdict_for(ROUTE_ID, route_app(view, path="/create-payment-intent"))
    assert not verdict.ok and "No route answers POST" in text, text


def test_answers_that_are_not_the_app_get_a_verdict(backend: helpers.Backend) -> None:
    from flask import Flask

    view = guarded(lambda user: create_both(user.stripe_customer_id, cart_total()))
    for answer, expected in ((view, "not the view function"), ("app", "got a str"),
                             (Flask("bare"), "shop_app(shop)")):
        verdict, text = verdict_for(ROUTE_ID, answer)
        assert not verdict.ok and expected in text, text


def test_the_checker_removes_its_users_and_customers(backend: helpers.Backend) -> None:
    shop = Shop()
    namespace = run_solution(ROUTE_ID, {**notebook_namespace(), "shop": shop})
    before = len(stripe.Customer.list(limit=100).data)
    verdict, text = verdict_for(ROUTE_ID, namespace["app"])
    assert verdict.ok, text
    assert shop.users == {} and len(stripe.Customer.list(limit=100).data) == before


# ------------------------------------------------------------------ 02-route in three styles
# The checker judges what reached Stripe, whatever client sent it: `stripe.X` (the reference),
# a StripeClient built once before the check (as helpers/shop does), or helper functions.


def client_route(client: stripe.StripeClient, *, trust_amount: bool = False,
                 trust_customer: bool = False) -> Callable[[], Any]:
    """The route written with a StripeClient built earlier, optionally trusting the body."""

    def make(user):
        body = request.get_json(silent=True) or {}
        customer = body.get("customer") if trust_customer else user.stripe_customer_id
        amount = int(body.get("amount") or 0) if trust_amount else cart_total()
        intent = client.v1.payment_intents.create({
            "amount": amount, "currency": "usd", "customer": customer,
            "automatic_payment_methods": {"enabled": True}})
        session = client.v1.customer_sessions.create({
            "customer": customer, "components": {"payment_element": {
                "enabled": True, "features": {"payment_method_redisplay": "enabled"}}}})
        return jsonify(client_secret=intent.client_secret,
                       customer_session_client_secret=session.client_secret)

    return guarded(make)


def open_payment(customer_id: str) -> Any:
    return stripe.PaymentIntent.create(amount=cart_total(), currency="usd", customer=customer_id,
                                       automatic_payment_methods={"enabled": True})


def open_session(customer_id: str) -> Any:
    return stripe.CustomerSession.create(customer=customer_id, components={"payment_element": {
        "enabled": True, "features": {"payment_method_redisplay": "enabled"}}})


def secrets_of(intent: Any, session: Any) -> Any:
    return jsonify(client_secret=intent.client_secret,
                   customer_session_client_secret=session.client_secret)


def test_a_route_that_creates_no_customer_session_fails(backend: helpers.Backend) -> None:
    client = client_built_earlier()

    def make(user):
        intent = client.v1.payment_intents.create({
            "amount": cart_total(), "currency": "usd", "customer": user.stripe_customer_id})
        return jsonify(client_secret=intent.client_secret,
                       customer_session_client_secret="cuss_secret_madeUpByTheRoute")

    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
    assert not verdict.ok and "Stripe received no CustomerSession from your route" in text, text


def test_a_route_on_a_stripe_client_built_before_the_check_passes(
        backend: helpers.Backend) -> None:
    client = client_built_earlier()
    verdict, text = verdict_for(ROUTE_ID, route_app(client_route(client)))
    assert verdict.ok, text


def test_a_route_calling_helper_functions_passes(backend: helpers.Backend) -> None:
    verdict, text = verdict_for(ROUTE_ID, route_app(guarded(lambda user: secrets_of(
        open_payment(user.stripe_customer_id), open_session(user.stripe_customer_id)))))
    assert verdict.ok, text


def test_a_stripe_client_route_trusting_the_browser_gets_the_same_hint(
        backend: helpers.Backend) -> None:
    client = client_built_earlier()
    verdict, text = verdict_for(ROUTE_ID, route_app(client_route(client, trust_amount=True)))
    assert not verdict.ok and "the browser put in the request body" in text, text
    verdict, text = verdict_for(ROUTE_ID, route_app(client_route(client, trust_customer=True)))
    assert not verdict.ok and "the customer id the browser sent" in text, text


def test_a_stripe_client_route_calling_stripe_for_a_visitor_gets_the_same_hint(
        backend: helpers.Backend) -> None:
    client = client_built_earlier()
    made = client_route(client)

    def view():
        if current_user() is None:
            client.v1.payment_intents.create({"amount": 1099, "currency": "usd"})
        return made()

    verdict, text = verdict_for(ROUTE_ID, route_app(view))
    assert not verdict.ok and "still asked Stripe to create a PaymentIntent" in text, text


def test_a_route_posting_raw_http_to_an_emulator_server_is_judged_too(
        backend: helpers.Backend, tmp_path: Path) -> None:
    """No stripe-python at all: the route posts forms to the emulator's HTTP server (a thread
    of this process, on the same database as the notebooks' in-process emulator)."""
    import requests

    from helpers.emulator import Emulator, reset_emulator
    from helpers.shop.local_emulator import LocalEmulator

    db = tmp_path / "stripe.sqlite3"
    reset_emulator(Emulator(db, deterministic=False))  # put back after the test (conftest)
    server = LocalEmulator(db)
    url = server.start()
    auth = {"Authorization": f"Bearer {backend.secret_key}"}

    def post(path: str, form: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(url + path, data=form, headers=auth, timeout=30)
        if answer.status_code != 200:
            raise stripe.InvalidRequestError(answer.json()["error"]["message"], None)
        return answer.json()

    def make(user, amount=None):
        intent = post("/v1/payment_intents", {
            "amount": amount or cart_total(), "currency": "usd",
            "customer": user.stripe_customer_id, "automatic_payment_methods[enabled]": "true"})
        session = post("/v1/customer_sessions", {
            "customer": user.stripe_customer_id,
            "components[payment_element][enabled]": "true",
            "components[payment_element][features][payment_method_redisplay]": "enabled"})
        return jsonify(client_secret=intent["client_secret"],
                       customer_session_client_secret=session["client_secret"])

    try:
        verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
        assert verdict.ok, text
        verdict, text = verdict_for(ROUTE_ID, route_app(guarded(
            lambda user: make(user, int(request.json.get("amount") or 0)))))
        assert not verdict.ok and "the browser put in the request body" in text, text
    finally:
        server.stop()


# ------------------------------------------------------------------ test mode


def test_both_checkers_run_against_a_stripe_like_server(tmp_path: Path) -> None:
    """Test mode: stripe-python over HTTP to an emulator server refusing kit-only routes."""
    with stripe_test_mode(tmp_path, stripe_only=True):
        verdict, text = verdict_for(FEATURES_ID, reference(FEATURES_ID, "features"))
        assert verdict.ok, text
        verdict, text = verdict_for(
            FEATURES_ID, {**GOOD_FEATURES, "payment_method_allow_redisplay_filters":
                          ["unspecified"]})
        assert not verdict.ok and "no consent signal" in text, text
        verdict, text = verdict_for(ROUTE_ID, reference(ROUTE_ID, "app"))
        assert verdict.ok, text

        def make(user):
            return create_both(request.json.get("customer") or user.stripe_customer_id,
                               cart_total())

        verdict, text = verdict_for(ROUTE_ID, route_app(guarded(make)))
        assert not verdict.ok and "the customer id the browser sent" in text, text


@pytest.mark.parametrize("own_http_client", [False, True], ids=["kit-http-client",
                                                                 "own-http-client"])
def test_stripe_client_routes_built_before_the_check_are_judged_in_test_mode(
        tmp_path: Path, own_http_client: bool) -> None:
    """Test mode has no emulator to record at: the checker reads stripe-python's own log, which
    every StripeClient writes to, whenever and on whatever HTTP client it was built."""
    with stripe_test_mode(tmp_path, stripe_only=True):
        client = client_built_earlier(own_http_client=own_http_client)
        verdict, text = verdict_for(ROUTE_ID, route_app(client_route(client)))
        assert verdict.ok, text
        verdict, text = verdict_for(ROUTE_ID, route_app(guarded(lambda user: secrets_of(
            open_payment(user.stripe_customer_id), open_session(user.stripe_customer_id)))))
        assert verdict.ok, text
        verdict, text = verdict_for(ROUTE_ID, route_app(client_route(client, trust_amount=True)))
        assert not verdict.ok and "the browser put in the request body" in text, text
