"""The emulator's API core: authenticate, route, validate, run, answer like Stripe.

`Emulator.request()` is the one entry point. The in-process stripe-python HTTP client and the
HTTP server both decode the wire format and call it; it never raises for bad input: every
failure is a Stripe-shaped error body with Stripe's HTTP status.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from . import observers, routing, timers, versions  # versions also registers its kit route
from .context import Context, public
from .deliveries import Deliveries
from .errors import StripeError
from .ids import IdFactory
from .shapes import INCLUDABLE, expandable, included, nested_objects
from .store import Store, compact_json
from .validation import validate

# Importing the resource modules registers their routes.
from . import (  # noqa: E402,F401  isort: skip
    charges, clock_helpers, customer_sessions, customers, elements_sessions, events,
    payment_intents,
    payment_methods,
    refunds, setup_intents,  # issue 13: SetupIntents and Refunds
)

DEFAULT_SECRET_KEY = "sk_test_emulator_default"
DEFAULT_PUBLISHABLE_KEY = "pk_test_emulator_default"
KEY_KINDS = {"sk_test_": "secret", "rk_test_": "secret", "pk_test_": "publishable"}
DEFAULT_DB = Path(__file__).resolve().parents[2] / ".kit" / "emulator.sqlite3"


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # `body` as JSON, when it was serialised already (idempotent POSTs)

    def json(self) -> str:
        return self.text if self.text is not None else compact_json(self.body)


# Deterministic mode's clock starts here and moves only when told to (2026-01-01T00:00:00Z).
FIXED_EPOCH = 1_767_225_600


class Clock:
    """Wall-clock time (or a fixed start, in deterministic mode) plus movable offsets.

    Each account has its own clock: moving account A's time never moves account B's (a
    participant who advances time in a workshop must not expire everyone's CustomerSessions).
    An account's time is the *base* time (wall clock or fixed start, plus a shared offset that
    `advance(seconds)` without an account moves) plus that account's own offset.

    Timers and webhook deliveries keep their due times on the base clock, so "what is due" is
    one indexed comparison for every account; moving one account's clock brings that
    account's due times closer by the same amount (see `advance`).
    """

    REFRESH_SECONDS = 0.5  # how soon a move made by another process is seen here
    SHARED_KEY = "clock_offset"  # meta key of the shared offset (as databases already hold it)
    ACCOUNT_PREFIX = "clock_offset:"  # meta key of one account's offset: prefix + account id

    def __init__(self, store: Store, fixed: bool = False) -> None:
        self.store = store
        self.fixed = fixed
        self._offset = 0.0
        self._accounts: dict[str, float] = {}
        self._read_at = float("-inf")

    def _refresh(self) -> None:
        if time.monotonic() - self._read_at > self.REFRESH_SECONDS:
            rows = self.store.execute(
                "SELECT key, value FROM meta WHERE key >= ? AND key < ?",
                (self.SHARED_KEY, self.SHARED_KEY + "\x7f")).fetchall()
            shared, accounts = 0.0, {}
            for key, value in rows:
                if key == self.SHARED_KEY:
                    shared = float(value or 0)
                elif key.startswith(self.ACCOUNT_PREFIX):
                    accounts[key[len(self.ACCOUNT_PREFIX):]] = float(value or 0)
            self._offset, self._accounts = shared, accounts
            self._read_at = time.monotonic()

    @property
    def offset(self) -> float:
        """The shared offset (what every account's clock has been moved by together)."""
        self._refresh()
        return self._offset

    def offset_for(self, account: str | None) -> float:
        """How far this account's clock is from the wall clock (shared plus its own offset)."""
        self._refresh()
        return self._offset + (self._accounts.get(account, 0.0) if account else 0.0)

    def base_float(self) -> float:
        """The base clock: what timers' and deliveries' due times are compared with."""
        return (FIXED_EPOCH if self.fixed else time.time()) + self.offset

    def now_float(self, account: str | None = None) -> float:
        return (FIXED_EPOCH if self.fixed else time.time()) + self.offset_for(account)

    def signing_time(self, account: str | None = None) -> int:
        """Webhook signatures carry real time (plus any move), even on a fixed clock: the
        receiver checks them against its own clock, with a 300 s tolerance."""
        return int(time.time() + self.offset_for(account))

    def now(self, account: str | None = None) -> int:
        return int(self.now_float(account))

    def advance(self, seconds: float, account: str | None = None) -> int:
        """Move one account's clock (or, with no account, every account's) forward.

        Moving one account also brings its pending timers and deliveries `seconds` closer on
        the base clock, so they fall due exactly when they would have on its own clock.
        """
        with self.store.transaction():
            key = self.SHARED_KEY if account is None else self.ACCOUNT_PREFIX + account
            current = float(self.store.meta(key, "0") or 0)
            self.store.set_meta(key, repr(current + seconds))
            if account is not None:
                self.store.execute("UPDATE timers SET due_at = due_at - ? WHERE account=?",
                                   (seconds, account))
                self.store.execute("UPDATE deliveries SET due_at = due_at - ? WHERE account=?"
                                   " AND state='pending'", (seconds, account))
        self._read_at = float("-inf")
        return self.now(account)


def _fingerprint(method: str, path: str, params: dict[str, Any], *, legacy: bool = False) -> str:
    """What an idempotency key's request was, to tell a replay from a different request.

    `legacy`: as databases written before orjson was used hold it (compared only when the
    current form differs, so that a key kept across an upgrade still replays).
    """
    request = [method, path, params]
    if not legacy:
        try:
            return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()
        except TypeError:  # what orjson refuses (an integer beyond 64 bits): the old way
            pass
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=256)  # a handful of keys, each looked up on every request
def account_for_key(api_key: str | None) -> tuple[str, str]:
    """Map an API key to (account id, key kind). Keys of one suffix share an account."""
    if not api_key:
        raise StripeError(
            401, "You did not provide an API key. You need to provide your API key in the"
            " Authorization header, using Bearer auth (e.g. 'Authorization: Bearer"
            " YOUR_SECRET_KEY').")
    for prefix, kind in KEY_KINDS.items():
        if api_key.startswith(prefix) and len(api_key) > len(prefix):
            suffix = api_key[len(prefix):]
            return "acct_" + hashlib.sha256(suffix.encode()).hexdigest()[:16], kind
    masked = api_key[:8] + "*" * 12 + api_key[-4:] if len(api_key) > 12 else "*" * len(api_key)
    raise StripeError(401, f"Invalid API Key provided: {masked}")


