"""Things that happen later on the emulator clock: bank debits settling, for instance.

A confirmed ACH or SEPA payment sits in `processing`; a timer settles it once the clock passes
its due time (wall time, or `advance_clock` in a lesson), emitting events with no request id,
as Stripe's automatic events have. Due times are on the base clock (see core.Clock): moving an
account's clock brings that account's timers closer, and no one else's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .context import Context

if TYPE_CHECKING:
    from .core import Emulator


def schedule(ctx: Context, object_id: str, delay: float, action: dict[str, Any]) -> None:
    ctx.store.execute(
        "INSERT INTO timers(account, object_id, due_at, action) VALUES (?,?,?,?)",
        (ctx.account, object_id, ctx.emulator.clock.base_float() + delay, json.dumps(action)))


def run_due(emulator: Emulator) -> int:
    """Fire every timer that is due; returns how many fired."""
    from . import payment_intents

    store = emulator.store
    fired = 0
    if store.execute("SELECT 1 FROM timers WHERE due_at <= ? LIMIT 1",
                     (emulator.clock.base_float(),)).fetchone() is None:
        return 0  # the common case, answered without taking the write lock
    while True:
        with store.transaction():
            row = store.execute(
                "SELECT * FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT 1",
                (emulator.clock.base_float(),)).fetchone()
            if row is None:
                return fired
            store.execute("DELETE FROM timers WHERE id=?", (row["id"],))
            account = row["account"]
            ctx = Context(emulator, account, "secret", emulator.clock.now(account), None)
            payment_intents.settle(ctx, row["object_id"], json.loads(row["action"]))
            fired += 1
