# Reference solution for 03-return-page.
from urllib.parse import parse_qs, urlsplit


def return_page_message(return_url: str) -> str:
    """The seed's status.js in Python: the message for the payment the return URL names."""
    query = parse_qs(urlsplit(return_url).query)
    client_secret = (query.get("payment_intent_client_secret") or [""])[0]
    if not client_secret:  # the page was opened by hand, or the link was cut
        return "Something went wrong."
    try:
        # The browser holds only the publishable key: it reads the intent with its secret.
        intent = stripejs.retrieve_payment_intent(client_secret)
    except (stripe.StripeError, ValueError):
        return "Something went wrong."
    # redirect_status is part of the URL, which anyone can edit: trust only Stripe's answer.
    return stripejs.status_message(intent.status)
