"""Your server: the seed's integration as a small Flask app to take home.

    python -m helpers.shop --port 4242        # then open http://127.0.0.1:4242/

Routes: `GET /config`, `POST /create-intent-and-customer-session`, `POST /webhook`,
`GET /orders` (a page, or JSON for code; `/orders.json`), and the seed's checkout page (`/`)
and return page (`/complete`). Every POST but `/webhook` needs the session's CSRF token.

Modules, each named after what it holds: `app` (`create_app`), `routes`, `accounts` (the
signed-in user and their Stripe Customer), `cart` (the amount, computed on the server),
`orders` (an order per checkout attempt), `webhooks` (verifying a delivery), `modes` (offline
emulator or test mode), `webhook_endpoint` (offline: the shop's endpoint, kept across
restarts), `server` (`start()`: serve it from a thread), `templates/`, `static/`.
"""

from __future__ import annotations

from .app import create_app
from .server import RunningShop, start

__all__ = ["RunningShop", "create_app", "start"]
