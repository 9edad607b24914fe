"""Command line for the kit's offline Stripe emulator.

    python -m helpers.emulator serve [--host H] [--port N] [--db PATH] [--stripe-only]
                                     [--default-api-version V]
    python -m helpers.emulator reset [--db PATH]
    python -m helpers.emulator trigger payment_intent.succeeded [--api-base URL] [--api-key KEY]
    python -m helpers.emulator listen --forward-to URL [--events a,b] [--api-base URL] [...]
    python -m helpers.emulator fixtures FILE.json... [--api-version V] [--api-base URL] [...]

`trigger`, `listen` and `fixtures` act on the kit's emulator database by default (KIT_EMULATOR_DB or
.kit/emulator.sqlite3), or on a running emulator server given with `--api-base`, for the
account of `--api-key` (default: the kit's default test key).

`fixtures` exits 0 when every file ran clean, 1 when a request failed, 2 when a file was refused
(malformed, or a step that would send data off this machine): one line each on stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sys


def _remote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-base", default=None,
                        help="a running emulator server, e.g. http://127.0.0.1:12111 (default:"
                        " the kit's emulator database, in this process)")
    parser.add_argument("--api-key", default=None,
                        help="secret key of the account (default: the kit's default test key)")
    parser.add_argument("--db", default=None, help="SQLite file when no --api-base is given"
                        " (default: KIT_EMULATOR_DB or .kit/emulator.sqlite3)")


def main(argv: list[str] | None = None) -> int:
    from .triggers import SUPPORTED

    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="The kit's offline Stripe emulator.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Stripe API and the Stripe.js stand-in")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=12111)
    serve.add_argument("--db", default=None, help="SQLite file (default: KIT_EMULATOR_DB or"
                       " .kit/emulator.sqlite3)")
    serve.add_argument("--stripe-only", action="store_true",
                       help="behave like Stripe test mode: the kit's own routes"
                       " (/v1/test_helpers/kit/..., /health) answer Stripe's 404 and are logged"
                       " on stderr as 'kit-only route refused: ...'")

    serve.add_argument("--default-api-version", default=None, metavar="VERSION",
                       help="API version of requests without Stripe-Version, for every account"
                       " without its own default (default: 2026-10-28.endive); an account's"
                       " own: POST /v1/test_helpers/kit/default_api_version {api_version}")

    reset = commands.add_parser("reset", help="empty the emulator: every account's objects")
    reset.add_argument("--db", default=None, help="SQLite file (default: KIT_EMULATOR_DB or"
                       " .kit/emulator.sqlite3)")

    trigger = commands.add_parser(
        "trigger", help="make an event happen through real API calls (like `stripe trigger`)")
    trigger.add_argument("event", choices=SUPPORTED, metavar="EVENT",
                         help="one of: " + ", ".join(SUPPORTED))
    _remote(trigger)

    listen = commands.add_parser(
        "listen", help="forward events, signed, to a local URL (like `stripe listen`)")
    listen.add_argument("--forward-to", required=True, metavar="URL",
                        help="where to POST each event, e.g. http://127.0.0.1:4242/webhook")
    listen.add_argument("--events", default="*",
                        help="comma-separated event types to forward (default: all)")
    listen.add_argument("--mode", choices=("auto", "endpoint", "poll"), default="auto",
                        help="endpoint: a real WebhookEndpoint on the emulator; poll: the Events"
                        " API, re-signed locally (Stripe test mode); auto picks (default)")
    listen.add_argument("--max-deliveries", type=int, default=None,
                        help="stop after this many deliveries (scripts, tests)")
    listen.add_argument("--timeout", type=float, default=None,
                        help="stop after this many seconds")
    _remote(listen)

    fixtures = commands.add_parser(
        "fixtures", help="run Stripe CLI fixture files (like `stripe fixtures FILE.json`)")
    fixtures.add_argument("files", nargs="+", metavar="FILE.json")
    fixtures.add_argument("--api-version", default=None, metavar="VERSION",
                          help="send this Stripe-Version (default: none, so the account's"
                          " default version applies, as with the Stripe CLI)")
    fixtures.add_argument("--update-env", action="store_true",
                          help="write the files' `env` values into an existing ./.env, as the"
                          " Stripe CLI does, quoted so each reads back exactly (default: only"
                          " print them)")
    fixtures.add_argument("--allow-process-env", action="store_true",
                          help="let ${.env:NAME} read this process's environment variables too,"
                          " as the Stripe CLI does (default: ./.env only, so a file cannot read"
                          " whatever your shell holds)")
    fixtures.add_argument("--allow-outward", action="store_true",
                          help="let a run on the emulator (in this process, or --api-base on"
                          " this machine) send data off this machine: create or use a webhook"
                          " endpoint whose URL is not localhost/loopback (default: refused,"
                          " exit code 2)")
    _remote(fixtures)

    args = parser.parse_args(argv)
    version_error = _check_versions(args)
    if version_error:
        print(version_error, file=sys.stderr)
        return 2
    if args.command in ("serve", "listen"):
        # Long-running tools follow the wall clock: deterministic mode's fixed clock (for
        # stored notebook outputs) would stop retries and settlements from ever falling due.
        os.environ["KIT_DETERMINISTIC"] = "0"
    if args.command == "serve":
        from .server import serve as run

        if args.default_api_version:  # read by Emulator() (see versions.py)
            os.environ["KIT_DEFAULT_API_VERSION"] = args.default_api_version
        try:
            run(args.host, args.port, args.db, stripe_only=args.stripe_only)
        except KeyboardInterrupt:
            pass
        return 0
    if args.db:
        os.environ["KIT_EMULATOR_DB"] = args.db
    if args.command == "reset":
        from .core import Emulator

        emulator = Emulator()
        removed = emulator.reset()
        print(f"Emptied the emulator at {emulator.store.path}: {removed} objects removed.")
        return 0
    if args.command == "trigger":
        import stripe

        from . import get_emulator
        from .triggers import trigger as run_trigger

        print(f"Setting up fixture for: {args.event}")
        print(f"Running fixture for: {args.event}")
        # The kit's emulator database unless --api-base names a server (never the .env keys).
        local = None if args.api_base else get_emulator()
        try:
            event = run_trigger(args.event, emulator=local, api_key=args.api_key,
                                api_base=args.api_base)
        except stripe.StripeError as error:
            print(f"Trigger failed: {error.user_message or error}", file=sys.stderr)
            return 1
        except ValueError as error:  # a live key, refused before any request
            print(f"Trigger refused: {error}", file=sys.stderr)
            return 2
        carried = event.data.object
        status = getattr(carried, "status", None)
        print(f"Trigger succeeded! {event.type} [{event.id}] ({carried.object} {carried.id}"
              f"{f', status {status}' if status else ''})")
        return 0
    if args.command == "fixtures":
        return _fixtures(args)
    return _listen(args)


def _listen(args: argparse.Namespace) -> int:
    import stripe

    from .listen import listen as run_listen
    from .urls import unusable_reason

    reason = unusable_reason(args.forward_to)
    if reason is not None or args.forward_to.startswith("inprocess://"):
        print(one_line(f"--forward-to {args.forward_to!r} is not a usable http(s) URL:"
                       f" {reason or 'an in-process receiver lives in a notebook'}."),
              file=sys.stderr)
        return 2
    events = [e.strip() for e in args.events.split(",") if e.strip()] or ["*"]
    try:
        run_listen(args.forward_to, events=events, api_key=args.api_key,
                   api_base=args.api_base, mode=args.mode, max_deliveries=args.max_deliveries,
                   timeout=args.timeout)
    except stripe.StripeError as error:
        print(one_line(f"Listen failed: {error.user_message or error}"), file=sys.stderr)
        return 1
    return 0


def _check_versions(args: argparse.Namespace) -> str | None:
    """A version flag naming no Stripe version: a message, before anything runs."""
    from .errors import StripeError
    from .versions import check

    for flag in ("default_api_version", "api_version"):
        value = getattr(args, flag, None)
        if value:
            try:
                check(value)
            except StripeError as error:
                return f"--{flag.replace('_', '-')}: {error.error['message']}"
    return None


def _fixtures(args: argparse.Namespace) -> int:
    from . import get_emulator
    from .dotenv_file import quoted
    from .fixtures import run

    local = None if args.api_base else get_emulator()
    worst = 0
    for path in args.files:
        result = run(path, emulator=local, api_key=args.api_key, api_base=args.api_base,
                     api_version=args.api_version, write_env=args.update_env,
                     allow_process_env=args.allow_process_env,
                     allow_outward=args.allow_outward, echo=print)
        for name, value in result.env.items():
            try:
                print(f"env {name}={quoted(value)}")
            except ValueError:
                print(f"env {name}={value!r}")
        if result.ok:
            print(one_line(f"Fixture {path} ran clean: {len(result.steps)} requests."))
        else:
            worst = max(worst, 2 if result.refused else 1)
            print(one_line(f"Fixture {path} failed: {result.error}"), file=sys.stderr)
    return worst


def one_line(text: str) -> str:
    """Control characters (a line break in a path, say) shown escaped: one line per message."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]",
                  lambda match: repr(match.group())[1:-1], text)


if __name__ == "__main__":
    raise SystemExit(main())
