import time

import stripe


def handle_webhook(payload: bytes, sig_header: str, secret: str, orders) -> int:
    # 1. Trust nothing before the signature is checked, on the raw bytes.
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, secret)
    except (ValueError, stripe.SignatureVerificationError):
        return 400  # not JSON, not signed with our secret, or signed too long ago
    signed_at = [part[2:] for part in sig_header.split(",") if part.startswith("t=")][0]
    if int(signed_at) > time.time() + 300:
        return 400  # construct_event accepts a timestamp from the future: we do not

    # 2. At least once: an event we have handled before changes nothing.
    if orders.seen(event.id):
        return 200

    # 3. Act on the three events; a paid order is final, whatever arrives late.
    intent_id = event.data.object.id
    if orders.status(intent_id) != "paid":
        if event.type == "payment_intent.succeeded":
            orders.set_status(intent_id, "paid")
            orders.send_receipt(intent_id)
        elif event.type == "payment_intent.processing":
            orders.set_status(intent_id, "pending")
        elif event.type == "payment_intent.payment_failed":
            orders.set_status(intent_id, "failed")
    orders.remember(event.id)
    return 200  # events we do not act on get 200 too, or Stripe retries them
