"""The shop's routes: the seed's three server endpoints, its two pages, and a fake login.

    GET  /                                    checkout page (or "Sign in as" when signed out)
    GET  /complete                            return page (status.js)
    GET  /config                              {publishableKey}
    POST /create-intent-and-customer-session  {client_secret, customer_session_client_secret}
    POST /webhook                             Stripe's events, verified, fulfilled exactly once
    GET  /orders                              the signed-in user's orders, as webhooks left them
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

from .accounts import USERS, sign_in, signed_in
from .cart import cart_for
from .orders import order_history
from .services import Services
from .webhooks import NotAnEvent, construct_event

bp = Blueprint("shop", __name__)


def services() -> Services:
    return current_app.extensions["shop"]


def error(status: int, message: str) -> tuple[Response, int]:
    """Errors as JSON, shaped like Stripe's: `{"error": {"message": ...}}`."""
    return jsonify(error={"message": message}), status


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
        current_app.logger.warning("Stripe refused the checkout: %s", failure)
        return error(400, failure.user_message or "The payment could not be set up.")
    return jsonify(client_secret=intent.client_secret,
                   customer_session_client_secret=customer_session.client_secret)


@bp.post("/webhook")
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
    user = signed_in()
    if user is None:
        return error(401, "Sign in first.")
    shop = services()
    return jsonify(orders=order_history(shop.orders, shop.book, user))
