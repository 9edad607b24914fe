"""`python -m helpers.shop [--host H] [--port N] [--db PATH]`: your server, with the seed's page.

Offline by default (the kit's emulator, started in this process); with test keys in
STRIPE_SECRET_KEY / STRIPE_PUBLISHABLE_KEY (environment or .env), Stripe test mode, with the
webhook secret from STRIPE_WEBHOOK_SECRET (`stripe listen --forward-to localhost:4242/webhook`
prints it).
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from ..backend import KeyConfigError, LiveKeyError
from .app import DEFAULT_DB
from .modes import SetupError
from .server import start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.shop",
        description="Your server: the seed's integration as a Flask app, with the seed's page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4242)
    parser.add_argument("--db", default=str(DEFAULT_DB),
                        help="SQLite file for accounts, orders and fulfilment"
                        " (default: .kit/shop.sqlite3)")
    parser.add_argument("--emulator-db", default=None,
                        help="offline: the emulator's SQLite file (default: next to --db)")
    parser.add_argument("--emulator", default=None, metavar="URL",
                        help="offline: use this running emulator (python -m helpers.emulator"
                        " serve) instead of starting one")
    parser.add_argument("--webhook-secret", default=None, metavar="WHSEC",
                        help="the signing secret of whoever forwards events to /webhook"
                        " (test mode default: STRIPE_WEBHOOK_SECRET; offline default: the"
                        " shop registers its own endpoint)")
    args = parser.parse_args(argv)
    try:
        shop = start(args.host, args.port, args.db, emulator_db=args.emulator_db,
                     emulator_url=args.emulator, webhook_secret=args.webhook_secret)
    except (LiveKeyError, KeyConfigError, SetupError) as problem:
        parser.exit(2, f"python -m helpers.shop: {problem}\n")
    except OSError as problem:
        parser.exit(1, f"python -m helpers.shop: cannot listen on {args.host}:{args.port}:"
                    f" {problem}\n")
    where = (f"offline emulator at {shop.emulator_url}" if shop.mode == "emulator"
             else "Stripe test mode")
    print(f"Your server: {shop.url}  ({where}; db: {args.db})\n"
          f"  checkout   {shop.url}/\n"
          f"  webhooks   POST {shop.url}/webhook\n"
          f"  orders     {shop.url}/orders\n"
          "Ctrl-C to stop.", flush=True)
    if shop.caught_up is not None and shop.caught_up.accepted:
        print(f"  caught up  {len(shop.caught_up.accepted)} event(s) missed while the shop was"
              " down (from the Events API)", flush=True)
    signal.signal(signal.SIGTERM, _stop)  # `kill` stops it as cleanly as Ctrl-C
    try:
        shop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        shop.stop()
    return 0


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
