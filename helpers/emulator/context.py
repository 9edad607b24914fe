"""What a request handler works with: the account, the clock, ids, storage and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import StripeError, missing
from .shapes import complete
from .store import compact_json

PRIVATE = "_kit"  # the one private key stored objects carry (never sent)

if TYPE_CHECKING:
    from .core import Emulator

API_VERSION = "2026-10-28.endive"  # stripe-python 16.1.0's pinned version


@dataclass
class Context:
    emulator: Emulator
    account: str
    key_kind: str  # "secret" or "publishable"
    now: int
    request_id: str
    idempotency_key: str | None = None
    # (event id, its object as JSON text when emitted): what this request emitted
    events: list[tuple[str, str]] = field(default_factory=list)

    @property
    def store(self):
        return self.emulator.store

    @property
    def publishable(self) -> bool:
        return self.key_kind == "publishable"

    def _counter(self, name: str) -> int:
        # Only seeded (deterministic) ids need a counter; random ones skip the write.
        if self.emulator.ids.seed is None:
            return 0
        return self.store.next_value(self.account, name)

    def new_id(self, prefix: str) -> str:
        return self.emulator.ids.make(prefix, self._counter(prefix), self.account)

    def secret(self, kind: str) -> str:
        return self.emulator.ids.token(kind, self._counter(kind), self.account)

    def get(self, kind: str, object_id: Any, param: str = "id") -> dict[str, Any]:
        """Load an object of this account or raise Stripe's 404."""
        obj = None
        if isinstance(object_id, str) and object_id:
            obj = self.store.get(self.account, object_id, kind)
        if obj is None:
            raise missing(kind, str(object_id), param)
        return obj

    def require(self, kind: str, object_id: Any, param: str = "id") -> None:
        """Raise Stripe's 404 unless this account has the object (without loading it)."""
        if not (isinstance(object_id, str) and object_id
                and self.store.exists(self.account, object_id, kind)):
            raise missing(kind, str(object_id), param)

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.store.put(self.account, complete(obj, deep=True))

    def require_secret_key(self) -> None:
        if self.publishable:
            from .errors import PUBLISHABLE_KEY_REFUSED

            raise StripeError(401, PUBLISHABLE_KEY_REFUSED)

    def emit(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Record an event and queue one delivery per matching webhook endpoint."""
        data: dict[str, Any] = {"object": public(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        automatic = self.request_id is None
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": self.emulator.api_versions.default_for(self.account),
            "created": self.now,
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": None if automatic else self.request_id,
                "idempotency_key": None if automatic else self.idempotency_key,
            },
            "type": event_type,
        }
        event["pending_webhooks"] = self.emulator.deliveries.queue(self, event)
        self.store.put(self.account, event)  # stored without nulls: no complete() needed
        self.events.append((event["id"], compact_json(data["object"])))
        return event


def public(obj: Any) -> Any:
    """Drop the emulator's private bookkeeping (`_kit`) from an object, a list object or a list.

    Objects nested inside stored objects are stored public already, so one level is enough
    (and this runs on every response). Always a new dict: callers may change it.
    """
    if isinstance(obj, dict):
        out = dict(obj)
        out.pop(PRIVATE, None)
        if out.get("object") == "list" and isinstance(out.get("data"), list):
            out["data"] = [public(item) for item in out["data"]]
        return out
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


def list_envelope(
    ctx: Context, items: list[dict[str, Any]], params: dict[str, Any], url: str
) -> dict[str, Any]:
    """Stripe's list object with `limit`, `starting_after`, `ending_before` and `has_more`."""
    limit = int(params.get("limit") or 10)
    if not 1 <= limit <= 100:
        raise StripeError(
            400, "Invalid limit: must be between 1 and 100", code="parameter_invalid_integer",
            param="limit",
        )
    ids = [item["id"] for item in items]
    if params.get("starting_after"):
        cursor = params["starting_after"]
        if cursor not in ids:
            raise missing("object", cursor, "starting_after")
        window = items[ids.index(cursor) + 1:]
        page, has_more = window[:limit], len(window) > limit
    elif params.get("ending_before"):
        cursor = params["ending_before"]
        if cursor not in ids:
            raise missing("object", cursor, "ending_before")
        window = items[: ids.index(cursor)]
        page, has_more = window[-limit:], len(window) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}
