"""The PaymentIntent status diagram states the event each status sends (API reference, event
types; reference §9): a hand-written SVG, so its facts are checked here."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

SVG = Path(__file__).resolve().parents[1] / "assets" / "diagrams" / "payment_intent_status.svg"
NS = "{http://www.w3.org/2000/svg}"

EVENT_ON_ENTERING = {
    "requires_confirmation": "no event",
    "requires_action": "payment_intent.requires_action",
    "processing": "payment_intent.processing",
    "requires_capture": "payment_intent.amount_capturable_updated",
    "succeeded": "payment_intent.succeeded",
    "canceled": "payment_intent.canceled",
}


def texts() -> list[str]:
    root = ET.parse(SVG).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter(f"{NS}text")]


def test_each_status_names_the_event_it_sends() -> None:
    found = texts()
    for status, event in EVENT_ON_ENTERING.items():
        assert status in found, status
        assert found[found.index(status) + 1] == event, (status, event)


def test_the_ways_into_requires_payment_method_name_their_events() -> None:
    found = texts()
    assert "payment_intent.created" in found
    assert "payment_intent.payment_failed" in found
    assert found[found.index("requires_payment_method") + 1] not in {
        *EVENT_ON_ENTERING.values()}, "its events are on the arrows that enter it"


def test_no_claim_that_every_change_sends_an_event() -> None:
    assert "Each change of status sends" not in SVG.read_text()
