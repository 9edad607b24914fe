"""Lesson 02's exercises: the CustomerSession's features for a scenario, and the seed's endpoint.

02-session-features: the checker creates a real CustomerSession with the learner's features
(Stripe, or the emulator, validates them), then works out what the Payment Element shows for a
prepared customer with `helpers.explain_saved_methods` (the element's own rule), and checks the
remove and save controls.

02-route: the checker drives the learner's Flask route with `app.test_client()`, as a browser
would: logged in with a tampered body, not logged in, and as a user whose Stripe customer is
gone. It reads the PaymentIntent back through the API and watches the requests that reach Stripe
while the route runs (`stripe_traffic.watch_stripe`), whatever client sent them, in the emulator
and in Stripe test mode alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

import stripe

from ..saved_methods_report import explain_saved_methods
from .core import Stop, Verdict, describe_error, exercise, fail, is_unwritten, run
from .flask_fixture import CURRENCY, shop_of
from .stripe_traffic import SeenRequest, StripeTraffic, watch_stripe

FEATURES = ("payment_method_redisplay", "payment_method_allow_redisplay_filters",
            "payment_method_redisplay_limit", "payment_method_save", "payment_method_save_usage",
            "payment_method_remove")
FEATURE_PARAM = "components[payment_element][features]"


# ================================================================ 02-session-features

SCENARIO_LIMIT = 5
# The prepared customer: (test card, allow_redisplay). Six consented cards, one more than the
# page lists, and two saved with no consent signal at all.
PREPARED_CARDS = (
    ("pm_card_visa", "always"), ("pm_card_mastercard", "always"), ("pm_card_amex", "always"),
    ("pm_card_discover", "always"), ("pm_card_visa_debit", "limited"),
    ("pm_card_mastercard_debit", "limited"), ("pm_card_visa", "unspecified"),
    ("pm_card_mastercard", "unspecified"),
)
CONSENTED = sum(1 for _, value in PREPARED_CARDS if value in ("always", "limited"))


@exercise("02-session-features", "CustomerSession features for an account page", [
    "Go through the scenario one sentence at a time and match each to a row of the features"
    " table: showing saved cards at all, which `allow_redisplay` values, how many, the remove"
    " control, the save box. Features you leave out take Stripe's defaults.",
    "Five keys do it: `payment_method_redisplay` enabled; `payment_method_allow_redisplay_filters`"
    " a list with the two consent values the scenario names (not `unspecified`);"
    " `payment_method_redisplay_limit` the number (an int); `payment_method_remove` enabled;"
    " `payment_method_save` disabled (or left out: disabled is its default).",
])
def check_session_features(answer: Any) -> Verdict:
    if not isinstance(answer, dict):
        return Verdict(False, f"`features` should be a dict like {{'payment_method_redisplay':"
                       f" 'enabled', ...}}, got a {type(answer).__name__}.")
    if "features" in answer or "enabled" in answer:
        return Verdict(False, "This looks like the whole `payment_element` component"
                       " ({'enabled': ..., 'features': ...}); `features` is only the inner"
                       " dict of feature names and values.")
    customer = None
    try:
        customer = _prepared_customer()
        session = _create_session(customer.id, answer)
        report = explain_saved_methods(customer.id, session)
        _judge_features(answer, report.features, report.shown)
    except Stop as stop:
        return stop.verdict
    finally:
        _delete_quietly(customer)
    return Verdict(True, f"Stripe accepted the features, and the account page lists"
                   f" {SCENARIO_LIMIT} of her {CONSENTED} consented cards ('always' and"
                   " 'limited', none saved without a consent signal), with a Remove control"
                   " and no save box.")


def _prepared_customer() -> stripe.Customer:
    try:
        customer = stripe.Customer.create(
            name="Checker 02-session-features", metadata={"kit_exercise": "02-session-features"})
        for token, allow_redisplay in PREPARED_CARDS:
            method = stripe.PaymentMethod.attach(token, customer=customer.id)
            if method.allow_redisplay != allow_redisplay:
                stripe.PaymentMethod.modify(method.id, allow_redisplay=allow_redisplay)
    except stripe.StripeError as error:
        raise fail("The checker could not prepare a customer with saved cards:"
                   f" {describe_error(error)}") from error
    return customer


def _create_session(customer_id: str, features: dict[str, Any]) -> Any:
    try:
        return stripe.CustomerSession.create(
            customer=customer_id,
            components={"payment_element": {"enabled": True, "features": features}})
    except stripe.InvalidRequestError as error:
        raise fail(_refused(features, error)) from error
    except stripe.StripeError as error:
        raise fail("The checker could not create a CustomerSession:"
                   f" {describe_error(error)}") from error


def _refused(features: dict[str, Any], error: stripe.InvalidRequestError) -> str:
    """Stripe said no: say which feature, and why, in the learner's terms."""
    param = str(error.param or "")
    name = param.removeprefix(FEATURE_PARAM).strip("[]").split("][")[0] if param.startswith(
        FEATURE_PARAM) else ""
    said = f"Stripe refused these features ({error.user_message})."
    if error.code == "parameter_unknown" and name:
        near = difflib.get_close_matches(name, FEATURES, n=1)
        guess = f" Did you mean {near[0]!r}?" if near else ""
        return (f"{said} {name!r} is not a feature of the Payment Element's CustomerSession."
                f"{guess}")
    value = features.get(name)
    if name == "payment_method_redisplay_limit" and isinstance(value, bool):
        return (f"{said} payment_method_redisplay_limit={value!r} is a bool, not a number: the"
                " limit is how many saved methods to list, an int from 1 to 10.")
    if name == "payment_method_redisplay_limit":
        return (f"{said} payment_method_redisplay_limit is how many saved methods to list, an"
                " int from 1 to 10.")
    if name == "payment_method_allow_redisplay_filters":
        return (f"{said} payment_method_allow_redisplay_filters is a list of allow_redisplay"
                " values ('always', 'limited', 'unspecified'), even for one value.")
    if name:
        return f"{said} Check the value of {name!r}: it takes 'enabled' or 'disabled'."
    return said