# Parameters Stripe.js sends with a publishable key that the server-side spec does not list.
CLIENT_ONLY_PARAMS = (
    ("client_secret",),
    ("mandate_data", "customer_acceptance", "online", "infer_from_client"),
    ("expected_payment_method_type",),
)


def take_client_only(params: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """Remove (and return) the client-only params, so the rest is validated against the spec."""
    taken = []
    for path in CLIENT_ONLY_PARAMS:
        node: Any = params
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            taken.append((path, node.pop(path[-1])))
    return taken


def put_path(params: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = params
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _expand(ctx: Context, obj: Any, path: list[str]) -> Any:
    if not path or not isinstance(obj, dict):
        return obj
    head, rest = path[0], path[1:]
    if head == "data" and isinstance(obj.get("data"), list):
        obj["data"] = [_expand(ctx, item, rest) for item in obj["data"]]
        return obj
    kind = obj.get("object")
    if kind in ("list", "search_result"):
        allowed = head == "total_count" or (head == "data" and rest)
    else:
        allowed = not isinstance(kind, str) or head in expandable(kind) \
            or bool(rest and head in nested_objects(kind))
    if not allowed:
        # Stripe's answer for a field that is not expandable (https://docs.stripe.com/expand;
        # wording as Stripe sends it, code UNCONFIRMED)
        raise StripeError(400, f"This property cannot be expanded ({head}).",
                          code="parameter_invalid", param="expand")
    value = obj.get(head)
    if value is None and head in INCLUDABLE.get(obj.get("object", ""), ()):
        value = included(obj, head)
    if isinstance(value, str):
        found = ctx.store.get(ctx.account, value)
        if found is not None:
            value = public(found)
            if str(value.get("object")).startswith("deleted_"):  # a tombstone (customers.py)
                value = {"id": value["id"], "object": value["object"][8:], "deleted": True}
    obj[head] = _expand(ctx, value, rest)
    return obj


class Emulator:
    """An offline Stripe test-mode account server backed by SQLite."""

    def __init__(self, db: str | Path | None = None, *, deterministic: bool | None = None,
                 default_api_version: str | None = None,
                 public_url: str = "http://127.0.0.1:12111") -> None:
        if db is None:
            db = os.environ.get("KIT_EMULATOR_DB") or DEFAULT_DB
        if deterministic is None:
            deterministic = os.environ.get("KIT_DETERMINISTIC") == "1"
        self.store = Store(db)
        self.clock = Clock(self.store, fixed=deterministic)
        self.api_versions = versions.AccountVersions(  # see versions.py
            self.store, default_api_version or os.environ.get("KIT_DEFAULT_API_VERSION"))
        self.ids = IdFactory("kit" if deterministic else None)
        self.deliveries = Deliveries(self)
        self.public_url = public_url.rstrip("/")
        self._request_numbers = itertools.count(1)  # request ids: per process is enough
        self._in_flight: set[tuple[str, str]] = set()
        self._in_flight_lock = threading.Lock()
        self._here = threading.local()  # per request thread: whether deliveries were due
        self._endpoints: dict[str, tuple[tuple[int | None, int], list[dict[str, Any]]]] = {}

    def request(self, method: str, path: str, params: dict[str, Any] | None, api_key: str | None,
                headers: dict[str, str] | None = None) -> Response:
        """Answer one API call the way Stripe would."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        method = method.upper()
        busy = self._key_busy_here(method, api_key, headers)
        if busy is not None:  # answered before touching the store, which the other one holds
            return busy
        request_id = "req_" + self.ids.token("req", next(self._request_numbers), "")
        # the form as sent, before handling reads it (for the exercise checkers: observers.py)
        sent = observers.flat_params(params or {}) if observers.watching() else None
        queued_before = self.deliveries.queued_here()
        self._here.deliveries_due = False  # set by _run's look at what is due
        try:
            response = self._handle(method, path.rstrip("/") or "/", params or {}, api_key,
                                    headers, request_id)
        except StripeError as exc:
            response = Response(exc.status, exc.body(), dict(exc.headers))
        except Exception:  # a bug in the emulator: say so in Stripe's shape, keep serving
            traceback.print_exc(file=sys.stderr)
            response = Response(500, StripeError(
                500, "An unexpected error occurred in the offline emulator (this is a bug in the"
                " kit, not in your code).", type="api_error").body())
        response.headers["Request-Id"] = request_id
        if sent is not None:
            self._tell_observers(method, path, api_key, sent, response)
        # what this request queued, or what was already due (a retry, a held delivery)
        if self._here.deliveries_due or self.deliveries.queued_here() != queued_before:
            self.deliveries.run_due()
        return response

    @staticmethod
    def _tell_observers(method: str, path: str, api_key: str | None, sent: dict[str, str],
                        response: Response) -> None:
        try:
            account, key_kind = account_for_key(api_key)
        except StripeError:
            account, key_kind = "", "none"
        observers.notify(observers.AnsweredCall(method, path.rstrip("/") or "/", account,
                                                key_kind, sent, response.status, response.body))

    def _due(self) -> tuple[bool, bool]:
        """Is a timer or a webhook delivery due? One cheap read in the request's transaction.

        Most requests find neither, and queue no delivery either: they neither fire timers
        nor look for deliveries to send.
        """
        row = self.store.execute(
            "SELECT EXISTS(SELECT 1 FROM timers WHERE due_at <= ?1),"
            " EXISTS(SELECT 1 FROM deliveries WHERE state='pending' AND due_at <= ?1),"
            " data_version FROM pragma_data_version",
            (self.clock.base_float(),)).fetchone()
        self.store.data_version = row[2]  # for this transaction's caches
        return bool(row[0]), bool(row[1])

    def webhook_endpoints(self, account: str) -> list[dict[str, Any]]:
        """The account's endpoints (read-only), cached while nobody can have changed them.

        Every event looks them up. The cache holds while no other process has committed
        (SQLite's data_version, read by _due) and this one has neither changed an endpoint
        nor rolled back (store.generation); outside a request it is not used.
        """
        store = self.store
        stamp = (store.data_version, store.generation)
        cached = self._endpoints.get(account)
        if stamp[0] is not None and cached is not None and cached[0] == stamp:
            return cached[1]
        endpoints = store.list(account, "webhook_endpoint")
        if stamp[0] is not None:
            self._endpoints[account] = (stamp, endpoints)
        return endpoints

    def _handle(self, method: str, path: str, params: dict[str, Any], api_key: str | None,
                headers: dict[str, str], request_id: str) -> Response:
        account, key_kind = account_for_key(api_key)
        found = routing.match(method, path)
        if found is None:
            if routing.path_exists(path):
                raise StripeError(405, f"Method {method} is not allowed on {path}.")
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}). Please see"
                              " https://stripe.com/docs or we can help at"
                              " https://support.stripe.com/.")
        route, path_args = found
        if key_kind == "publishable" and not route.publishable:
            from .errors import PUBLISHABLE_KEY_REFUSED

            raise StripeError(401, PUBLISHABLE_KEY_REFUSED)
        # Stripe-Version, else the account's default; older versions' params made today's
        version = versions.header_version(headers) or self.api_versions.default_for(account)
        checked = dict(params)
        versions.prepare(version, route.params_type, checked)
        if route.params_type:
            client_only = take_client_only(checked) if key_kind == "publishable" else []
            checked = validate(route.params_type, checked)
            for path_parts, value in client_only:
                put_path(checked, path_parts, value)
        key = headers.get("idempotency-key") if method == "POST" else None
        if not key:
            return versions.render_response(version, self._run(
                route, path_args, checked, params, method, path, account, key_kind, request_id,
                None))
        if len(key) > 255:
            raise StripeError(400, "Idempotency keys can be no longer than 255 characters.",
                              param="Idempotency-Key")
        # One request per key at a time: a concurrent reuse by another thread of this process
        # gets Stripe's 409 at once. Another process sharing the database file cannot overlap:
        # each request runs in one write transaction, so its twin waits for the commit and then
        # replays the stored answer.
        claim = (account, key)
        with self._in_flight_lock:
            if claim in self._in_flight:
                raise self._in_use(key)
            self._in_flight.add(claim)
        try:
            return versions.render_response(version, self._run(
                route, path_args, checked, params, method, path, account, key_kind, request_id,
                key))
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(claim)

    def _key_busy_here(self, method: str, api_key: str | None,
                       headers: dict[str, str]) -> Response | None:
        key = headers.get("idempotency-key")
        if method != "POST" or not key or not self._in_flight:
            return None  # (nothing in flight: _handle still checks, under its lock)
        try:
            account = account_for_key(api_key)[0]
        except StripeError:
            return None
        with self._in_flight_lock:
            if (account, key) not in self._in_flight:
                return None
        error = self._in_use(key)
        request_id = "req_" + IdFactory(None).token("req", 0)
        return Response(error.status, error.body(), {**error.headers, "Request-Id": request_id})

    @staticmethod
    def _in_use(key: str) -> StripeError:
        return StripeError(
            409, "There is currently another in-progress request using this Idempotent Key"
            " (that probably means you submitted twice, and the other request is still going"
            f" through): {key}. Please try again later.", code="idempotency_key_in_use",
            headers={"Stripe-Should-Retry": "true"})

    def _run(self, route: Any, path_args: dict[str, str], checked: dict[str, Any],
             params: dict[str, Any], method: str, path: str, account: str, key_kind: str,
             request_id: str, key: str | None) -> Response:
        request = (method, path, params)
        fingerprint = key and _fingerprint(*request)
        write = method != "GET"
        while True:
            with self.store.transaction(write=write):
                timers_due, self._here.deliveries_due = self._due()
                if write or not timers_due:
                    if timers_due:  # e.g. bank debits that settled since the last request
                        timers.run_due(self)
                    return self._answer(route, path_args, checked, account, key_kind,
                                        request_id, key, fingerprint, request)
            timers.run_due(self)  # a read settles what is due first, in a write of its own

    def _answer(self, route: Any, path_args: dict[str, str], checked: dict[str, Any],
                account: str, key_kind: str, request_id: str, key: str | None,
                fingerprint: str | None, request: tuple[str, str, dict[str, Any]]) -> Response:
        """The request's own work, inside its transaction (see _run)."""
        if key:
            saved = self.store.idempotent_result(account, key)
            if saved is not None:
                if saved["fingerprint"] != fingerprint \
                        and saved["fingerprint"] != _fingerprint(*request, legacy=True):
                    raise StripeError(
                        400, "Keys for idempotent requests can only be used with the same"
                        " parameters they were first used with. Try using a key other than"
                        f" '{key}' if you meant to execute a different request.",
                        type="idempotency_error")
                return self._replay(account, key, saved["status"], saved["body"])
        ctx = Context(self, account, key_kind, self.clock.now(account), request_id, key)
        try:
            body = public(route.handler(ctx, checked, **path_args))
        except StripeError as exc:  # state changed before a 402 (a decline) is kept
            response = Response(exc.status, exc.body(), dict(exc.headers))
        else:
            # A path that cannot be expanded is refused like any bad parameter: its error
            # leaves the transaction, so what the handler did is rolled back.
            for expansion in checked.get("expand") or []:
                body = _expand(ctx, body, str(expansion).split("."))
            response = Response(200, body)
        if key:
            self.store.save_idempotent_result(account, key, fingerprint, response.status,
                                              self._answer_to_keep(ctx, response), ctx.now)
            response.headers["Idempotency-Key"] = key
        return response

    @staticmethod
    def _answer_to_keep(ctx: Context, response: Response) -> str:
        """What a replay of this request must send again, as stored text.

        Most answers are exactly the object an event of this request carries (a created
        customer, a confirmed PaymentIntent): then only that event's id is kept, and the
        commit writes a few bytes instead of the whole object a second time.
        """
        response.text = compact_json(response.body)
        if response.status == 200:
            for event_id, object_text in reversed(ctx.events):
                if object_text == response.text:
                    return event_id
        return response.text

    def _replay(self, account: str, key: str, status: int, kept: str) -> Response:
        headers = {"Idempotent-Replayed": "true", "Idempotency-Key": key}
        if kept.startswith("{"):
            return Response(status, orjson.loads(kept), headers, kept)
        event = self.store.get(account, kept, "event")  # see _answer_to_keep
        if event is None:  # only if the event was removed by hand from the database
            raise StripeError(400, f"The answer kept for the idempotency key '{key}' is gone"
                              " (its event was deleted); retry with a new key.",
                              type="idempotency_error")
        return Response(status, event["data"]["object"], headers)

    # conveniences for notebooks and tests ------------------------------------------------
    def reset(self, account: str | None = None) -> int:
        """Forget everything (or one account's objects, events and deliveries)."""
        tables = ("objects", "counters", "idempotency", "deliveries",
                  "delivery_attempts", "timers")
        self.store.generation += 1  # no cache outlives a reset
        with self.store.transaction():
            removed = self.store.execute(
                "SELECT COUNT(*) FROM objects" + (" WHERE account=?" if account else ""),
                (account,) if account else ()).fetchone()[0]
            for table in tables:
                if account:
                    self.store.execute(f"DELETE FROM {table} WHERE account=?", (account,))
                else:
                    self.store.execute(f"DELETE FROM {table}")
            if account:
                self.store.execute("DELETE FROM meta WHERE key=?",
                                   (Clock.ACCOUNT_PREFIX + account,))
            else:
                self.store.execute("DELETE FROM meta WHERE key >= ? AND key < ?",
                                   (Clock.SHARED_KEY, Clock.SHARED_KEY + "\x7f"))
        self.clock._read_at = float("-inf")
        return removed

    def account_of(self, api_key: str) -> str:
        return account_for_key(api_key)[0]

    def add_receiver(self, name: str, receiver: Any) -> str:
        """Register an in-process webhook receiver; returns the URL to give a WebhookEndpoint."""
        url = f"inprocess://{name}"
        self.deliveries.receivers[url] = receiver
        return url

    def run_deliveries(self) -> int:
        return self.deliveries.run_due()

    def advance_clock(self, seconds: float, account: str | None = None) -> int:
        """Move one account's clock forward (every account's, without one): timers fire,
        retries become due. Returns that account's time."""
        now = self.clock.advance(seconds, account)
        self.tick()
        return now

    def tick(self) -> None:
        """Fire due timers, then send due webhook deliveries."""
        timers.run_due(self)
        self.deliveries.run_due()
