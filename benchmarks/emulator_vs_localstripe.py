"""Latency and memory of the kit's emulator against localstripe, measured side by side.

The same loop (create customer, create PaymentIntent, confirm, retrieve) runs through
stripe-python against (a) the emulator in-process (with its database file, the notebooks'
default; and again with an in-memory database, as the tests run), (b) the emulator over HTTP
and (c) localstripe over HTTP, in one run, on this machine. Prints median and p99 latency
per request, the ratios to localstripe, and each server's resident memory after the run.

    .venv/bin/python benchmarks/emulator_vs_localstripe.py [--payments N] [--memory-payments N]

localstripe is installed into benchmarks/.venv-localstripe on first use (it needs aiohttp and
must not share the kit's environment). Targets (issue 3): in-process >= 20x faster than
localstripe, HTTP >= 2x faster, emulator server under 100 MB after 10,000 payments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, EmulatorHTTPClient  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".venv-localstripe"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {url}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (an error page is an answer)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start: {url}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_localstripe() -> Path:
    binary = PEER_VENV / "bin" / "localstripe"
    if not binary.exists():
        print("installing localstripe into", PEER_VENV.relative_to(ROOT), flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "localstripe"],
                       check=True)
    return binary


def payment_loop(client: stripe.StripeClient, intent_params: dict, payments: int,
                 timings: dict[str, list[float]]) -> str:
    """One payment = 4 requests; each request's wall time is recorded under its name.
    Returns the last PaymentIntent's id."""
    def timed(name: str, call: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = call()
        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return result

    for _ in range(payments):
        customer = timed("create customer", lambda: client.v1.customers.create(
            {"email": "bench@example.com"}))
        intent = timed("create intent", lambda c=customer: client.v1.payment_intents.create(
            {"amount": 1099, "currency": "usd", "customer": c.id,
             "payment_method": "pm_card_visa", **intent_params}))
        timed("confirm", lambda i=intent: client.v1.payment_intents.confirm(i.id))
        timed("retrieve", lambda i=intent: client.v1.payment_intents.retrieve(i.id))
    return intent.id


def interleaved(runs: dict[str, tuple[stripe.StripeClient, dict]], payments: int,
                block: int, settle: int = 3) -> dict[str, dict[str, list[float]]]:
    """Every backend's payments, taken in turns of `block` payments (the order rotating each
    round), so that a slow spell of this shared machine falls on all of them alike.

    Each turn first retrieves a PaymentIntent `settle` times, uncounted: right after another
    backend ran, those first requests measure the CPU caches it left cold rather than the
    backend. (Retrieves, so that no backend's state grows by more than the counted payments.)
    """
    timings: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    last: dict[str, str] = {}
    names = list(runs)
    for round_number, start in enumerate(range(0, payments, block)):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            client, params = runs[name]
            for _ in range(settle if name in last else 0):
                client.v1.payment_intents.retrieve(last[name])
            last[name] = payment_loop(client, params, min(block, payments - start),
                                      timings[name])
    return timings


class CannedHTTPClient(stripe.HTTPClient):
    """Answers instantly with a recorded body: what stripe-python itself costs per request."""

    name = "canned"

    def __init__(self, bodies: dict[str, str]) -> None:
        super().__init__()
        self.bodies = bodies

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        kind = "customer" if "/customers" in url else "payment_intent"
        return self.bodies[kind], 200, {"Request-Id": "req_canned"}

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self) -> None:
        pass


def core_loop(emulator: Emulator, payments: int, timings: dict[str, list[float]]) -> None:
    """The same four requests straight into Emulator.request: the emulator's own cost."""
    key = DEFAULT_SECRET_KEY

    def timed(name: str, *args) -> dict:
        started = time.perf_counter()
        response = emulator.request(*args, key, {"Idempotency-Key": uuid.uuid4().hex})
        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return response.body

    for _ in range(payments):
        customer = timed("create customer", "POST", "/v1/customers",
                         {"email": "bench@example.com"})
        intent = timed("create intent", "POST", "/v1/payment_intents", {
            "amount": "1099", "currency": "usd", "customer": customer["id"],
            "payment_method": "pm_card_visa",
            "automatic_payment_methods": {"enabled": "true", "allow_redirects": "never"}})
        timed("confirm", "POST", f"/v1/payment_intents/{intent['id']}/confirm", {})
        timed("retrieve", "GET", f"/v1/payment_intents/{intent['id']}", {})


