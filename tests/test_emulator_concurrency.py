"""Many threads and two processes at once on one database: nothing lost, nothing doubled."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator, routing
from helpers.emulator import payment_intents as payment_intents_module

RETURN_URL = "https://example.com/done"


def confirm_many(db: str, pi_id: str, pm_id: str, threads: int) -> list[tuple[int, str]]:
    """Confirm one PaymentIntent from several threads, each with its own connection."""
    results: list[tuple[int, str]] = []
    barrier = threading.Barrier(threads)

    def worker() -> None:
        emulator = Emulator(db)
        barrier.wait()
        response = emulator.request("POST", f"/v1/payment_intents/{pi_id}/confirm",
                                    {"payment_method": pm_id, "return_url": RETURN_URL},
                                    DEFAULT_SECRET_KEY)
        code = response.body.get("error", {}).get("code", "ok")
        results.append((response.status, code))

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def _process_main(db: str, pi_id: str, pm_id: str, threads: int, queue) -> None:
    queue.put(confirm_many(db, pi_id, pm_id, threads))


def setup_intent(db: str) -> tuple[str, str]:
    emulator = Emulator(db)
    customer = emulator.request("POST", "/v1/customers", {"name": "Race"},
                                DEFAULT_SECRET_KEY).body
    pm = emulator.request("POST", "/v1/payment_methods/pm_card_visa/attach",
                          {"customer": customer["id"]}, DEFAULT_SECRET_KEY).body
    pi = emulator.request("POST", "/v1/payment_intents", {
        "amount": 1099, "currency": "usd", "customer": customer["id"]}, DEFAULT_SECRET_KEY).body
    return pi["id"], pm["id"]


def check_one_success(db: str, pi_id: str, results: list[tuple[int, str]]) -> None:
    counted = Counter(results)
    assert counted[(200, "ok")] == 1, counted
    assert counted[(400, "payment_intent_unexpected_state")] == len(results) - 1, counted
    emulator = Emulator(db)
    pi = emulator.request("GET", f"/v1/payment_intents/{pi_id}", {}, DEFAULT_SECRET_KEY).body
    assert pi["status"] == "succeeded" and pi["amount_received"] == 1099
    charges = [o for o in emulator.store.list(emulator.account_of(DEFAULT_SECRET_KEY), "charge")
               if o["payment_intent"] == pi_id]
    assert len(charges) == 1
    events = emulator.request("GET", "/v1/events", {"type": "payment_intent.succeeded"},
                              DEFAULT_SECRET_KEY).body["data"]
    assert len(events) == 1


def test_threads_confirming_the_same_intent(tmp_path: Path) -> None:
    db = str(tmp_path / "race.sqlite3")
    pi_id, pm_id = setup_intent(db)
    check_one_success(db, pi_id, confirm_many(db, pi_id, pm_id, 12))


def test_two_processes_confirming_the_same_intent(tmp_path: Path) -> None:
    db = str(tmp_path / "race.sqlite3")
    pi_id, pm_id = setup_intent(db)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_process_main, args=(db, pi_id, pm_id, 4, queue))
                 for _ in range(2)]
    for p in processes:
        p.start()
    results = queue.get(timeout=60) + queue.get(timeout=60)
    for p in processes:
        p.join(30)
    check_one_success(db, pi_id, results)


HOLD_TIMEOUT = 30  # seconds a held request waits to be let go (only a broken test waits out)


def wait_for(event: threading.Event, what: str) -> None:
    """Wait for `event`, or fail naming what never happened."""
    assert event.wait(HOLD_TIMEOUT), f"waited {HOLD_TIMEOUT} s for {what}"


class HeldCreation:
    """POST /v1/payment_intents stops inside its transaction (`entered` is set) until the test
    lets it go (`release`): a second request with the same key is sent while the first is
    surely in flight, ordered by these events rather than by a sleep."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.held_out = False  # the test never let it go (it then fails on its own asserts)
        original = payment_intents_module.create

        def held_create(ctx, params):
            self.entered.set()
            if not self.release.wait(HOLD_TIMEOUT):
                self.held_out = True
            return original(ctx, params)

        key = routing._bucket_key("POST", "/v1/payment_intents")  # the routes match() reads
        monkeypatch.setitem(routing._BUCKETS, key, [
            dataclasses.replace(r, handler=held_create) if r.handler is original else r
            for r in routing._BUCKETS[key]])


