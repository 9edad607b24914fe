"""Offline, the shop's own WebhookEndpoint on the emulator: one, kept across restarts.

Stripe retries a failed delivery for as long as the endpoint exists (up to three days live;
the emulator compresses test mode's schedule to seconds). A shop that deleted its endpoint when
it stopped, or replaced it when it started, threw the pending retries away with it: a payment
made while the shop was down, or whose delivery a crash interrupted, was never fulfilled. So,
as you would with a real endpoint, the shop creates it once and keeps it: its id and signing
secret (which only `create` returns) are stored in the shop's SQLite database, each start
retrieves it and reuses it (moving it if the shop's address changed), and nothing deletes it.
It is created again only when it is gone (another emulator database, deleted by hand).
Retries do end, though (after three days live, seconds on the emulator): what they could not
deliver, the shop fetches from the Events API when it starts again (`catch_up`).
"""

from __future__ import annotations

import secrets

import stripe

from .db import Database

EVENTS = ["payment_intent.succeeded", "payment_intent.processing",
          "payment_intent.payment_failed"]
DESCRIPTION = "helpers.shop: your server's /webhook"
# Written into the endpoint's metadata and kept with its secret: an endpoint under the stored
# id that lacks it is someone else's (a fresh emulator database can hand out the same ids).
MARKER = "helpers_shop_endpoint"


def endpoint_secret(client: stripe.StripeClient, url: str, db: Database) -> str:
    """The signing secret of the shop's endpoint for `url`: the stored one, or a new one."""
    endpoint_id = _reuse(client, url, db) or _create(client, url, db)
    for other in client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter():
        if other.url == url and other.id != endpoint_id:
            # Another endpoint posting here signs with a secret this shop does not hold: all
            # its deliveries would fail. (Leftovers of an older kit, or of another database.)
            client.v1.webhook_endpoints.delete(other.id)
    return db.run("SELECT secret FROM webhook_endpoint")[0][0]


def _reuse(client: stripe.StripeClient, url: str, db: Database) -> str | None:
    rows = db.run("SELECT endpoint_id, marker FROM webhook_endpoint")
    if not rows:
        return None
    endpoint_id, marker = rows[0]
    try:
        endpoint = client.v1.webhook_endpoints.retrieve(endpoint_id)
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing":
            return None
        raise
    metadata = endpoint.metadata.to_dict() if endpoint.metadata is not None else {}
    if metadata.get(MARKER) != marker:  # (stripe-python's objects are not dicts: no .get)
        return None
    if (endpoint.url != url or sorted(endpoint.enabled_events) != sorted(EVENTS)
            or endpoint.status != "enabled"):
        # The shop moved (another port): its pending retries follow it to the new address.
        # (A disabled endpoint is sent nothing: the shop needs it enabled.)
        client.v1.webhook_endpoints.update(endpoint_id, {
            "url": url, "enabled_events": EVENTS, "disabled": False})
    return endpoint_id


def _create(client: stripe.StripeClient, url: str, db: Database) -> str:
    marker = secrets.token_hex(8)
    endpoint = client.v1.webhook_endpoints.create({
        "url": url, "enabled_events": EVENTS, "description": DESCRIPTION,
        "metadata": {MARKER: marker}})
    db.run("INSERT OR REPLACE INTO webhook_endpoint VALUES (1,?,?,?)",
           (endpoint.id, endpoint.secret, marker))
    return endpoint.id