def _judge_features(answer: dict[str, Any], in_force: dict[str, Any],
                    shown: list[dict[str, Any]]) -> None:
    values = [pm.get("allow_redisplay") or "unspecified" for pm in shown]
    filters = list(in_force["payment_method_allow_redisplay_filters"])
    if in_force["payment_method_redisplay"] != "enabled":
        raise fail("Stripe created the session, but it shows none of her saved cards:"
                   " payment_method_redisplay is 'disabled' unless you enable it.")
    if "unspecified" in filters:
        raise fail(f"With filters {filters}, the page lists {values.count('unspecified')}"
                   " cards saved with allow_redisplay='unspecified', that is, with no"
                   " consent signal at all. The scenario lists the cards she agreed to"
                   " keep: 'always' and 'limited' only.")
    missing = [value for value in ("always", "limited") if value not in filters]
    if missing:
        which = " and ".join(f"'{value}'" for value in missing)
        unset = "" if "payment_method_allow_redisplay_filters" in answer else (
            " (left out, the filters default to ['always'])")
        raise fail(f"With filters {filters}{unset}, her cards saved with allow_redisplay"
                   f" {which} are hidden: the page lists {len(shown)} of her {CONSENTED}"
                   " consented cards. The scenario lists both kinds.")
    if len(shown) != SCENARIO_LIMIT:
        limit = in_force["payment_method_redisplay_limit"]
        unset = "" if "payment_method_redisplay_limit" in answer else (
            " (left out, the limit defaults to 3)")
        raise fail(f"The page lists {len(shown)} of her {CONSENTED} consented cards with"
                   f" payment_method_redisplay_limit {limit}{unset}; the scenario says at"
                   f" most {SCENARIO_LIMIT}.")
    if in_force["payment_method_remove"] != "enabled":
        raise fail("The right cards are listed, but she cannot remove one:"
                   " payment_method_remove is 'disabled' unless you enable it.")
    if in_force["payment_method_save"] == "enabled":
        raise fail("The page offers a \"save payment details\" box, which the scenario rules"
                   " out: payment_method_save should stay 'disabled' (its default).")


def _delete_quietly(customer: Any) -> None:
    if customer is None:
        return
    try:
        stripe.Customer.delete(customer.id)
    except stripe.StripeError:
        pass  # a leftover test customer is harmless


