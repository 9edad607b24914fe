"""The shop's routes: the seed's three server endpoints, its two pages, and a fake login.

    GET  /                                    checkout page (or "Sign in as" when signed out)
    GET  /complete                            return page (status.js)
    GET  /config                              {publishableKey}
    POST /create-intent-and-customer-session  {client_secret, customer_session_client_secret}
    POST /webhook                             Stripe's events, verified, fulfilled exactly once
    GET  /orders                              the signed-in user's orders, as webhooks left them:
                                              a page for a person, JSON for code (Accept)
    GET  /orders.json                         the same, always JSON

Every POST but /webhook needs the CSRF token of the session (`csrf`, Flask-WTF): the forms
send it as a hidden field, checkout.js as an `X-CSRFToken` header. A page on another site, or
another port of this host (the same "site" for SameSite cookies), cannot read the token, so
it cannot make a signed-in browser log in, log out or start a payment.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from .accounts import USERS, sign_in, signed_in
from .cart import cart_for
from .orders import order_history
from .services import Services
from .webhooks import NotAnEvent, construct_event

bp = Blueprint("shop", __name__)
# What the customer reads when Stripe refuses to set up a payment (the details go to the log).
CHECKOUT_UNAVAILABLE = "Payment is unavailable right now. Please try again in a moment."
csrf = CSRFProtect()  # `create_app` calls csrf.init_app(app)


def services() -> Services:
    return current_app.extensions["shop"]


def error(status: int, message: str) -> tuple[Response, int]:
    """Errors as JSON, shaped like Stripe's: `{"error": {"message": ...}}`."""
    return jsonify(error={"message": message}), status


@bp.app_errorhandler(CSRFError)
def csrf_refused(failure: CSRFError) -> Any:
    return error(400, f"{failure.description} This shop only takes a POST from its own pages"
                      " (they send the session's CSRF token): reload the page and try again.")


# pages --------------------------------------------------------------------------------------
@bp.get("/")
def checkout() -> Any:
    user = signed_in()
    if user is None:
        return render_template("login.html", users=USERS.values())
    return render_template("checkout.html", user=user, cart=cart_for(user),
                           stripe_js_url=services().stripe_js_url, mode=services().mode)


@bp.get("/complete")
def complete() -> Any:
    return render_template("complete.html", user=signed_in(),
                           stripe_js_url=services().stripe_js_url, mode=services().mode)


@bp.post("/login")
def login() -> Any:
    if sign_in(request.form.get("user", "")) is None:
        return error(400, "No such user.")
    return redirect(url_for(".checkout"), 303)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for(".checkout"), 303)


# the seed's server side ---------------------------------------------------------------------
@bp.get("/config")
def config() -> Any:
    return jsonify(publishableKey=services().publishable_key)


@bp.post("/create-intent-and-customer-session")
def create_intent_and_customer_session() -> Any:
    user = signed_in()
    if user is None:
        return error(401, "Sign in first: the payment is for the signed-in customer.")
    shop = services()
    client = shop.stripe
    cart = cart_for(user)  # the amount is worked out here, never read from the request
    try:
        customer = shop.accounts.customer_id(user)  # from your database, never from the request
        order = shop.orders.start(user, cart)
        intent = client.v1.payment_intents.create(
            {
                "amount": cart.amount,
                "currency": cart.currency,
                # Optional on current API versions: Stripe enables it by default.
                "automatic_payment_methods": {"enabled": True},
                "customer": customer,
                "metadata": {"order_id": order.id},
            },
            # One key per order attempt: a retried request returns this same PaymentIntent.
            {"idempotency_key": f"{order.id}-payment-intent"},
        )
        shop.orders.attach(order, intent.id)
        customer_session = client.v1.customer_sessions.create({
            "customer": customer,
            "components": {"payment_element": {
                "enabled": True,
                "features": {"payment_method_redisplay": "enabled"},
            }},
        })
    except stripe.StripeError as failure:
        # No card is charged here, so no message of Stripe's is for the customer: whatever went
        # wrong ("No such customer: 'cus_…'", an amount too small) is yours to read in the log.
        current_app.logger.warning("Stripe refused the checkout: %s", failure)
        return error(400, CHECKOUT_UNAVAILABLE)
    return jsonify(client_secret=intent.client_secret,
                   customer_session_client_secret=customer_session.client_secret)


@bp.post("/webhook")
@csrf.exempt  # no session, no token: Stripe signs each delivery, and that is checked here
def webhook() -> Any:
    payload = request.get_data()  # the raw bytes, exactly as signed: never re-serialised JSON
    shop = services()
    try:
        event = construct_event(payload, request.headers.get("Stripe-Signature", ""),
                                shop.webhook_secret)
    except stripe.SignatureVerificationError as failure:
        return error(400, f"signature check failed: {failure.user_message}")
    except NotAnEvent as failure:
        shop.book.quarantine(payload, str(failure))  # signed: worth a look by a person
        return error(400, f"{failure}; set aside in quarantine")
    except ValueError:
        return error(400, "the body is not JSON")
    # Store it (deduplicated by event id), answer 2xx at once, do the work after.
    fresh = shop.book.accept(event)
    response = jsonify(received=True, event=event.id, duplicate=not fresh)
    if fresh:
        response.call_on_close(shop.fulfil)  # runs once the answer has been sent
    return response


@bp.get("/orders")
def orders() -> Any:
    """A page for a person following the "your orders" link; JSON for code, which does not
    ask for HTML first (fetch, curl, a test client send `*/*` or no Accept at all)."""
    wants_page = request.accept_mimetypes.best_match(
        ["application/json", "text/html"]) == "text/html"
    return order_list(as_page=wants_page)


@bp.get("/orders.json")
def orders_json() -> Any:
    return order_list(as_page=False)


def order_list(as_page: bool) -> Any:
    user = signed_in()
    if user is None:
        return redirect(url_for(".checkout"), 303) if as_page else error(401, "Sign in first.")
    shop = services()
    history = order_history(shop.orders, shop.book, user)
    if as_page:
        return render_template("orders.html", user=user, orders=history, mode=shop.mode)
    return jsonify(orders=history)
