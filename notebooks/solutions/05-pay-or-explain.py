GENERIC_MESSAGE = "Something went wrong on our side. Please try again in a moment."


def pay_or_explain(intent_id: str, payment_method: str) -> dict:
    try:
        # Confirm THIS PaymentIntent: a retry reuses it, so the customer is never charged twice.
        intent = stripe.PaymentIntent.confirm(
            intent_id, payment_method=payment_method, return_url=RETURN_URL)
    except stripe.CardError as error:
        # A decline: its message is written for the customer ("Your card has expired.").
        status = stripe.PaymentIntent.retrieve(intent_id).status
        return {"status": status, "message": error.user_message}
    except stripe.StripeError:
        # Anything else is for us (log error.code and error.request_id), not for the customer.
        status = stripe.PaymentIntent.retrieve(intent_id).status
        return {"status": status, "message": GENERIC_MESSAGE}
    return {"status": intent.status, "message": stripejs.status_message(intent.status)}
