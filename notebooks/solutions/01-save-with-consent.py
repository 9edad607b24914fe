# Reference solution for 01-save-with-consent.
def save_card(customer_id: str, payment_method: str, customer_ticked_save: bool):
    """Attach `payment_method` to the customer `customer_id` and record her consent.

    Ticked "save for next time" -> "always" (the Payment Element may show it again);
    not ticked -> "limited" (kept for later charges, not shown). A Stripe error (an unknown
    payment method, a card that cannot be saved) reaches the caller unchanged.
    """
    method = stripe.PaymentMethod.attach(payment_method, customer=customer_id)
    consent = "always" if customer_ticked_save else "limited"
    return stripe.PaymentMethod.modify(method.id, allow_redisplay=consent)