# ================================================================ 02-route

ROUTE = "/create-intent-and-customer-session"
SHOPPER, GHOST = "kit-checker-shopper", "kit-checker-ghost"
SHOPPER_CART = (("Desk lamp", 4200), ("Bulb", 350))
SHOPPER_TOTAL = sum(price for _, price in SHOPPER_CART)
MISSING_CUSTOMER = "cus_kitCheckerGone"  # a Stripe customer that does not exist
TAMPERED_AMOUNT, TAMPERED_CURRENCY = 1, "eur"
NEXT_CART = SHOPPER_CART[:1]  # her next checkout: she took the bulb out
NEXT_TOTAL = sum(price for _, price in NEXT_CART)


@exercise("02-route", "Write the endpoint as a Flask route", [
    "Everything the PaymentIntent needs comes from the server: the user from `current_user()`"
    " (None when nobody is logged in), the amount from `cart_total()`, the currency is the"
    " shop's. Never read amount or customer from `request`. Then create the PaymentIntent and"
    " the CustomerSession as in the function above, and return both client secrets as JSON.",
    "Three branches: `user = current_user()`; if it is None return"
    " `jsonify(error={'message': ...}), 401` before calling Stripe. Inside `try:` create the"
    " PaymentIntent (`amount=cart_total()`, `currency='usd'`,"
    " `customer=user.stripe_customer_id`, automatic payment methods) and the CustomerSession"
    " (same customer, `payment_method_redisplay` enabled); `except stripe.StripeError as e:`"
    " return a JSON error with status 400. Finally return `jsonify(client_secret=...,"
    " customer_session_client_secret=...)`.",
])
def check_route(answer: Any) -> Verdict:
    from flask import Flask

    if callable(answer) and not isinstance(answer, Flask) and hasattr(answer, "__code__"):
        return Verdict(False, "Pass the Flask `app` your route is on, not the view function:"
                       " the checker sends requests to the app, as a browser would.")
    if not isinstance(answer, Flask):
        return Verdict(False, f"Pass the Flask app built by `shop_app(shop)`, got a"
                       f" {type(answer).__name__}.")
    try:
        shop = shop_of(answer)
    except KeyError:
        return Verdict(False, "Build the app with `app = shop_app(shop)`: the checker logs in"
                       " through its /login route and adds its test users to its Shop.")
    shopper = stranger = None
    try:
        _find_view(answer)
        shopper, stranger = _route_customers()
        shop.add_user(SHOPPER, "shopper@example.com", shopper.id, SHOPPER_CART)
        shop.add_user(GHOST, "ghost@example.com", MISSING_CUSTOMER, (("Socks", 1200),))
        first = _check_logged_in(answer, shopper.id, stranger.id)
        shop.carts[SHOPPER] = list(NEXT_CART)
        _check_next_attempt(answer, shopper.id, first)
        _check_not_logged_in(answer)
        _check_stripe_error(answer)
    except Stop as stop:
        return stop.verdict
    finally:
        shop.remove_user(SHOPPER)
        shop.remove_user(GHOST)
        _delete_quietly(shopper)
        _delete_quietly(stranger)
    return Verdict(True, "Your route ignored the amount, currency and customer the browser sent"
                   " (it charged the server's cart to the logged-in user's customer), returned"
                   " both client secrets with saved methods enabled, answered 401 to a visitor"
                   " who is not logged in, and turned a Stripe error into JSON with status 400.")


def _find_view(app: Any) -> None:
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    adapter = app.url_map.bind("shop.example")
    try:
        endpoint, _ = adapter.match(ROUTE, method="POST")
    except MethodNotAllowed as error:
        raise fail(f"{ROUTE} exists but does not accept POST: checkout.js sends a POST. Use"
                   " `@app.post(...)`.") from error
    except NotFound as error:
        raise fail(f"No route answers POST {ROUTE}: checkout.js fetches exactly that path."
                   " Decorate your function with `@app.post(\"" + ROUTE + "\")`.") from error
    view = app.view_functions.get(endpoint)
    if view is not None and is_unwritten(view):
        raise fail(f"`{getattr(view, '__name__', 'your route')}` has no code yet: replace the"
                   " `...` in the exercise cell with your code, run that cell, then this one.")


