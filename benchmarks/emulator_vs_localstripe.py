"""Latency and memory of the kit's emulator against localstripe, measured side by side.

The same loop (create customer, create PaymentIntent, confirm, retrieve) runs through
stripe-python against (a) the emulator in-process (with its database file, the notebooks'
default; and again with an in-memory database, as the tests run), (b) the emulator over HTTP
and (c) localstripe over HTTP, in one run, on this machine. Prints median and p99 latency
per request, the ratios to localstripe, and each server's resident memory after the run.

localstripe writes its whole store to a pickle file on every change, so its latency grows
with what it holds (about 3.5 ms per request on an empty store, 20 ms after 300 payments).
The ratios are therefore also printed per window of payments as the stores grow, and each
target is judged in every window.

    .venv/bin/python benchmarks/emulator_vs_localstripe.py [--runs N] [--payments N]
        [--window N] [--memory-payments N]

localstripe is installed into benchmarks/.venv-localstripe on first use (it needs aiohttp and
must not share the kit's environment). Targets (issue 3): in-process >= 20x faster than
localstripe, HTTP >= 2x faster, emulator server under 100 MB after 10,000 payments.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import stripe

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from latency_chart import latency_chart  # noqa: E402  (this folder: the script's own)

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, EmulatorHTTPClient  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".venv-localstripe"
# Emulator intents: no redirect methods, so no return_url needed on server confirm.
OURS = {"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}
THEIRS = {"payment_method_types": ["card"]}  # localstripe refuses automatic_payment_methods


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


Timings = dict[str, list[float]]  # request kind -> milliseconds, one entry per request
# Each turn's timings, with how many payments the backend had stored when the turn began:
# localstripe slows down as its store grows (it pickles the whole store on every write).
Turns = list[tuple[int, Timings]]
Summary = dict[str, tuple[float, float]]  # request kind (and "all requests") -> median, p99


def interleaved(runs: dict[str, tuple[stripe.StripeClient, dict]], payments: int,
                block: int, settle: int = 3) -> dict[str, Turns]:
    """Every backend's payments, taken in turns of `block` payments (the order rotating each
    round), so that a slow spell of this shared machine falls on all of them alike.

    Each turn first retrieves a PaymentIntent `settle` times, uncounted: right after another
    backend ran, those first requests measure the CPU caches it left cold rather than the
    backend. (Retrieves, so that no backend's state grows by more than the counted payments.)
    """
    turns: dict[str, Turns] = {name: [] for name in runs}
    last: dict[str, str] = {}
    names = list(runs)
    for round_number, start in enumerate(range(0, payments, block)):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            client, params = runs[name]
            for _ in range(settle if name in last else 0):
                client.v1.payment_intents.retrieve(last[name])
            timings: Timings = {}
            last[name] = payment_loop(client, params, min(block, payments - start), timings)
            turns[name].append((start, timings))
    return turns


def merged(turns: Turns, first: int = 0, end: int | None = None) -> Timings:
    """The timings of the turns that began with `first` to `end` (excluded) payments stored."""
    out: Timings = {}
    for stored, timings in turns:
        if stored >= first and (end is None or stored < end):
            for kind, values in timings.items():
                out.setdefault(kind, []).extend(values)
    return out


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


def summarise(timings: Timings) -> Summary:
    every = [t for values in timings.values() for t in values]
    out = {name: (statistics.median(v), percentile(v, 99)) for name, v in timings.items()}
    out["all requests"] = (statistics.median(every), percentile(every, 99))
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


@contextlib.contextmanager
def started_backends(workdir: Path) -> Iterator[dict[str, Any]]:
    """Fresh backends for one run: the emulator server, localstripe and two in-process
    emulators (localstripe slows down as its state grows, so no run inherits another's)."""
    workdir.mkdir(parents=True)
    processes: list[subprocess.Popen] = []
    try:
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

        def in_process(db: str | Path) -> stripe.StripeClient:
            return stripe.StripeClient(
                DEFAULT_SECRET_KEY, max_network_retries=0,
                http_client=EmulatorHTTPClient(Emulator(db)),
                base_addresses={"api": "http://emulator.invalid"})

        yield {
            "runs": {
                "emulator in-process": (in_process(workdir / "in-process.sqlite3"), OURS),
                # KIT_EMULATOR_DB=:memory:, as the tests and the workshop's lesson kernels run
                "  same, in-memory db": (in_process(":memory:"), OURS),
                "emulator over HTTP": (http_client(emulator_port), OURS),
                "localstripe over HTTP": (http_client(peer_port), THEIRS),
            },
            "servers": {"emulator over HTTP": (emulator_port, ours_server, OURS),
                        "localstripe over HTTP": (peer_port, peer, THEIRS)},
        }
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def http_client(port: int) -> stripe.StripeClient:
    return stripe.StripeClient(DEFAULT_SECRET_KEY, max_network_retries=0,
                               base_addresses={"api": f"http://127.0.0.1:{port}"})


def ratio(results: dict[str, Summary], name: str) -> float:
    """How many times faster than localstripe `name` was, by median latency per request."""
    peer = results["localstripe over HTTP"]["all requests"][0]
    return peer / results[name]["all requests"][0]


def windows(payments: int, window: int) -> list[tuple[int, int]]:
    return [(first, min(first + window, payments)) for first in range(0, payments, window)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=300,
                        help="payments per backend for latency (4 requests each)")
    parser.add_argument("--block", type=int, default=25,
                        help="payments a backend runs before the next one takes its turn")
    parser.add_argument("--window", type=int, default=50,
                        help="latency is also shown per this many payments, as the stores grow")
    parser.add_argument("--runs", type=int, default=1,
                        help="latency runs, each on fresh backends; the targets are judged on"
                        " every run (this shared machine's speed drifts by 10-15%%)")
    parser.add_argument("--chart", type=Path,
                        help="also write the last run's latency per window as an SVG chart")
    parser.add_argument("--memory-payments", type=int, default=10_000,
                        help="payments sent to the emulator server before reading its memory")
    parser.add_argument("--peer-memory-payments", type=int, default=1_000,
                        help="payments sent to localstripe for its memory reading (it slows"
                        " down as its state grows, so 10,000 would take very long)")
    args = parser.parse_args()
    if args.block > args.window or args.window % args.block:
        parser.error("--window must be a multiple of --block")
    workdir = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    every_run: list[dict[str, list[Summary]]] = []  # per run, backend: [all, window 1, ...]
    spans = windows(args.payments, args.window)
    try:
        for run in range(args.runs):
            with started_backends(workdir / f"run-{run}") as backends:
                runs = backends["runs"]
                for client, params in runs.values():
                    payment_loop(client, params, 10, {})  # warm up (stored too)
                turns = interleaved(runs, args.payments, args.block)
                every_run.append({name: [summarise(merged(t))] + [
                    summarise(merged(t, first, end)) for first, end in spans]
                    for name, t in turns.items()})
                if args.runs > 1:
                    print(f"run {run + 1}/{args.runs}: " + ", ".join(
                        f"{name.strip()} {ratio(column(every_run[-1], 0), name):.1f}x"
                        for name in runs if name != "localstripe over HTTP"), flush=True)
                if run == args.runs - 1:
                    floor = print_latency(args, every_run[-1], spans, workdir)
                    if args.chart:
                        write_chart(args.chart, every_run[-1], spans)
                    verdicts = judge(every_run, spans, floor)
                    if args.memory_payments:
                        verdicts.append(measure_memory(args, backends["servers"]))
        print("\nTargets (issue 3):\n  " + "\n  ".join(verdicts))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def column(results: dict[str, list[Summary]], index: int) -> dict[str, Summary]:
    """Every backend's summary over all payments (0) or over one window (1, 2...)."""
    return {name: summaries[index] for name, summaries in results.items()}


def print_latency(args: argparse.Namespace, results: dict[str, list[Summary]],
                  spans: list[tuple[int, int]], workdir: Path) -> float:
    """The last run's tables, with where the in-process time goes: stripe-python's own work
    (canned answers) and the emulator's (Emulator.request called directly). Returns
    stripe-python's median, the least any backend behind it can cost per request."""
    core = Emulator(workdir / "core.sqlite3")
    core_loop(core, 10, {})
    timings: Timings = {}
    core_loop(core, args.payments, timings)
    sample_customer = core.request("POST", "/v1/customers", {}, DEFAULT_SECRET_KEY).body
    sample_intent = core.request("POST", "/v1/payment_intents", {
        "amount": "1099", "currency": "usd"}, DEFAULT_SECRET_KEY).body
    canned = stripe.StripeClient(
        DEFAULT_SECRET_KEY, max_network_retries=0,
        http_client=CannedHTTPClient({"customer": json.dumps(sample_customer),
                                      "payment_intent": json.dumps(sample_intent)}),
        base_addresses={"api": "http://emulator.invalid"})
    floor: Timings = {}
    payment_loop(canned, OURS, 10, {})
    payment_loop(canned, OURS, args.payments, floor)

    last = " (the last run)" if args.runs > 1 else ""
    print(f"\nLatency per request{last}, {args.payments} payments x 4 requests each"
          f" ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}):\n")
    overall = column(results, 0)
    peer_median, peer_p99 = overall["localstripe over HTTP"]["all requests"]
    print(f"{'backend':<24}{'median ms':>11}{'p99 ms':>10}{'x faster (median)':>20}"
          f"{'x faster (p99)':>16}")
    for name, summary in overall.items():
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

    print("\nAs the stores grow (median ms, and x faster than localstripe with as many"
          " payments stored;\neach store also holds the 10 warm-up payments):")
    print(f"{'backend / payments':<24}" + "".join(f"{f'{a + 1}-{b}':>16}" for a, b in spans))
    for name in overall:
        cells = []
        for index in range(1, len(spans) + 1):
            window = column(results, index)
            cells.append(f"{window[name]['all requests'][0]:.3f} ({ratio(window, name):.1f}x)")
        print(f"{name:<24}" + "".join(f"{cell:>16}" for cell in cells))

    print("\nBy request, all payments (median ms):")
    kinds = [k for k in overall["localstripe over HTTP"] if k != "all requests"]
    print(f"{'backend':<24}" + "".join(f"{k:>17}" for k in kinds))
    for name, summary in overall.items():
        print(f"{name:<24}" + "".join(f"{summary[k][0]:>17.3f}" for k in kinds))
    return floor_median


def write_chart(path: Path, results: dict[str, list[Summary]],
                spans: list[tuple[int, int]]) -> None:
    series = {name.replace("  same,", "in-process,"):
              [summaries[index]["all requests"][0] for index in range(1, len(spans) + 1)]
              for name, summaries in results.items()}
    path.write_text(latency_chart(series, [f"{a + 1}-{b}" for a, b in spans],
                                  "Median latency per request through stripe-python (log scale)"))
    print(f"\nchart written to {path}")


def judge(every_run: list[dict[str, list[Summary]]], spans: list[tuple[int, int]],
          floor: float) -> list[str]:
    """Each target, judged in every window of every run: localstripe's latency depends on how
    much it has stored, so one number over all payments would hide where a target fails."""
    verdicts = []
    for label, name, target in (("in-process", "emulator in-process", 20),
                                ("in-process, in-memory db", "  same, in-memory db", 20),
                                ("over HTTP", "emulator over HTTP", 2)):
        parts, failed = [], False
        for index in range(1, len(spans) + 1):
            ratios = [ratio(column(results, index), name) for results in every_run]
            met = sum(r >= target for r in ratios)
            failed |= met < len(ratios)
            parts.append(f"{ratios[0]:.1f}x" if len(ratios) == 1 else
                         f"{min(ratios):.1f}-{max(ratios):.1f}x ({met}/{len(ratios)} runs)")
        window = spans[0][1] - spans[0][0]
        verdicts.append(f"{label} >= {target}x faster: {'NOT met' if failed else 'met'}"
                        f" (per {window} payments as the stores grow: {', '.join(parts)})")
    first_peer = min(column(results, 1)["localstripe over HTTP"]["all requests"][0]
                     for results in every_run)
    verdicts.append(
        f"ceiling on the first {spans[0][1]} payments: localstripe's median there is"
        f" {first_peer:.2f} ms and stripe-python's own work {floor:.3f} ms, so no backend"
        f" behind stripe-python could be more than {first_peer / floor:.1f}x faster")
    return verdicts


def measure_memory(args: argparse.Namespace,
                   servers: dict[str, tuple[int, subprocess.Popen, dict]]) -> str:
    """Resident memory of each server after many more payments, and its latency at the start
    and at the end of them (does it slow down as its store grows?)."""
    print("\nServer memory (resident set) after more payments over HTTP:")
    verdict = ""
    for name, (port, process, params) in servers.items():
        count = args.memory_payments if name == "emulator over HTTP" \
            else args.peer_memory_payments
        before = rss_mb(process.pid)
        started = time.perf_counter()
        edge = min(100, count // 10)  # payments timed at the start and at the end
        first: Timings = {}
        final: Timings = {}
        for payments, timings in ((edge, first), (count - 2 * edge, {}), (edge, final)):
            if payments:
                payment_loop(http_client(port), params, payments, timings)
        seconds = time.perf_counter() - started
        after = rss_mb(process.pid)
        print(f"  {name:<24} {count:>6} payments: RSS {before:6.1f} -> {after:6.1f} MB"
              f" ({(after - before) / count * 1000:+.1f} MB per 1,000 payments,"
              f" {count / seconds:,.0f} payments/s)")
        if edge:
            print(f"  {'':<24} median latency {summarise(first)['all requests'][0]:.2f} ms over"
                  f" the first {edge} of them, {summarise(final)['all requests'][0]:.2f} ms"
                  f" over the last {edge}")
        if name == "emulator over HTTP":
            verdict = (f"emulator server {after:.0f} MB after {count:,} payments"
                       f" (target < 100 MB after 10,000):"
                       f" {'met' if after < 100 and count >= 10_000 else 'NOT met'}")
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
