"""Malformed HTTP framing gets a Stripe-shaped JSON error, not Tornado's bare 400 (issue 19,
finding 4). Raw sockets: no HTTP client would send these."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from local_servers import running

ANSWER_DEADLINE_SECONDS = 10.0  # the server answers these at once; generous for a busy machine
HEAD = b"Host: 127.0.0.1\r\nAuthorization: Bearer sk_test_emulator_framing\r\n"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    db = tmp_path_factory.mktemp("framing") / "emulator.sqlite3"
    with running("helpers.emulator", "serve", "--db", str(db)) as base:
        yield int(base.rsplit(":", 1)[1])


def exchange(port: int, raw: bytes) -> tuple[int, dict, bytes]:
    """Send `raw`, read until the server closes; (status, JSON body, raw head)."""
    deadline = time.monotonic() + ANSWER_DEADLINE_SECONDS
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_DEADLINE_SECONDS) as sock:
        sock.sendall(raw)
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        else:
            pytest.fail(f"the server did not close the connection within"
                        f" {ANSWER_DEADLINE_SECONDS}s; got {received[:200]!r}")
    head, _, body = received.partition(b"\r\n\r\n")
    assert body, f"no body after the head {head!r}"
    return int(head.split(b" ", 2)[1]), json.loads(body), head


@pytest.mark.parametrize("framing, status, words", [
    (b"Content-Length: -5\r\n", 400, "Content-Length must be a number of bytes, not '-5'"),
    (b"Content-Length: abc\r\n", 400, "not 'abc'"),
    (b"Content-Length: +5\r\n", 400, "not '+5'"),
    (b"Content-Length: 0x10\r\n", 400, "not '0x10'"),
    (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400, "unequal Content-Length values: 5, 6"),
    (b"Content-Length: 5, 6\r\n", 400, "unequal Content-Length"),
    (b"Content-Length: 999999999999\r\n", 413, "999999999999 bytes"),
    (b"Transfer-Encoding: gzip\r\n", 400, "Transfer-Encoding 'gzip' is not supported"),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400,
     "both Content-Length and Transfer-Encoding"),
])
def test_bad_body_framing_gets_a_stripe_error(port: int, framing: bytes, status: int,
                                              words: str) -> None:
    answered, body, head = exchange(port, b"POST /v1/customers HTTP/1.1\r\n" + HEAD + framing
                                    + b"\r\nname=x")
    assert answered == status, body
    assert body["error"]["type"] == "invalid_request_error" and words in body["error"]["message"]
    assert b"Content-Type: application/json" in head and b"Request-Id: req_" in head


def test_a_missing_host_gets_a_stripe_error(port: int) -> None:
    status, body, _ = exchange(port, b"GET /v1/customers HTTP/1.1\r\n\r\n")
    assert status == 400 and "Missing Host header" in body["error"]["message"]


def test_a_path_that_is_not_utf8_gets_a_stripe_error(port: int) -> None:
    status, body, _ = exchange(port, b"GET /v1/customers/%ff HTTP/1.1\r\n" + HEAD
                               + b"Connection: close\r\n\r\n")
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert "Invalid unicode" in body["error"]["message"]


def test_good_requests_still_work_after_refusals(port: int) -> None:
    exchange(port, b"POST /v1/customers HTTP/1.1\r\n" + HEAD + b"Content-Length: -1\r\n\r\n")
    status, body, _ = exchange(port, b"POST /v1/customers HTTP/1.1\r\n" + HEAD
                               + b"Content-Length: 6\r\nConnection: close\r\n\r\nname=x")
    assert status == 200 and body["name"] == "x"
