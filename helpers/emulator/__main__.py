"""Command line: `python -m helpers.emulator serve [--host H] [--port N] [--db PATH]`."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="The kit's offline Stripe emulator.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Stripe API and the Stripe.js stand-in")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=12111)
    serve.add_argument("--db", default=None, help="SQLite file (default: KIT_EMULATOR_DB or"
                       " .kit/emulator.sqlite3)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        from .server import serve as run

        try:
            run(args.host, args.port, args.db)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
