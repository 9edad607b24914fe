"""Your server: the seed's integration as a small Flask app to take home.

    python -m helpers.shop --port 4242        # then open http://127.0.0.1:4242/

Routes: `GET /config`, `POST /create-intent-and-customer-session`, `POST /webhook`,
`GET /orders` (a page, or JSON for code; `/orders.json`), and the seed's checkout page (`/`)
and return page (`/complete`). Every POST but `/webhook` needs the session's CSRF token.

Modules, each named after what it holds: `app` (`create_app`), `routes`, `accounts` (the
signed-in user and their Stripe Customer), `cart` (the amount, computed on the server),
`orders` (an order per checkout attempt), `webhooks` (verifying a delivery), `modes` (offline
emulator or test mode), `webhook_endpoint` (offline: the shop's endpoint, kept across
restarts), `catch_up` (at each start, the events missed while the shop was down, from the
Events API), `server` (`start()`: serve it from a thread), `templates/`, `static/`.

No payment is lost to a restart: an event accepted but not yet handled waits in the database's
inbox; one whose delivery is still being retried reaches the kept endpoint; and one whose
retries ran out while the shop was down is fetched by the catch-up. Each is fulfilled once.
"""

from __future__ import annotations

from .app import create_app
from .server import RunningShop, start

__all__ = ["RunningShop", "create_app", "start"]
