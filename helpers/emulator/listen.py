"""`listen --forward-to URL`, like the Stripe CLI's `stripe listen`.

On the emulator (the kit's database by default, or a server given with `--api-base`), it
creates a real WebhookEndpoint for the URL, so what your server receives is exactly what the
emulator delivers: signed with that endpoint's secret (printed at start), retried on failure,
with any fault injection that is turned on. It follows the endpoint's delivery log and prints
one line per attempt, and deletes the endpoint when it stops.

Against Stripe test mode (an API base that has no kit endpoints) it cannot receive Stripe's
deliveries on a local URL, so it polls the Events API instead and **re-signs each event
locally** with a secret of its own before forwarding it: verification code runs unchanged, but
those signatures come from this kit, not from Stripe (the same thing `helpers.webhooks.Listener`
does in a notebook).
"""

from __future__ import annotations

import json
import secrets
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import stripe

from .deliveries import signature_header
from .triggers import client as make_client

ATTEMPTS = "/v1/test_helpers/kit/webhook_endpoints/{id}/attempts"


class _Stop(Exception):
    pass


def _line(event_type: str | None, event_id: str, status: Any, url: str,
          attempt: int = 1, excerpt: str = "") -> str:
    shown = f"[{status}]" if status is not None else "[ERR]"
    retry = f" (attempt {attempt})" if attempt > 1 else ""
    why = f"  {excerpt[:80]}" if status is None and excerpt else ""
    return f"--> {event_type} [{event_id}]  <-- {shown} POST {url}{retry}{why}"


def listen(forward_to: str, *, events: Sequence[str] = ("*",), api_key: str | None = None,
           api_base: str | None = None, mode: str = "auto", max_deliveries: int | None = None,
           timeout: float | None = None, out: TextIO = sys.stdout,
           poll_interval: float = 0.25, ready: Callable[[str], None] | None = None) -> int:
    """Forward events to `forward_to` until interrupted; returns the number of deliveries."""
    api = make_client(api_key=api_key, api_base=api_base)
    if mode == "auto":
        mode = "endpoint" if _has_kit_routes(api) else "poll"
    stop_at = None if timeout is None else time.monotonic() + timeout
    count = 0

    def handle_term(*_: Any) -> None:
        raise _Stop

    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, handle_term)
    except ValueError:  # not in the main thread
        pass
    try:
        if mode == "endpoint":
            source = _EndpointSource(api, forward_to, events)
        else:
            source = _PollSource(api, forward_to, events)
        where = "the kit's offline emulator" if mode == "endpoint" else \
            "Stripe's Events API (polling; deliveries are re-signed locally)"
        print(f"> Ready! Forwarding events from {where} to {forward_to}", file=out)
        print(f"> Your webhook signing secret is {source.secret} (^C to quit)", file=out,
              flush=True)
        if ready:
            ready(source.secret)
        try:
            while True:
                for line in source.poll():
                    print(line, file=out, flush=True)
                    count += 1
                    if max_deliveries is not None and count >= max_deliveries:
                        return count
                if stop_at is not None and time.monotonic() > stop_at:
                    return count
                time.sleep(poll_interval)
        finally:
            source.close()
    except (KeyboardInterrupt, _Stop):
        return count
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _has_kit_routes(api: stripe.StripeClient) -> bool:
    try:
        api.raw_request("get", "/v1/test_helpers/kit/webhook_faults")
        return True
    except stripe.StripeError:
        return False


class _EndpointSource:
    """A real WebhookEndpoint on the emulator; reports its delivery log."""

    def __init__(self, api: stripe.StripeClient, url: str, events: Sequence[str]) -> None:
        self.api = api
        self.url = url
        endpoint = api.v1.webhook_endpoints.create({
            "url": url, "enabled_events": list(events),
            "description": "python -m helpers.emulator listen"})
        self.endpoint_id = endpoint.id
        self.secret = endpoint.secret
        self.seen = 0

    def poll(self) -> list[str]:
        response = self.api.raw_request("get", ATTEMPTS.format(id=self.endpoint_id),
                                        after=self.seen)
        rows = json.loads(response.body)["data"]
        self.seen += len(rows)
        return [_line(r["type"], r["event_id"], r["status"], self.url, r["attempt"],
                      r.get("excerpt") or "") for r in rows]

    def close(self) -> None:
        try:
            self.api.v1.webhook_endpoints.delete(self.endpoint_id)
        except stripe.StripeError:
            pass


class _PollSource:
    """Stripe test mode: poll the Events API, re-sign locally, POST to the URL."""

    def __init__(self, api: stripe.StripeClient, url: str, events: Sequence[str]) -> None:
        self.api = api
        self.url = url
        self.events = list(events)
        self.secret = "whsec_local_" + secrets.token_hex(16)
        self.since = int(time.time()) - 5
        self.seen: set[str] = set()

    def poll(self) -> list[str]:
        page = self.api.v1.events.list({"created": {"gte": self.since}, "limit": 100})
        lines = []
        for event in reversed(page.data):
            if event.id in self.seen:
                continue
            if "*" not in self.events and event.type not in self.events:
                continue
            self.seen.add(event.id)
            payload = json.dumps(event.to_dict(), indent=2).encode()
            status, excerpt = _post(self.url, payload, self.secret)
            lines.append(_line(event.type, event.id, status, self.url, 1, excerpt))
        return lines

    def close(self) -> None:
        pass


def _post(url: str, payload: bytes, secret: str) -> tuple[int | None, str]:
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Stripe-Signature": signature_header(payload, secret, int(time.time()))}
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))