def summarise(timings: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    every = [t for values in timings.values() for t in values]
    out = {name: (statistics.median(v), percentile(v, 99)) for name, v in timings.items()}
    out["all requests"] = (statistics.median(every), percentile(every, 99))
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=300,
                        help="payments per backend for latency (4 requests each)")
    parser.add_argument("--block", type=int, default=25,
                        help="payments a backend runs before the next one takes its turn")
    parser.add_argument("--memory-payments", type=int, default=10_000,
                        help="payments sent to the emulator server before reading its memory")
    parser.add_argument("--peer-memory-payments", type=int, default=1_000,
                        help="payments sent to localstripe for its memory reading (it slows"
                        " down as its state grows, so 10,000 would take very long)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        # Emulator intents: no redirect methods, so no return_url needed on server confirm.
        ours = {"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}
        theirs = {"payment_method_types": ["card"]}  # localstripe refuses automatic_payment_methods

        emulator_port, peer_port = free_port(), free_port()
        ours_server = subprocess.Popen(
            [sys.executable, "-m", "helpers.emulator", "serve", "--port", str(emulator_port),
             "--db", str(workdir / "emulator.sqlite3")], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(ours_server)
        # --from-scratch: localstripe otherwise reloads (and pickles) its state in /tmp.
        peer = subprocess.Popen([str(ensure_localstripe()), "--port", str(peer_port),
                                 "--from-scratch"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(peer)
        wait_until_up(f"http://127.0.0.1:{emulator_port}/health", ours_server)
        wait_until_up(f"http://127.0.0.1:{peer_port}/v1/customers", peer)

        def http_client(port: int) -> stripe.StripeClient:
            return stripe.StripeClient(DEFAULT_SECRET_KEY, max_network_retries=0,
                                       base_addresses={"api": f"http://127.0.0.1:{port}"})

        in_process = stripe.StripeClient(
            DEFAULT_SECRET_KEY, max_network_retries=0,
            http_client=EmulatorHTTPClient(Emulator(workdir / "in-process.sqlite3")),
            base_addresses={"api": "http://emulator.invalid"})
        in_memory = stripe.StripeClient(
            DEFAULT_SECRET_KEY, max_network_retries=0,
            http_client=EmulatorHTTPClient(Emulator(":memory:")),
            base_addresses={"api": "http://emulator.invalid"})
        runs = {
            "emulator in-process": (in_process, ours),
            # KIT_EMULATOR_DB=:memory:, as the tests and the workshop's lesson kernels run
            "  same, in-memory db": (in_memory, ours),
            "emulator over HTTP": (http_client(emulator_port), ours),
            "localstripe over HTTP": (http_client(peer_port), theirs),
        }
        for client, params in runs.values():
            payment_loop(client, params, 10, {})  # warm up
        every = interleaved(runs, args.payments, args.block)
        results = {name: summarise(timings) for name, timings in every.items()}
        # Where the in-process time goes: stripe-python's own work, and the emulator's.
        core = Emulator(workdir / "core.sqlite3")
        core_loop(core, 10, {})
        timings = {}
        core_loop(core, args.payments, timings)
        sample_customer = core.request("POST", "/v1/customers", {}, DEFAULT_SECRET_KEY).body
        sample_intent = core.request("POST", "/v1/payment_intents", {
            "amount": "1099", "currency": "usd"}, DEFAULT_SECRET_KEY).body
        canned = stripe.StripeClient(
            DEFAULT_SECRET_KEY, max_network_retries=0,
            http_client=CannedHTTPClient({"customer": json.dumps(sample_customer),
                                          "payment_intent": json.dumps(sample_intent)}),
            base_addresses={"api": "http://emulator.invalid"})
        floor: dict[str, list[float]] = {}
        payment_loop(canned, ours, 10, {})
        payment_loop(canned, ours, args.payments, floor)

        print(f"\nLatency per request, {args.payments} payments x 4 requests each"
              f" ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}):\n")
        peer_median, peer_p99 = results["localstripe over HTTP"]["all requests"]
        print(f"{'backend':<24}{'median ms':>11}{'p99 ms':>10}{'x faster (median)':>20}"
              f"{'x faster (p99)':>16}")
        for name, summary in results.items():
            median, p99 = summary["all requests"]
            print(f"{name:<24}{median:>11.3f}{p99:>10.3f}{peer_median / median:>20.1f}"
                  f"{peer_p99 / p99:>16.1f}")
        core_median, core_p99 = summarise(timings)["all requests"]
        floor_median, floor_p99 = summarise(floor)["all requests"]
        print(f"{'  of which stripe-python':<24}{floor_median:>11.3f}{floor_p99:>10.3f}"
              "   (canned answers: the library's own request/response work)")
        print(f"{'  of which the emulator':<24}{core_median:>11.3f}{core_p99:>10.3f}"
              f"{peer_median / core_median:>20.1f}{peer_p99 / core_p99:>16.1f}"
              "   (Emulator.request called directly)")
        print("\nBy request (median ms):")
        kinds = [k for k in results["localstripe over HTTP"] if k != "all requests"]
        print(f"{'backend':<24}" + "".join(f"{k:>17}" for k in kinds))
        for name, summary in results.items():
            print(f"{name:<24}" + "".join(f"{summary[k][0]:>17.3f}" for k in kinds))

        in_process = peer_median / results["emulator in-process"]["all requests"][0]
        over_http = peer_median / results["emulator over HTTP"]["all requests"][0]
        verdicts = [f"in-process {in_process:.1f}x faster (target >= 20x):"
                    f" {'met' if in_process >= 20 else 'NOT met'}",
                    f"over HTTP {over_http:.1f}x faster (target >= 2x):"
                    f" {'met' if over_http >= 2 else 'NOT met'}"]
        if args.memory_payments:
            print("\nServer memory (resident set) after more payments over HTTP:")
            for name, port, process, params, count in (
                    ("emulator over HTTP", emulator_port, ours_server, ours,
                     args.memory_payments),
                    ("localstripe over HTTP", peer_port, peer, theirs,
                     args.peer_memory_payments)):
                before = rss_mb(process.pid)
                started = time.perf_counter()
                payment_loop(http_client(port), params, count, {})
                seconds = time.perf_counter() - started
                after = rss_mb(process.pid)
                print(f"  {name:<24} {count:>6} payments: RSS {before:6.1f} -> {after:6.1f} MB"
                      f" ({(after - before) / count * 1000:+.1f} MB per 1,000 payments,"
                      f" {count / seconds:,.0f} payments/s)")
                if process is ours_server:
                    verdicts.append(f"emulator server {after:.0f} MB after {count:,} payments"
                                    f" (target < 100 MB after 10,000):"
                                    f" {'met' if after < 100 and count >= 10_000 else 'NOT met'}")
        print("\nTargets (issue 3):\n  " + "\n  ".join(verdicts))
        return 0
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
