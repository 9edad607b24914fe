"""What the facilitator's counts come from: each participant's emulator account, read on the
server, never what a browser reports (a widget update can say anything).

The app's sandboxes live in `<workshop dir>/emulator.sqlite3`, and each lesson kernel of a
participant keeps its own emulator in `<workshop dir>/lessons/<account>/` (see
`kernel_hooks`); this module reads them read-only. A PaymentIntent counts as a payment
attempt once it has been confirmed (its status moved past `requires_payment_method`, or it
carries a `last_payment_error`); an error is a PaymentIntent's `last_payment_error` (decline
code, else code).
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


def workshop_counts(workshop_dir: Path) -> dict[str, dict[str, Any]]:
    """Each participant's counts over the app's sandbox and every lesson they opened."""
    found = account_counts(workshop_dir / "emulator.sqlite3")
    lessons = workshop_dir / "lessons"
    for folder in sorted(lessons.iterdir()) if lessons.is_dir() else []:
        for database in sorted(folder.glob("*.sqlite3")):
            # a lesson's emulator belongs to one participant, whatever account it used
            for counts in account_counts(database).values():
                add(found.setdefault(folder.name, empty()), counts)
    return found


def add(total: dict[str, Any], more: dict[str, Any]) -> None:
    for key in ("payments", "events"):
        total[key] += more[key]
    for key in ("payments_by_status", "errors_by_code"):
        for name, n in more[key].items():
            total[key][name] = total[key].get(name, 0) + n


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
