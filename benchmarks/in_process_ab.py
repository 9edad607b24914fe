"""Is this checkout's in-process emulator faster than another one? Measured in alternation.

The emulator benchmark's loop (create customer, create PaymentIntent, confirm, retrieve)
through stripe-python and the in-process emulator with a database file, run in a fresh
process for each checkout in turn, several rounds, so that a slow spell of the machine falls
on both alike. Prints each run's median latency per request and the change in the medians.

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/in_process_ab.py /tmp/before [--rounds 5] [--payments 300]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the checkout being measured (its own helpers and benchmark loop).
ONE_RUN = """
import statistics, sys, tempfile
from pathlib import Path
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
import stripe
from emulator_vs_localstripe import payment_loop
from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, EmulatorHTTPClient
client = stripe.StripeClient(
    DEFAULT_SECRET_KEY, max_network_retries=0, base_addresses={{"api": "http://emulator.invalid"}},
    http_client=EmulatorHTTPClient(Emulator(Path(tempfile.mkdtemp()) / "ab.sqlite3")))
params = {{"automatic_payment_methods": {{"enabled": True, "allow_redirects": "never"}}}}
payment_loop(client, params, 20, {{}})
timings = {{}}
payment_loop(client, params, {payments}, timings)
print(statistics.median([t for values in timings.values() for t in values]))
"""


def one_run(checkout: Path, payments: int) -> float:
    code = ONE_RUN.format(root=str(checkout), payments=payments)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--payments", type=int, default=300)
    args = parser.parse_args()
    if not (args.other / "helpers" / "emulator").is_dir():
        parser.error(f"{args.other} is not a checkout of this kit (no helpers/emulator in it);"
                     " make one with: git worktree add <dir> <commit>")
    runs: dict[str, list[float]] = {"other": [], "this": []}
    for _ in range(args.rounds):
        runs["other"].append(one_run(args.other.resolve(), args.payments))
        runs["this"].append(one_run(ROOT, args.payments))
    for name, values in runs.items():
        print(f"{name:>5}: " + " ".join(f"{v:.3f}" for v in values) + " ms"
              f"  (median {statistics.median(values):.3f})")
    change = statistics.median(runs["this"]) / statistics.median(runs["other"]) - 1
    print(f"this checkout's median latency is {change:+.1%} against the other's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
