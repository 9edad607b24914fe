"""Your server's webhook endpoint, as a small web app: `POST /webhook`, the way Stripe recommends.

    python -m helpers.receiver_app --port 4242 --secret whsec_…      # or STRIPE_WEBHOOK_SECRET
    python -m helpers.emulator listen --forward-to http://127.0.0.1:4242/webhook

What it does with each request, in order:
1. verify: `stripe.Webhook.construct_event(raw body, Stripe-Signature header, secret)` on the
   exact bytes received (never a re-serialised body). A bad or missing signature, a timestamp
   outside the 300 s tolerance, or a body that is not JSON gets **400** and nothing else;
2. record the verified event in the order book's inbox (durable, deduplicated by event id);
3. answer **200** at once, so Stripe does not time out and retry;
4. then do the work (`OrderBook.process_inbox()`: orders and e-mails, exactly once).

`GET /orders` shows the orders as JSON (handy in tests and demos).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import stripe
import tornado.ioloop
import tornado.web

from .fulfilment import KIT_DIR, OrderBook

TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 seconds


class WebhookHandler(tornado.web.RequestHandler):
    def initialize(self, orders: OrderBook, secret: str, tolerance: int = TOLERANCE) -> None:
        self.orders = orders
        self.secret = secret
        self.tolerance = tolerance

    def post(self) -> None:
        payload = self.request.body  # the raw bytes, exactly as signed
        header = self.request.headers.get("Stripe-Signature", "")
        try:
            event = stripe.Webhook.construct_event(payload, header, self.secret,
                                                   tolerance=self.tolerance)
        except ValueError:  # includes json.JSONDecodeError
            self._answer(400, {"error": "the body is not JSON"})
            return
        except stripe.SignatureVerificationError as error:
            self._answer(400, {"error": f"signature check failed: {error.user_message}"})
            return
        fresh = self.orders.accept(event)
        self._answer(200, {"received": True, "event": event.id,
                           "duplicate": not fresh})
        if fresh:  # after the answer has gone: the slow part
            tornado.ioloop.IOLoop.current().run_in_executor(None, self.orders.process_inbox)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class OrdersHandler(tornado.web.RequestHandler):
    def initialize(self, orders: OrderBook) -> None:
        self.orders = orders

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"orders": self.orders.statuses(),
                                "outbox": self.orders.count("outbox"),
                                "inbox": self.orders.count("inbox")}))


def make_app(orders: OrderBook, secret: str, tolerance: int = TOLERANCE
             ) -> tornado.web.Application:
    """The app: `POST /webhook` and `GET /orders`."""
    if not secret:
        raise ValueError("A webhook signing secret (whsec_…) is required: pass --secret or set"
                         " STRIPE_WEBHOOK_SECRET (listen prints one when it starts).")
    return tornado.web.Application([
        (r"/webhook", WebhookHandler, {"orders": orders, "secret": secret,
                                       "tolerance": tolerance}),
        (r"/orders", OrdersHandler, {"orders": orders}),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.receiver_app",
                                     description="Your server's webhook endpoint (POST /webhook).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4242)
    parser.add_argument("--secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
                        help="the endpoint's signing secret (default: STRIPE_WEBHOOK_SECRET)")
    parser.add_argument("--db", default=str(KIT_DIR / "receiver-orders.sqlite3"),
                        help="the order book's SQLite file")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("no signing secret: pass --secret whsec_… or set STRIPE_WEBHOOK_SECRET")
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    orders = OrderBook(args.db)
    orders.process_inbox()  # anything accepted before a restart
    make_app(orders, args.secret).listen(args.port, address=args.host)
    print(f"Your server: POST http://{args.host}:{args.port}/webhook  (orders: {args.db})",
          flush=True)
    try:
        tornado.ioloop.IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
