# Reference solution for 02-route.
app = shop_app(shop)  # a fresh app each time this cell runs


@app.post("/create-intent-and-customer-session")
def create_intent_and_customer_session():
    user = current_user()  # the server's record of who is logged in, never the request body
    if user is None:
        return jsonify(error={"message": "Please log in to pay."}), 401
    try:
        intent = stripe.PaymentIntent.create(
            amount=cart_total(),  # priced on the server, from the user's cart
            currency="usd",
            customer=user.stripe_customer_id,
            automatic_payment_methods={"enabled": True},
        )
        customer_session = stripe.CustomerSession.create(
            customer=user.stripe_customer_id,
            components={"payment_element": {
                "enabled": True,
                "features": {"payment_method_redisplay": "enabled"},
            }},
        )
    except stripe.StripeError:
        # JSON that checkout.js can read, never a 500 page. Stripe's own text (it names ids
        # and parameters) is for your logs, not for the browser.
        return jsonify(error={"message": "Payment is unavailable right now."}), 400
    return jsonify(client_secret=intent.client_secret,
                   customer_session_client_secret=customer_session.client_secret)