def _route_customers() -> tuple[stripe.Customer, stripe.Customer]:
    try:
        shopper = stripe.Customer.create(name="Checker 02-route (the logged-in user)")
        stranger = stripe.Customer.create(name="Checker 02-route (someone else)")
    except stripe.StripeError as error:
        raise fail("The checker could not create its test customers:"
                   f" {describe_error(error)}") from error
    return shopper, stranger


def _send(client: Any, body: dict[str, Any], when: str) -> tuple[Any, StripeTraffic]:
    with watch_stripe() as traffic:
        result = run(client.post, ROUTE, json=body)
    if isinstance(result.error, stripe.StripeError):
        raise fail(f"{when}, your route let {describe_error(result.error)} escape: Flask"
                   " would answer 500 with an HTML page that checkout.js cannot read. Catch"
                   " `stripe.StripeError` and return a JSON error with status 400.")
    if result.raised:
        raise fail(f"{when}, your route crashed: {describe_error(result.error)}.")
    return result.value, traffic


def _log_in(app: Any, user_id: str) -> Any:
    client = app.test_client()
    response = client.post("/login", json={"user_id": user_id})
    if response.status_code != 200:
        raise fail("The checker could not log in through the app's /login route: build the"
                   " app with `shop_app(shop)` and keep its routes.")
    return client


def _error_text(response: Any) -> str:
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f" ({message})" if isinstance(message, str) and message else ""


def _check_logged_in(app: Any, shopper_id: str, stranger_id: str) -> str:
    """The first checkout of the logged-in user; the id of the PaymentIntent it made."""
    when = "For a logged-in user whose browser sent a tampered body"
    client = _log_in(app, SHOPPER)
    tampered = {"amount": TAMPERED_AMOUNT, "currency": TAMPERED_CURRENCY,
                "customer": stranger_id}
    response, traffic = _send(client, tampered, when)
    _trusted_the_browser(traffic, stranger_id)
    if any(r.params.get("off_session", "false") != "false"
           for r in traffic.creates("/v1/payment_intents")):
        raise fail("Your route created the PaymentIntent with off_session: that tells Stripe the"
                   " customer is not there, yet she is paying on the checkout page. A card that"
                   " asks for 3-D Secure would then fail instead of letting her authenticate."
                   " Leave off_session out of a checkout.")
    _require_200(response, when)
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        raise fail("Your route answered 200, but not with a JSON object: return"
                   " `jsonify(client_secret=..., customer_session_client_secret=...)`.")
    missing = [key for key in ("client_secret", "customer_session_client_secret")
               if not isinstance(body.get(key), str)]
    if missing:
        raise fail(f"The JSON your route returned has no {' or '.join(missing)} (it has"
                   f" {sorted(body)}); checkout.js reads exactly `client_secret` and"
                   " `customer_session_client_secret`.")
    intent = _returned_intent(body["client_secret"])
    _judge_intent(intent, shopper_id, stranger_id)
    _judge_session(body["customer_session_client_secret"], traffic, shopper_id, stranger_id)
    return str(intent.id)


def _require_200(response: Any, when: str) -> None:
    if response.status_code != 200:
        raise fail(f"{when}, your route answered HTTP {response.status_code}"
                   f"{_error_text(response)}; it should answer 200 with both client secrets.")


def _check_next_attempt(app: Any, shopper_id: str, first_intent: str) -> None:
    """Her next checkout, with another cart, needs a PaymentIntent of its own: an
    idempotency key that is the same for every attempt of a user makes Stripe refuse it (the
    key was used with other parameters)."""
    when = "For her next checkout (she took an item out of her cart)"
    response, traffic = _send(_log_in(app, SHOPPER), {}, when)
    for request in traffic.creates("/v1/payment_intents"):
        error = request.body.get("error")
        if isinstance(error, Mapping) and error.get("type") == "idempotency_error":
            raise fail(f"{when}, Stripe refused to create the PaymentIntent: your route sent the"
                       " idempotency key of her previous checkout with other parameters. An"
                       " idempotency key names one attempt (say, the order's id), not the user:"
                       " every new checkout needs a key of its own.")
    _require_200(response, when)
    body = response.get_json(silent=True)
    secret = body.get("client_secret") if isinstance(body, dict) else None
    intent = _returned_intent(secret if isinstance(secret, str) else "")
    if intent.id == first_intent:
        raise fail(f"{when}, your route returned the PaymentIntent of her previous checkout."
                   " Each checkout needs its own PaymentIntent, for the cart as it is now.")
    if intent.amount != NEXT_TOTAL:
        raise fail(f"{when}, the PaymentIntent is for {intent.amount}, but her cart now totals"
                   f" {NEXT_TOTAL}: read `cart_total()` on every request.")


