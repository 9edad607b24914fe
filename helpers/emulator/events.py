"""Events and WebhookEndpoints."""

from __future__ import annotations

from typing import Any

from .context import Context, list_envelope
from .errors import StripeError
from .routing import route
from .urls import check_endpoint_url

RANGE_KEYS = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
              "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}


def _created_filter(created: Any) -> Any:
    if created in (None, ""):
        return lambda value: True
    if isinstance(created, dict):
        checks = [(RANGE_KEYS[k], int(v)) for k, v in created.items() if k in RANGE_KEYS]
        return lambda value: all(check(value, bound) for check, bound in checks)
    return lambda value: value == int(created)


def _type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


@route("GET", "/v1/events", "EventListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    items = ctx.store.list(ctx.account, "event")
    wanted = [params["type"]] if params.get("type") else params.get("types") or []
    if wanted:
        items = [e for e in items if any(_type_matches(w, e["type"]) for w in wanted)]
    created = _created_filter(params.get("created"))
    items = [e for e in items if created(e["created"])]
    if params.get("delivery_success") is not None:
        delivered = _flag(params["delivery_success"])  # validated: a boolean, or "true"/"false"
        items = [e for e in items if _delivered(e) is delivered]
    return list_envelope(ctx, items, params, "/v1/events")


def _delivered(event: dict[str, Any]) -> bool:
    """Whether every webhook endpoint the event was sent to has answered one attempt with 2xx.

    Stripe documents `delivery_success=false` as "events which are still pending or have failed
    all delivery attempts to a webhook endpoint": here, `pending_webhooks > 0` (deliveries.py
    counts, after every attempt, the endpoints without a 2xx yet, whether retries remain or are
    exhausted). Unconfirmed against Stripe, so kept simple: an event no endpoint was subscribed
    to counts as delivered (nothing is pending). (A page cursor that drops out of the filter
    between two pages is refused as missing, as any unknown cursor is here.)
    """
    return not event.get("pending_webhooks")


@route("GET", "/v1/events/{id}", "EventRetrieveParams")
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    return ctx.get("event", id)


def _without_secret(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in endpoint.items() if k != "secret"}


@route("POST", "/v1/webhook_endpoints", "WebhookEndpointCreateParams")
def create_endpoint(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    endpoint = {
        "id": ctx.new_id("we"),
        "object": "webhook_endpoint",
        "api_version": params.get("api_version") or None,
        "application": None,
        "created": ctx.now,
        "description": params.get("description") or None,
        "enabled_events": list(params["enabled_events"]),
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "secret": f"whsec_{ctx.secret('whsec')}",
        "status": "enabled",
        "url": check_endpoint_url(params["url"]),
    }
    ctx.save(endpoint)
    return endpoint  # the only response that carries `secret`


@route("GET", "/v1/webhook_endpoints", "WebhookEndpointListParams")
def list_endpoints(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    items = [_without_secret(e) for e in ctx.store.list(ctx.account, "webhook_endpoint")]
    return list_envelope(ctx, items, params, "/v1/webhook_endpoints")


@route("GET", "/v1/webhook_endpoints/{id}", "WebhookEndpointRetrieveParams")
def retrieve_endpoint(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    return _without_secret(ctx.get("webhook_endpoint", id))


@route("POST", "/v1/webhook_endpoints/{id}", "WebhookEndpointModifyParams")
def update_endpoint(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    endpoint = ctx.get("webhook_endpoint", id)
    if "url" in params:
        endpoint["url"] = check_endpoint_url(params["url"])
    if "enabled_events" in params:
        endpoint["enabled_events"] = list(params["enabled_events"])
    if "description" in params:
        endpoint["description"] = params["description"] or None
    if "metadata" in params:
        endpoint["metadata"] = {**endpoint["metadata"], **(params["metadata"] or {})}
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    ctx.save(endpoint)
    return _without_secret(endpoint)


@route("DELETE", "/v1/webhook_endpoints/{id}", "WebhookEndpointDeleteParams")
def delete_endpoint(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require_secret_key()
    ctx.get("webhook_endpoint", id)
    ctx.store.delete(ctx.account, id)
    return {"id": id, "object": "webhook_endpoint", "deleted": True}


def endpoints_for(ctx: Context, event_type: str) -> list[dict[str, Any]]:
    return [e for e in ctx.emulator.webhook_endpoints(ctx.account)
            if e["status"] == "enabled"
            and any(p == "*" or _type_matches(p, event_type) for p in e["enabled_events"])]


# The kit's own test helpers (not Stripe API): what `listen` and a teacher use over HTTP. ----
def _flag(value: Any) -> bool:
    return str(value).lower() in ("true", "1", "yes", "on")


@route("GET", "/v1/test_helpers/kit/webhook_endpoints/{id}/attempts", None)
def endpoint_attempts(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    """Every delivery attempt to one endpoint (the delivery log), oldest first.

    `after` (an attempt number in this list) returns only later attempts, so a poller like
    `python -m helpers.emulator listen` can follow the log.
    """
    ctx.require_secret_key()
    ctx.get("webhook_endpoint", id)
    rows = ctx.emulator.deliveries.log(ctx.account, endpoint_id=id)
    after = int(params.get("after") or 0)
    data = []
    for index, row in enumerate(rows[after:], start=after + 1):
        event = ctx.store.get(ctx.account, row["event_id"], "event")
        data.append({"object": "kit.delivery_attempt", "index": index,
                     "type": event["type"] if event else None,
                     **{k: v for k, v in row.items() if k != "duration_ms"},
                     "duration_ms": round(row["duration_ms"], 1)})
    return {"object": "list", "data": data, "has_more": False,
            "url": f"/v1/test_helpers/kit/webhook_endpoints/{id}/attempts"}


@route("GET", "/v1/test_helpers/kit/webhook_faults", None)
def get_faults(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require_secret_key()
    from dataclasses import asdict

    return {"object": "kit.webhook_faults",
            **asdict(ctx.emulator.deliveries.faults.get(ctx.account))}


@route("POST", "/v1/test_helpers/kit/webhook_faults", None)
def set_faults(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Turn fault injection on or off for this key's account (see helpers/emulator/faults.py)."""
    ctx.require_secret_key()
    from dataclasses import asdict

    from .faults import MAX_DELAY_SECONDS, valid_delay

    unknown = set(params) - {"duplicates", "shuffle", "delay_seconds", "fail_first_attempt"}
    if unknown:
        name = sorted(unknown)[0]
        raise StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown",
                          param=name)
    try:
        delay = float(params.get("delay_seconds") or 0)
    except ValueError:
        raise StripeError(400, "Invalid delay_seconds: must be a number of seconds",
                          param="delay_seconds") from None
    if not valid_delay(delay):  # NaN and infinity too: they would poison every delivery
        raise StripeError(400, f"Invalid delay_seconds: must be a number from 0 to"
                          f" {MAX_DELAY_SECONDS}", code="parameter_invalid",
                          param="delay_seconds")
    faults = ctx.emulator.deliveries.faults.set(
        account=ctx.account, duplicates=_flag(params.get("duplicates")),
        shuffle=_flag(params.get("shuffle")), delay_seconds=delay,
        fail_first_attempt=_flag(params.get("fail_first_attempt")))
    return {"object": "kit.webhook_faults", **asdict(faults)}
