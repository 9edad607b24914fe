"""Webhook throughput and latency on the offline emulator.

    .venv/bin/python benchmarks/bench_webhooks.py [N]

Reports events delivered and verified per second, in-process and over HTTP (a real POST to a
local server), and the latency from confirm to a fulfilled order row. The peer, measured in the
same run, is `stripe.Webhook.construct_event` alone on the same payloads: the ratio says how
much of the cost is delivery (signing, SQLite, HTTP) rather than verification.
"""

from __future__ import annotations

import http.server
import statistics
import sys
import threading
import time

import stripe

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, EmulatorHTTPClient
from helpers.emulator.deliveries import signature_header
from helpers.fulfilment import OrderBook

EVENTS = ["payment_intent.succeeded"]


def client(emulator: Emulator) -> stripe.StripeClient:
    return stripe.StripeClient(DEFAULT_SECRET_KEY, http_client=EmulatorHTTPClient(emulator),
                               base_addresses={"api": "http://emulator.invalid"})


def pay(api: stripe.StripeClient) -> str:
    return api.v1.payment_intents.create({"amount": 1099, "currency": "usd", "confirm": True,
                                          "payment_method": "pm_card_visa",
                                          "return_url": "https://example.com/done"}).id


def in_process(n: int) -> tuple[float, list[float], list[bytes], str]:
    emulator = Emulator(":memory:", deterministic=False)
    api = client(emulator)
    orders = OrderBook()
    secret: dict[str, str] = {}
    payloads: list[bytes] = []

    def receive(payload: bytes, headers: dict) -> int:
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"],
                                               secret["v"])
        orders.handle(event)
        payloads.append(payload)
        return 200

    url = emulator.add_receiver("bench", receive)
    secret["v"] = api.v1.webhook_endpoints.create({"url": url, "enabled_events": EVENTS}).secret
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        pi = pay(api)  # deliveries due now run right after the request
        assert orders.status_of(pi) == "paid"
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return n / elapsed, latencies, payloads, secret["v"]


def over_http(n: int) -> float:
    emulator = Emulator(":memory:", deterministic=False)
    api = client(emulator)
    secret: dict[str, str] = {}
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stripe.Webhook.construct_event(body, self.headers["Stripe-Signature"], secret["v"])
            count[0] += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    secret["v"] = api.v1.webhook_endpoints.create({"url": url, "enabled_events": EVENTS}).secret
    started = time.perf_counter()
    for _ in range(n):
        pay(api)
    elapsed = time.perf_counter() - started
    server.shutdown()
    assert count[0] == n
    return n / elapsed


def peer(payloads: list[bytes], secret: str) -> float:
    stamp = int(time.time())
    signed = [(p, signature_header(p, secret, stamp)) for p in payloads]
    started = time.perf_counter()
    for payload, header in signed:
        stripe.Webhook.construct_event(payload, header, secret)
    return len(signed) / (time.perf_counter() - started)


def main(n: int = 300) -> None:
    rate, latencies, payloads, secret = in_process(n)
    http_rate = over_http(n)
    verify_rate = peer(payloads, secret)
    ms = sorted(x * 1000 for x in latencies)
    print(f"payments: {n} (one payment_intent.succeeded each)")
    print(f"in-process: {rate:8.0f} payments/s confirmed, delivered, verified, fulfilled")
    print(f"over HTTP:  {http_rate:8.0f} payments/s (real POST to 127.0.0.1, verified)")
    print(f"peer, construct_event alone: {verify_rate:8.0f} events/s")
    print(f"ratio in-process / peer: {rate / verify_rate:.3f};"
          f" over HTTP / peer: {http_rate / verify_rate:.3f}")
    print(f"confirm -> fulfilled row (in-process): median {statistics.median(ms):.2f} ms,"
          f" p95 {ms[int(len(ms) * 0.95) - 1]:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