def _trusted_the_browser(traffic: StripeTraffic, stranger_id: str) -> None:
    for request in traffic.creates("/v1/payment_intents"):
        if request.params.get("amount") == str(TAMPERED_AMOUNT):
            raise fail(f"Your route sent Stripe amount={TAMPERED_AMOUNT}, the number the"
                       " browser put in the request body: anyone can edit that and pay one"
                       " cent. Take the amount from `cart_total()` on the server.")
        if request.params.get("currency") == TAMPERED_CURRENCY:
            raise fail(f"Your route sent Stripe currency={TAMPERED_CURRENCY!r} from the request"
                       f" body. The shop prices its cart in {CURRENCY!r}: set the currency on"
                       " the server.")
    for request in traffic.creates("/v1/payment_intents") + traffic.creates(
            "/v1/customer_sessions"):
        if request.params.get("customer") == stranger_id:
            raise fail("Your route used the customer id the browser sent in the request body:"
                       " anyone could then pay with, or see, someone else's saved cards. Take"
                       " it from the logged-in user's record: `current_user()"
                       ".stripe_customer_id`.")


def _returned_intent(client_secret: str) -> Any:
    if not client_secret.startswith("pi_") or "_secret_" not in client_secret:
        raise fail("`client_secret` should be the PaymentIntent's client secret"
                   " (`intent.client_secret`, 'pi_…_secret_…'), not its id or another"
                   " object's secret.")
    try:
        intent = stripe.PaymentIntent.retrieve(client_secret.split("_secret_")[0])
    except stripe.StripeError as error:
        raise fail("The checker could not find the PaymentIntent of the `client_secret` your"
                   f" route returned: {describe_error(error)}") from error
    if intent.client_secret != client_secret:
        raise fail("`client_secret` does not match its PaymentIntent: return"
                   " `intent.client_secret` unchanged.")
    return intent


def _judge_intent(intent: Any, shopper_id: str, stranger_id: str) -> None:
    customer = getattr(intent.customer, "id", intent.customer)
    if customer == stranger_id:
        raise fail("The PaymentIntent is for the customer id the browser sent: take the"
                   " customer from `current_user().stripe_customer_id`.")
    if customer != shopper_id:
        raise fail("The PaymentIntent is not for the logged-in user's customer (it has"
                   f" customer={'None' if customer is None else 'another id'}). Pass"
                   " `customer=current_user().stripe_customer_id`: the saved methods, and"
                   " saving new ones, belong to that customer.")
    if intent.amount != SHOPPER_TOTAL:
        raise fail(f"The PaymentIntent is for {intent.amount} (smallest currency unit), but the"
                   f" logged-in user's cart totals {SHOPPER_TOTAL}: use `cart_total()`.")
    if intent.currency != CURRENCY:
        raise fail(f"The PaymentIntent is in {intent.currency!r}; the shop's prices are in"
                   f" {CURRENCY!r}.")
    automatic = getattr(intent, "automatic_payment_methods", None)
    if not (automatic and automatic.enabled):
        raise fail("The PaymentIntent does not use automatic payment methods: pass"
                   " `automatic_payment_methods={'enabled': True}` (the default on current"
                   " API versions) so the Payment Element offers what your Dashboard enables.")


