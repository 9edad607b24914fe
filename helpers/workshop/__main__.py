"""Serve a workshop: `python -m helpers.workshop [--host H] [--port N] [--token T]`.

    python -m helpers.workshop                          # http://127.0.0.1:8866/ on this machine
    python -m helpers.workshop --host 0.0.0.0 --token s3cret --pool-size 30
        # the room opens http://<this machine's address>:8866/?token=s3cret

The landing page lists the app (notebook 06) and the lessons 00-05; the facilitator view is
at /workshop/facilitator. See server.py for what each setting does.
"""

from __future__ import annotations

import argparse
import ipaddress
import secrets
import sys
from pathlib import Path

from .server import (
    DEFAULT_CULL_IDLE,
    DEFAULT_CULL_INTERVAL,
    DEFAULT_POOL,
    DEFAULT_REFILL_DELAY,
    serve,
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.workshop",
        description="Serve the kit to a workshop with Voilà: the app for every participant, "
                    "the lessons, a facilitator view.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (0.0.0.0: every interface, for a room)")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--token", default=None,
                        help="access token participants add once (?token=...); 'auto' makes one")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL,
                        help="preheated kernels of the app, ready for a burst of arrivals "
                             f"(default {DEFAULT_POOL}; about one per participant arriving at"
                             " once; each idle one holds ~100 MB)")
    parser.add_argument("--cull-idle", type=int, default=DEFAULT_CULL_IDLE,
                        help="seconds before the kernel of a closed tab is shut down "
                             f"(default {DEFAULT_CULL_IDLE})")
    parser.add_argument("--cull-interval", type=int, default=DEFAULT_CULL_INTERVAL)
    parser.add_argument("--refill-delay", type=float, default=DEFAULT_REFILL_DELAY,
                        help="seconds before a used preheated kernel is replaced "
                             f"(default {DEFAULT_REFILL_DELAY:g}: after the burst, not during it;"
                             " someone arriving when the pool is empty waits this long)")
    parser.add_argument("--workshop-dir", type=Path, default=None,
                        help="where sandboxes are kept (default .kit/workshop)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    token = secrets.token_urlsafe(12) if args.token == "auto" else args.token
    try:
        local = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        local = args.host == "localhost"
    shown_host = "<this machine's address>" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{shown_host}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"Workshop: participants open {url}\n"
          f"Facilitator view: http://{shown_host}:{args.port}/workshop/facilitator\n"
          f"{args.pool_size} preheated app kernels; idle kernels culled after"
          f" {args.cull_idle} s; tracebacks hidden; no CDN.", flush=True)
    if not local and not token:
        print("Note: listening beyond this machine without a token; anyone on the network can"
              " open the app. Add --token auto to require one.", flush=True)
    serve(host=args.host, port=args.port, token=token, pool_size=args.pool_size,
          cull_idle=args.cull_idle, cull_interval=args.cull_interval,
          refill_delay=args.refill_delay, workshop_dir=args.workshop_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
