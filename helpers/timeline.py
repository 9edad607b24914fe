"""A picture of one payment's webhook story: the events Stripe recorded, and every delivery
attempt your endpoint got, with arrows from each event to its attempts.

The picture is an inline SVG (shown in Jupyter through `_repr_html_`) plus a text version
(`repr`). Positions come from the *order* of things, never from clock times, so the same run
draws the same picture: notebooks can store it and nbval can compare it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EVENT_COLOURS = {"succeeded": "#1a7f37", "processing": "#9a6700", "payment_failed": "#cf222e",
                 "requires_action": "#8250df", "canceled": "#57606a"}
OK, FAILED = "#1a7f37", "#cf222e"
STEP, LEFT, TOP = 150, 40, 95


@dataclass(frozen=True)
class Step:
    """An event (`kind='event'`) or a delivery attempt (`kind='attempt'`)."""

    kind: str
    event_id: str
    type: str
    attempt: int = 0
    status: int | None = None
    ok: bool = True


def _short(event_type: str) -> str:
    return event_type.split(".", 1)[-1]


def _colour(event_type: str) -> str:
    return EVENT_COLOURS.get(_short(event_type), "#0969da")


class Timeline:
    """Events (top lane, in the order they happened) and delivery attempts (bottom lane, in
    the order they were sent)."""

    def __init__(self, events: Sequence[dict[str, Any]], attempts: Sequence[dict[str, Any]],
                 title: str = "") -> None:
        self.events = [Step("event", e["id"], e["type"]) for e in events]
        types = {e["id"]: e["type"] for e in events}
        self.attempts = [Step("attempt", a["event_id"], types.get(a["event_id"], "?"),
                              int(a["attempt"]), a["status"], bool(a["ok"]))
                         for a in attempts if a["event_id"] in types]
        self.title = title

    def __repr__(self) -> str:
        lines = [self.title] if self.title else []
        lines.append("events (as they happened):")
        lines += [f"  {i}. {s.type} [{s.event_id}]" for i, s in enumerate(self.events, 1)]
        lines.append("deliveries (as they were sent):")
        number = {s.event_id: i for i, s in enumerate(self.events, 1)}
        for s in self.attempts:
            status = s.status if s.status is not None else "no answer"
            lines.append(f"  event {number[s.event_id]} ({_short(s.type)}) attempt"
                         f" {s.attempt}: {status}, {'delivered' if s.ok else 'failed'}")
        if not self.attempts:
            lines.append("  (none yet)")
        return "\n".join(lines)

    def svg(self) -> str:
        count = max(len(self.events), len(self.attempts), 1)
        width = LEFT * 2 + STEP * count
        height = 275
        out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'"
               f" viewBox='0 0 {width} {height}' font-family='sans-serif' font-size='12'>",
               "<defs><marker id='kit-arrow' markerWidth='8' markerHeight='8' refX='7' refY='4'"
               " orient='auto'><path d='M0,0 L8,4 L0,8 z' fill='#8c959f'/></marker></defs>"]
        if self.title:
            out.append(f"<text x='{LEFT}' y='20' font-weight='bold'>"
                       f"{html.escape(self.title)}</text>")
        top, bottom = TOP, TOP + 120
        out.append(f"<text x='{LEFT}' y='{top - 55}' fill='#57606a'>Stripe: events, in the"
                   " order they happened</text>")
        out.append(f"<text x='{LEFT}' y='{bottom + 45}' fill='#57606a'>your endpoint:"
                   " delivery attempts, in the order they were sent</text>")
        out.append(f"<line x1='{LEFT}' y1='{top}' x2='{width - LEFT}' y2='{top}'"
                   " stroke='#d0d7de'/>")
        out.append(f"<line x1='{LEFT}' y1='{bottom}' x2='{width - LEFT}' y2='{bottom}'"
                   " stroke='#d0d7de'/>")
        x_of_event = {}
        for i, step in enumerate(self.events):
            x = LEFT + STEP * i + STEP // 2
            x_of_event.setdefault(step.event_id, x)
            out.append(f"<circle cx='{x}' cy='{top}' r='9' fill='{_colour(step.type)}'/>")
            kind = step.type.split(".", 1)[0]
            out.append(f"<text x='{x}' y='{top - 28}' text-anchor='middle' fill='#57606a'"
                       f" font-size='10'>{html.escape(kind)}</text>")
            out.append(f"<text x='{x}' y='{top - 14}' text-anchor='middle'>"
                       f"{html.escape(_short(step.type))}</text>")
            out.append(f"<text x='{x}' y='{top + 24}' text-anchor='middle' fill='#57606a'"
                       f" font-size='10'>{i + 1}</text>")
        for i, step in enumerate(self.attempts):
            x = LEFT + STEP * i + STEP // 2
            colour = OK if step.ok else FAILED
            x0 = x_of_event[step.event_id]
            out.append(f"<line x1='{x0}' y1='{top + 30}' x2='{x}' y2='{bottom - 14}'"
                       f" stroke='#8c959f' marker-end='url(#kit-arrow)'/>")
            out.append(f"<rect x='{x - 10}' y='{bottom - 10}' width='20' height='20' rx='4'"
                       f" fill='{colour}'/>")
            status = step.status if step.status is not None else "—"
            out.append(f"<text x='{x}' y='{bottom + 26}' text-anchor='middle'>"
                       f"{html.escape(_short(step.type))} #{step.attempt}: {status}</text>")
        out.append("</svg>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return f"<div class='kit-timeline'>{self.svg()}</div>"


def events_of(store: Any, account: str, payment_intent: str) -> list[dict[str, Any]]:
    """The events about one PaymentIntent (and its charges), oldest first."""
    found = []
    for event in reversed(store.list(account, "event")):
        obj = event["data"]["object"]
        if payment_intent in (obj.get("id"), obj.get("payment_intent")):
            found.append(event)
    return found


def for_payment(emulator: Any, account: str, payment_intent: str,
                endpoint_id: str | None = None, only: Sequence[str] | None = None,
                title: str | None = None) -> Timeline:
    """The timeline of one payment on the emulator (attempts to one endpoint, or all)."""
    events = events_of(emulator.store, account, payment_intent)
    if only:
        events = [e for e in events if e["type"] in only]
    ids = {e["id"] for e in events}
    attempts = [a for a in emulator.deliveries.log(account, endpoint_id=endpoint_id)
                if a["event_id"] in ids]
    return Timeline(events, attempts, title or f"PaymentIntent {payment_intent}")