def _judge_session(secret: str, traffic: StripeTraffic, shopper_id: str,
                   stranger_id: str) -> None:
    if not secret.startswith("cuss_secret_"):
        raise fail("`customer_session_client_secret` should be the CustomerSession's client"
                   " secret (`customer_session.client_secret`, 'cuss_secret_…').")
    created = [r for r in traffic.creates("/v1/customer_sessions") if r.status == 200]
    if not created:
        raise fail("Stripe received no CustomerSession from your route: the Payment Element"
                   " needs one for the logged-in user's customer, created on every request"
                   " with the PaymentIntent, as in this notebook.")
    session = _session_with_secret(created, secret)
    if session is None:
        raise fail("`customer_session_client_secret` is not the secret of the CustomerSession"
                   " your route just created: return `customer_session.client_secret`.")
    owner = session.get("customer")
    if owner == stranger_id:
        raise fail("The CustomerSession is for the customer id the browser sent: take it from"
                   " `current_user().stripe_customer_id`.")
    if owner != shopper_id:
        raise fail("The CustomerSession is for another customer than the PaymentIntent: the"
                   " Payment Element needs both for the logged-in user's customer.")
    element = (session.get("components") or {}).get("payment_element") or {}
    if not element.get("enabled"):
        raise fail("The CustomerSession does not enable the `payment_element` component:"
                   " components={'payment_element': {'enabled': True, 'features': {...}}}.")
    features = element.get("features") or {}
    if features.get("payment_method_redisplay") != "enabled":
        raise fail("The CustomerSession leaves payment_method_redisplay 'disabled' (its"
                   " default): the returning customer would see none of her saved methods.")
    if "unspecified" in (features.get("payment_method_allow_redisplay_filters") or ()):
        raise fail("The CustomerSession's payment_method_allow_redisplay_filters include"
                   " 'unspecified': checkout would offer cards saved with no consent signal"
                   " at all. Leave the filters at their default, ['always'] (the cards she"
                   " agreed to see again).")
    if features.get("payment_method_remove") == "enabled":
        raise fail("The CustomerSession enables payment_method_remove: the checkout page"
                   " would let anyone at this browser delete her saved cards in the middle of"
                   " a payment. Removing belongs on her account page; leave it 'disabled' (its"
                   " default) here.")


def _session_with_secret(created: list[SeenRequest], secret: str) -> dict[str, Any] | None:
    for request in created:
        if request.body.get("client_secret") == secret:
            return dict(request.body)
    return None


def _check_not_logged_in(app: Any) -> None:
    when = "For a visitor who is not logged in"
    response, traffic = _send(app.test_client(), {"amount": 1099}, when)
    made = traffic.creates("/v1/payment_intents") + traffic.creates("/v1/customer_sessions")
    if made:
        what = "PaymentIntent" if "payment_intents" in made[0].path else "CustomerSession"
        raise fail(f"{when}, your route still asked Stripe to create a {what}."
                   " Check `current_user()` first and answer 401 before calling Stripe.")
    if response.status_code != 401:
        raise fail(f"{when}, your route answered HTTP {response.status_code}; it should"
                   " answer 401 (not logged in), with a JSON error.")


def _check_stripe_error(app: Any) -> None:
    when = "When Stripe refused the request (this user's Stripe customer no longer exists)"
    response, traffic = _send(_log_in(app, GHOST), {}, when)
    if response.status_code != 400:
        raise fail(f"{when}, your route answered HTTP {response.status_code}; it should answer"
                   " 400 with a JSON error, so checkout.js can show a message.")
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or "error" not in body:
        raise fail(f"{when}, your route answered 400 but not with JSON like"
                   " {\"error\": {\"message\": ...}}: checkout.js reads the JSON body.")
    leaked = _developer_text_sent(body, traffic)
    if leaked:
        raise fail(f"{when}, your route sent the browser Stripe's message for developers"
                   f" ({leaked!r}): it names ids and parameters, and only a card error's message"
                   " is written for customers. Send a message of your own (say, 'Payment is"
                   " unavailable right now.'), and log Stripe's error for yourself.")


def _developer_text_sent(body: Any, traffic: StripeTraffic) -> str | None:
    """The first thing Stripe told the route about its failed request (message, code, request
    id) that the route passed on in its own answer, if any. `user_message` is that message too
    for errors that are not card errors (stripe-python falls back to it)."""
    told: list[str] = []
    for request in traffic.requests:
        error = request.body.get("error") if request.status >= 400 else None
        if isinstance(error, Mapping):
            told += [str(error[key]) for key in ("message", "code") if error.get(key)]
    sent = list(_strings(body))
    return next((text for text in told if any(text in value for value in sent)), None)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)

