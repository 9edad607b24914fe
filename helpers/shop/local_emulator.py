"""The kit's offline Stripe emulator, served over HTTP from a thread of the shop's process.

The same server as `python -m helpers.emulator serve` (the `/v1` API and the Stripe.js stand-in
at `/js.stripe.com/v3/`), started on a free port so that `python -m helpers.shop` is one command.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import tornado.httpserver
import tornado.ioloop
import tornado.netutil

from ..emulator import Emulator
from ..emulator.server import make_app

DELIVERY_CHECK_MS = 500  # how often due webhook retries and bank settlements are looked for


class LocalEmulator:
    """`start()` returns the emulator's base URL; `stop()` shuts it down."""

    def __init__(self, db: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.db = str(db)
        self.host = host
        self.port = port
        self.url = ""
        self.emulator: Emulator | None = None
        self._loop: tornado.ioloop.IOLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30) -> str:
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failures),
                                        name="shop-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"the emulator did not start within {timeout:.0f}s")
        if failures:
            raise RuntimeError(f"the emulator could not start: {failures[0]}") from failures[0]
        return self.url

    def _run(self, ready: threading.Event, failures: list[BaseException]) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            sockets = tornado.netutil.bind_sockets(self.port, self.host)
            self.port = sockets[0].getsockname()[1]
            local = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
            self.url = f"http://{local}:{self.port}"
            # Wall clock (never deterministic): retries and settlements must fall due.
            self.emulator = Emulator(self.db, deterministic=False, public_url=self.url)
            server = tornado.httpserver.HTTPServer(make_app(self.emulator))
            server.add_sockets(sockets)
            loop = tornado.ioloop.IOLoop.current()
            emulator = self.emulator

            def tick() -> None:
                try:
                    emulator.tick()
                except sqlite3.ProgrammingError:
                    pass  # the database was closed: the shop is stopping

            tornado.ioloop.PeriodicCallback(
                lambda: loop.run_in_executor(None, tick), DELIVERY_CHECK_MS).start()
            self._loop = loop
        except Exception as failure:  # reported by start()
            failures.append(failure)
            ready.set()
            return
        ready.set()
        loop.start()
        server.stop()
        loop.close(all_fds=True)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.add_callback(self._loop.stop)
            self._loop = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self.emulator is not None:
            self.emulator.deliveries.stop_background()
            self.emulator.store.close()
            self.emulator = None
