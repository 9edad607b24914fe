"""Webhook endpoint URLs the emulator cannot send to (issue 19, finding 1).

They are refused when an endpoint is created or updated; and a delivery that fails in any way
(an unusable URL stored by an older version, a bug while signing) is that delivery's failed
attempt: it never reaches the API request that emitted the event.
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, deliveries
from helpers.emulator.core import account_for_key
from helpers.emulator.urls import is_local, unusable_reason

UNUSABLE = [
    "http://a b/",
    "http://example.test/\r\nX-Injected: 1",
    "http://example.test/\x00",
    "http://[::1/x",
    "http://example.test:abc/",
    "http://127.0.0.1:99999/",
    "http:///no-host",
    "https://exa mple.test",
    "http://example.test/é",
    "http://" + "a" * 64 + ".test/",  # a DNS label longer than 63: IDNA refuses it
    "ftp://example.test/",
    "inprocess://",
    "no scheme at all",
]
USABLE = ["http://127.0.0.1:4242/webhook", "https://example.test/hooks?x=1",
          "http://localhost/a%20b", "inprocess://lesson"]


def call(emulator: Emulator, method: str, path: str, params: dict[str, Any] | None = None
         ) -> tuple[int, dict[str, Any]]:
    answer = emulator.request(method, path, params or {}, DEFAULT_SECRET_KEY)
    return answer.status, answer.body


def assert_url_refused(status: int, body: dict[str, Any]) -> None:
    error = body["error"]
    assert status == 400, body
    assert error["type"] == "invalid_request_error" and error["param"] == "url"
    assert error["code"] == "url_invalid" and error["message"].startswith("Not a valid URL")


@pytest.mark.parametrize("url", UNUSABLE)
def test_unusable_urls_are_refused_at_creation(emulator: Emulator, url: str) -> None:
    status, body = call(emulator, "POST", "/v1/webhook_endpoints",
                        {"url": url, "enabled_events": ["*"]})
    assert_url_refused(status, body)
    assert call(emulator, "GET", "/v1/webhook_endpoints")[1]["data"] == []


@pytest.mark.parametrize("url", UNUSABLE)
def test_unusable_urls_are_refused_at_update(emulator: Emulator, url: str) -> None:
    _, endpoint = call(emulator, "POST", "/v1/webhook_endpoints",
                       {"url": USABLE[0], "enabled_events": ["*"]})
    status, body = call(emulator, "POST", f"/v1/webhook_endpoints/{endpoint['id']}",
                        {"url": url})
    assert_url_refused(status, body)
    assert call(emulator, "GET", f"/v1/webhook_endpoints/{endpoint['id']}")[1]["url"] == USABLE[0]


@pytest.mark.parametrize("url", USABLE)
def test_usable_urls_are_kept(url: str) -> None:
    assert unusable_reason(url) is None


def test_which_urls_stay_on_this_machine() -> None:
    assert all(is_local(url) for url in ["http://127.0.0.1:1/", "http://localhost/x",
                                         "http://[::1]:80/", "inprocess://x",
                                         "http://127.9.9.9/"])
    assert not any(is_local(url) for url in ["https://example.test/", "http://10.0.0.1/",
                                             "http://localhost.example.test/", "http://[::1/",
                                             "http:///x", "http://0x7f000001.test/"])


def stored_endpoint_with_url(emulator: Emulator, url: str) -> str:
    """An endpoint whose URL was written straight into the store, as an older version could."""
    _, endpoint = call(emulator, "POST", "/v1/webhook_endpoints",
                       {"url": USABLE[0], "enabled_events": ["customer.created"]})
    account = account_for_key(DEFAULT_SECRET_KEY)[0]
    stored = emulator.store.get(account, endpoint["id"], "webhook_endpoint")
    stored["url"] = url
    emulator.store.put(account, stored)
    return endpoint["id"]


# (an unregistered `inprocess://` URL is left for the process that registered it)
@pytest.mark.parametrize("url", [url for url in UNUSABLE if "://" in url[:8]])
def test_a_stored_unusable_url_never_reaches_the_request(emulator: Emulator, url: str) -> None:
    emulator.deliveries.background = False  # retries when the test moves the clock
    endpoint_id = stored_endpoint_with_url(emulator, url)
    status, body = call(emulator, "POST", "/v1/customers", {"name": "Kept once"})
    assert status == 200, body
    assert [c["name"] for c in call(emulator, "GET", "/v1/customers")[1]["data"]] == ["Kept once"]
    account = account_for_key(DEFAULT_SECRET_KEY)[0]
    first, = emulator.deliveries.log(account, endpoint_id=endpoint_id)
    assert first["ok"] == 0 and first["status"] is None and first["excerpt"]
    # still retried on schedule, and the retry fails the same quiet way
    assert len(emulator.deliveries.pending(account, endpoint_id)) == 1
    emulator.advance_clock(deliveries.retry_schedule()[0] + 1)
    assert len(emulator.deliveries.log(account, endpoint_id=endpoint_id)) == 2
    assert call(emulator, "GET", "/v1/customers")[0] == 200


def test_a_bug_while_sending_is_a_failed_attempt(emulator: Emulator,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.deliveries.background = False

    def broken(*args: object) -> str:
        raise RuntimeError("signing broke")

    monkeypatch.setattr(deliveries, "signature_header", broken)
    endpoint_id = stored_endpoint_with_url(emulator, USABLE[0])
    status, body = call(emulator, "POST", "/v1/customers", {"name": "Still 200"})
    assert status == 200, body
    account = account_for_key(DEFAULT_SECRET_KEY)[0]
    attempt, = emulator.deliveries.log(account, endpoint_id=endpoint_id)
    assert attempt["ok"] == 0 and "signing broke" in attempt["excerpt"]
    assert emulator.deliveries.pending(account, endpoint_id)  # a retry is scheduled


def test_a_failure_around_the_sending_never_reaches_the_request(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked database while claiming deliveries, say: the request's answer stands."""
    import sqlite3

    emulator.deliveries.background = False
    stored_endpoint_with_url(emulator, USABLE[0])

    def locked(*args: object) -> list:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(emulator.deliveries, "_claim", locked)
    status, body = call(emulator, "POST", "/v1/customers", {"name": "Answered"})
    assert status == 200 and body["name"] == "Answered"
    assert emulator.run_deliveries() == 0
    monkeypatch.undo()
    assert emulator.run_deliveries() == 1  # the next call sends what was left
