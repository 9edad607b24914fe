"""Serve a workshop: `python -m helpers.workshop [--host H] [--port N] [--token T]`.

    python -m helpers.workshop                          # http://127.0.0.1:8866/ on this machine
    python -m helpers.workshop --host 0.0.0.0 --token s3cret --pool-size 30
        # prints the room's URL for each of this machine's addresses, e.g.
        # http://192.168.1.20:8866/?token=s3cret

The landing page lists the app (notebook 06) and the lessons 00-05; the facilitator view is
at /workshop/facilitator, with a secret of its own (printed at start, or --facilitator-token).
See server.py for what each setting does.
"""

from __future__ import annotations

import argparse
import ipaddress
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import urlencode

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
    parser.add_argument("--facilitator-token", default="auto",
                        help="the facilitator view's own secret (default: a random one,"
                             " printed in its URL)")
    return parser.parse_args(argv)


def machine_addresses(host: str) -> list[str]:
    """The addresses participants can reach this machine at, for a wildcard `host`
    (0.0.0.0: IPv4, :: also IPv6); otherwise `host` itself."""
    if host not in ("0.0.0.0", "::", ""):
        return [host]
    families = {socket.AF_INET} | ({socket.AF_INET6} if host == "::" else set())
    found: list[str] = []

    def add(address: str) -> None:
        address = address.split("%")[0]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return
        if ip.is_loopback or ip.is_link_local or ip.is_unspecified or address in found:
            return
        found.append(address)

    try:
        import psutil

        for addresses in psutil.net_if_addrs().values():
            for entry in addresses:
                if entry.family in families:
                    add(entry.address)
    except Exception:  # psutil missing or no permission: ask the resolver instead
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            if info[0] in families:
                add(str(info[4][0]))
    except OSError:
        pass
    if not found:
        try:  # the address outgoing traffic would use (a UDP connect sends nothing)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("10.255.255.255", 1))
                add(probe.getsockname()[0])
        except OSError:
            pass
    return found or ["127.0.0.1"]


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def banner(args: argparse.Namespace, token: str | None, facilitator: str,
           addresses: list[str]) -> str:
    """What the server prints at start: the room's URLs, the facilitator's, the settings."""
    room = "?" + urlencode({"token": token}) if token else ""
    private = {"facilitator": facilitator, **({"token": token} if token else {})}
    lines = ["Workshop: participants open " + (
        f"http://{url_host(addresses[0])}:{args.port}/{room}" if len(addresses) == 1
        else "one of")]
    if len(addresses) > 1:
        lines += [f"  http://{url_host(a)}:{args.port}/{room}" for a in addresses]
    lines.append(f"Facilitator view (keep it to yourself): http://{url_host(addresses[0])}:"
                 f"{args.port}/workshop/facilitator?{urlencode(private)}")
    pool = "1 preheated app kernel" if args.pool_size == 1 else \
        f"{args.pool_size} preheated app kernels"
    lines.append(f"{pool}; idle kernels culled after {args.cull_idle} s; tracebacks hidden;"
                 " no CDN.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    token = secrets.token_urlsafe(12) if args.token == "auto" else args.token
    try:
        local = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        local = args.host == "localhost"
    facilitator = secrets.token_urlsafe(12) if args.facilitator_token == "auto" \
        else args.facilitator_token
    print(banner(args, token, facilitator, machine_addresses(args.host)), flush=True)
    if not local and not token:
        print("Note: listening beyond this machine without a token; anyone on the network can"
              " open the app. Add --token auto to require one.", flush=True)
    serve(host=args.host, port=args.port, token=token, pool_size=args.pool_size,
          cull_idle=args.cull_idle, cull_interval=args.cull_interval,
          refill_delay=args.refill_delay, workshop_dir=args.workshop_dir,
          facilitator_token=facilitator)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
