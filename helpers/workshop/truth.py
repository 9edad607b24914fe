"""What the facilitator's counts come from: each participant's emulator account, read on the
server, never what a browser reports (a widget update can say anything).

The app's sandboxes live in `<workshop dir>/emulator.sqlite3`; this module reads it
read-only. A PaymentIntent counts as a payment attempt once it has been confirmed (its status
moved past `requires_payment_method`, or it carries a `last_payment_error`); an error is a
PaymentIntent's `last_payment_error` (decline code, else code).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

QUERY = """
SELECT account, type, json_extract(data, '$.status'),
       COALESCE(json_extract(data, '$.last_payment_error.decline_code'),
                json_extract(data, '$.last_payment_error.code'),
                json_extract(data, '$.last_payment_error.type'))
FROM objects WHERE type IN ('payment_intent', 'event')
"""


def empty() -> dict[str, Any]:
    return {"payments": 0, "payments_by_status": {}, "errors_by_code": {}, "events": 0}


def account_counts(emulator_db: str | Path) -> dict[str, dict[str, Any]]:
    """{account: {"payments", "payments_by_status", "errors_by_code", "events"}}."""
    path = Path(emulator_db)
    if not path.exists():
        return {}
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        db.execute("PRAGMA busy_timeout=30000")
        rows = db.execute(QUERY).fetchall()
    except sqlite3.OperationalError:  # no objects table yet: nobody has done anything
        return {}
    finally:
        db.close()
    found: dict[str, dict[str, Any]] = {}
    for account, kind, status, error in rows:
        counts = found.setdefault(account, empty())
        if kind == "event":
            counts["events"] += 1
            continue
        if status == "requires_payment_method" and not error:
            continue  # created for a checkout, never confirmed
        counts["payments"] += 1
        by_status = counts["payments_by_status"]
        by_status[status] = by_status.get(status, 0) + 1
        if error:
            counts["errors_by_code"][error] = counts["errors_by_code"].get(error, 0) + 1
    return found
