"""`start()`: the shop served from a thread, for `python -m helpers.shop` and for notebooks.

    shop = start(port=4242)   # offline unless test keys are set
    shop.url                  # open it in a browser
    shop.stop()

Flask's own development server (werkzeug), threaded: fine for learning and tests. In
production, run `create_app(...)` under a WSGI server such as gunicorn instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import stripe
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .app import DEFAULT_DB, create_app
from .catch_up import CatchUp
from .db import Database
from .modes import Mode, from_environment
from .services import log


class RunningShop:
    """A shop being served: `.url`, `.mode` ("emulator" | "stripe"), `.app`, `.stop()`."""

    def __init__(self, server: BaseWSGIServer, app: Flask, mode: Mode, url: str) -> None:
        self.server = server
        self.app = app
        self.mode = mode.name
        self.url = url
        self.emulator_url = mode.api_base if mode.name == "emulator" else None
        self.caught_up: CatchUp | None = None  # what the catch-up at start did
        self._mode = mode
        self._thread = threading.Thread(target=server.serve_forever, name="shop",
                                        daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"RunningShop({self.url}, {self.mode})"

    def _repr_html_(self) -> str:  # a link, in a notebook
        return (f'<a href="{self.url}/" target="_blank">Open your shop: {self.url}/</a>'
                f" ({'offline emulator' if self.mode == 'emulator' else 'Stripe test mode'})")

    def __enter__(self) -> RunningShop:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def catch_up(self) -> CatchUp:
        """Fetch and fulfil the events missed while no delivery reached the shop (`start()`
        runs it once; safe to run again at any time: nothing is fulfilled twice)."""
        return self.app.extensions["shop"].catch_up()

    def wait(self) -> None:
        """Block until the shop stops (Ctrl-C in a terminal)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)  # serve_forever's own cleanup, until nothing listens
        self._mode.close()  # its emulator (the webhook endpoint stays: webhook_endpoint.py)
        self.app.extensions["shop"].book.close()


def _not_ready(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _registered(mode: Mode, url: str, db: Path) -> str:
    database = Database(db)
    try:
        return mode.register_webhook(url, database)
    finally:
        database.close()


def start(host: str = "127.0.0.1", port: int = 4242, db: str | Path = DEFAULT_DB, *,
          emulator_db: str | Path | None = None, emulator_url: str | None = None,
          webhook_secret: str | None = None, environ: Mapping[str, str] | None = None,
          quiet: bool = True) -> RunningShop:
    """Serve the shop on host:port (port 0: a free one) until `.stop()`.

    Once it serves, it catches up on the events it missed while it was down (`catch_up`:
    Stripe's retries end after three days, the emulator's after seconds). `db` holds the shop's
    accounts, orders and fulfilment; `emulator_db` the offline Stripe's state (default: next to
    `db`, `<name>-emulator.sqlite3`); `emulator_url` uses a running
    `python -m helpers.emulator serve` instead of starting one.
    """
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if emulator_db is None:
        emulator_db = db.with_name(f"{db.stem}-emulator.sqlite3")
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Bind first: the webhook URL needs the port (port 0 picks one).
    server = make_server(host, port, _not_ready, threaded=True)
    local = "127.0.0.1" if host in ("", "0.0.0.0") else host
    url = f"http://{local}:{server.server_port}"
    try:
        mode = from_environment(emulator_db, emulator_url=emulator_url, host=host,
                                webhook_secret=webhook_secret, environ=environ)
    except BaseException:
        server.server_close()
        raise
    try:
        secret = mode.webhook_secret or _registered(mode, f"{url}/webhook", db)
        app = create_app(stripe_client=mode.stripe_client, publishable_key=mode.publishable_key,
                         webhook_secret=secret, db=db, stripe_js_url=mode.stripe_js_url,
                         mode=mode.name)
    except BaseException:
        mode.close()
        server.server_close()
        raise
    server.app = app  # werkzeug's handler serves `server.app`
    shop = RunningShop(server, app, mode, url)
    try:  # serving already: retries that arrive meanwhile are answered (once each)
        shop.caught_up = shop.catch_up()
    except stripe.StripeError as problem:  # the shop still starts; the next start tries again
        log.warning("could not catch up on missed events (%s); they are fetched at the next"
                    " start, or call shop.catch_up()", problem.user_message or problem)
    except BaseException:
        shop.stop()
        raise
    return shop
