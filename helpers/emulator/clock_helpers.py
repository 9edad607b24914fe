"""Test helpers for the emulator's clock: move time forward so payments settle and retries run.

Stripe has test clocks for billing; the emulator has one clock per account (moving one account's
time never moves another's), moved through this kit-specific route (or
`Emulator.advance_clock(seconds, account)` in-process).
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .errors import StripeError
from .routing import route

MAX_ADVANCE = 30 * 24 * 3600


def _clock(ctx: Context) -> dict[str, Any]:
    clock = ctx.emulator.clock
    return {"object": "kit_clock", "now": clock.now(ctx.account),
            "offset_seconds": clock.offset_for(ctx.account)}


@route("GET", "/v1/test_helpers/kit/clock", None)
def retrieve(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _clock(ctx)


@route("POST", "/v1/test_helpers/kit/clock/advance", None)
def advance(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("seconds")
    try:
        seconds = int(str(raw))
    except ValueError:
        raise StripeError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer",
                          param="seconds") from None
    if not 1 <= seconds <= MAX_ADVANCE:
        raise StripeError(400, f"seconds must be between 1 and {MAX_ADVANCE} (30 days).",
                          code="parameter_invalid_integer", param="seconds")
    ctx.emulator.clock.advance(seconds, ctx.account)
    ctx.now = ctx.emulator.clock.now(ctx.account)
    return _clock(ctx)