class WatchedConnection:
    """An emulator's SQLite connection, watched: `met_lock` is set when a BEGIN IMMEDIATE finds
    the database's write lock taken by another connection. It then waits for the lock exactly
    as it would have (its busy timeout); only the first try is made without waiting."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.met_lock = threading.Event()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "BEGIN IMMEDIATE" and not self.met_lock.is_set():
            waits = self._db.execute("PRAGMA busy_timeout").fetchone()[0]
            self._db.execute("PRAGMA busy_timeout=0")
            try:
                return self._db.execute(sql, *args)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                self.met_lock.set()
            finally:
                self._db.execute(f"PRAGMA busy_timeout={int(waits)}")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


PARAMS = {"amount": 1099, "currency": "usd"}


def send_in_thread(emulator: Emulator, key: str) -> tuple[threading.Thread, list]:
    answer: list = []
    thread = threading.Thread(target=lambda: answer.append(emulator.request(
        "POST", "/v1/payment_intents", PARAMS, DEFAULT_SECRET_KEY, {"Idempotency-Key": key})))
    thread.start()
    return thread, answer


def joined(thread: threading.Thread, answer: list, what: str) -> Any:
    thread.join(HOLD_TIMEOUT)
    assert not thread.is_alive() and answer, f"{what} did not answer within {HOLD_TIMEOUT} s"
    return answer[0]


def test_a_concurrent_reuse_of_an_idempotency_key_gets_409(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = Emulator(tmp_path / "idem.sqlite3")
    held = HeldCreation(monkeypatch)
    thread, answer = send_in_thread(emulator, "same-key")
    wait_for(held.entered, "the first request to be inside its transaction")
    second = emulator.request("POST", "/v1/payment_intents", PARAMS, DEFAULT_SECRET_KEY,
                              {"Idempotency-Key": "same-key"})  # answered at once
    held.release.set()
    first = joined(thread, answer, "the first request")
    assert not held.held_out, "the twin was answered only after the first had finished"
    assert second.status == 409 and second.body["error"]["code"] == "idempotency_key_in_use"
    assert second.headers["Stripe-Should-Retry"] == "true"
    assert first.status == 200
    replay = emulator.request("POST", "/v1/payment_intents", PARAMS, DEFAULT_SECRET_KEY,
                              {"Idempotency-Key": "same-key"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body["id"] == first.body["id"]


def test_a_twin_request_from_another_process_waits_and_replays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two emulators on one file (as a kernel and the HTTP server are): the twin cannot
    overlap the first request's write transaction, so it waits and gets the stored answer.
    The first is let go only once the twin has met its write lock."""
    db = tmp_path / "idem.sqlite3"
    first_process, second_process = Emulator(db), Emulator(db)
    watched = WatchedConnection(second_process.store._db)
    monkeypatch.setattr(second_process.store, "_db", watched)
    held = HeldCreation(monkeypatch)
    first_thread, first_answer = send_in_thread(first_process, "twin-key")
    wait_for(held.entered, "the first request to be inside its transaction")
    twin_thread, twin_answer = send_in_thread(second_process, "twin-key")
    wait_for(watched.met_lock, "the twin to meet the first request's write lock")
    held.release.set()
    first = joined(first_thread, first_answer, "the first request")
    second = joined(twin_thread, twin_answer, "the twin")
    assert not held.held_out
    assert first.status == 200 and "Idempotent-Replayed" not in first.headers
    assert second.status == 200 and second.headers["Idempotent-Replayed"] == "true"
    assert second.body["id"] == first.body["id"]
    account = first_process.account_of(DEFAULT_SECRET_KEY)
    assert len(first_process.store.list(account, "payment_intent")) == 1


def test_a_forked_process_draws_ids_of_its_own() -> None:
    """Ids come from a pool of random bytes; a forked child must not hand out the parent's."""
    from helpers.emulator.ids import IdFactory

    ids = IdFactory()
    ids.make("cus", 0)  # the pool is filled before the fork
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        os.write(write, " ".join(ids.make("cus", 0) for _ in range(3)).encode())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = set(os.read(read, 4096).decode().split())
    os.close(read), os.close(write)
    from_parent = {ids.make("cus", 0) for _ in range(3)}
    assert len(from_child) == 3 and not from_child & from_parent
