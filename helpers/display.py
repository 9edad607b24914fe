"""Readable views of Stripe objects for notebooks: small tables and cards, text and HTML.

nbval compares both `text/plain` and `text/html`, so every view here is deterministic: no
memory addresses, no timestamps, nothing but the fields a learner should look at.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

STATUS_COLOURS = {
    "succeeded": "#1a7f37", "processing": "#9a6700", "requires_payment_method": "#cf222e",
    "requires_action": "#8250df", "requires_capture": "#0969da", "canceled": "#57606a",
    "requires_confirmation": "#0969da",
}


def plain(obj: Any) -> Any:
    """stripe-python objects are not dicts (no `.get`): work on their plain-dict form."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


class Table:
    """Rows shown as an HTML table in Jupyter and as aligned text elsewhere."""

    def __init__(self, rows: Iterable[Sequence[Any]], columns: Sequence[str],
                 title: str | None = None) -> None:
        self.rows = [tuple("" if v is None else str(v) for v in row) for row in rows]
        self.columns = tuple(columns)
        self.title = title

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        widths = [max([len(c), *(len(r[i]) for r in self.rows)]) for i, c in
                  enumerate(self.columns)]
        line = "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True))
        out = [self.title] if self.title else []
        out += [line.rstrip(), "  ".join("-" * w for w in widths)]
        out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                for r in self.rows]
        if not self.rows:
            out.append("(no rows)")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(v)}</td>" for v in r)
            + "</tr>" for r in self.rows) or (
            f"<tr><td colspan='{len(self.columns)}'><em>no rows</em></td></tr>")
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>" \
            if self.title else ""
        return f"<table class='kit-table'>{caption}<thead><tr>{head}</tr></thead>" \
               f"<tbody>{body}</tbody></table>"


def describe_payment_method(pm: Any) -> str:
    """'Visa •••• 4242 (12/2034)' — how the Payment Element names a saved card."""
    pm = plain(pm)
    kind = pm["type"]
    if kind == "card":
        card = pm["card"]
        brand = {"amex": "American Express"}.get(card["brand"], card["brand"].title())
        return f"{brand} •••• {card['last4']} ({card['exp_month']:02d}/{card['exp_year']})"
    details = pm.get(kind) or {}
    return f"{kind} •••• {details.get('last4', '')}".strip()


def payment_methods_table(methods: Iterable[Any], title: str | None = None) -> Table:
    methods = [plain(pm) for pm in methods]
    rows = [(pm["id"], describe_payment_method(pm), pm["allow_redisplay"], pm.get("customer"))
            for pm in methods]
    return Table(rows, ("id", "payment method", "allow_redisplay", "customer"), title)


def fields(obj: Any, names: Sequence[str], title: str | None = None) -> Table:
    """A two-column view of chosen fields of one object."""
    obj, rows = plain(obj), []
    for name in names:
        value: Any = obj
        for part in name.split("."):
            value = value.get(part) if hasattr(value, "get") else None
        rows.append((name, _short(value)))
    return Table(rows, ("field", "value"), title)


def _short(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


def mask_secret(secret: str | None) -> str:
    """`pi_3Q…_secret_…4xQz`: shows what kind of secret it is without showing it whole."""
    if not secret:
        return "(none)"
    if "_secret_" in secret:
        head, tail = secret.split("_secret_", 1)
        return f"{head}_secret_…{tail[-4:]}"
    return f"{secret[:12]}…{secret[-4:]}"


class StatusBadge:
    """A PaymentIntent status with the seed's status-page message."""

    def __init__(self, status: str, message: str) -> None:
        self.status, self.message = status, message

    def __repr__(self) -> str:
        return f"[{self.status}] {self.message}"

    def _repr_html_(self) -> str:
        colour = STATUS_COLOURS.get(self.status, "#57606a")
        return (f"<div style='font-family:sans-serif'><span style='background:{colour};color:#fff;"
                f"border-radius:4px;padding:2px 8px;font-family:monospace'>"
                f"{html.escape(self.status)}</span> {html.escape(self.message)}</div>")
