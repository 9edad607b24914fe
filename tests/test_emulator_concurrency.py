"""Many threads and two processes at once on one database: nothing lost, nothing doubled."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

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


def slow_intent_creation(monkeypatch) -> None:
    """POST /v1/payment_intents takes half a second (inside its transaction), so a second
    request with the same idempotency key arrives while the first is still in flight."""
    original = payment_intents_module.create

    def slow_create(ctx, params):
        time.sleep(0.5)
        return original(ctx, params)

    key = routing._bucket_key("POST", "/v1/payment_intents")  # the routes match() reads
    monkeypatch.setitem(routing._BUCKETS, key, [
        dataclasses.replace(r, handler=slow_create) if r.handler is original else r
        for r in routing._BUCKETS[key]])


def first_and_twin(first_emulator: Emulator, twin_emulator: Emulator,
                   key: str) -> tuple[Any, Any]:
    """The same creation twice with one key: the twin sent 0.2 s into the first."""
    params = {"amount": 1099, "currency": "usd"}
    headers = {"Idempotency-Key": key}
    first: list = []
    thread = threading.Thread(target=lambda: first.append(first_emulator.request(
        "POST", "/v1/payment_intents", params, DEFAULT_SECRET_KEY, headers)))
    thread.start()
    time.sleep(0.2)
    twin = twin_emulator.request("POST", "/v1/payment_intents", params, DEFAULT_SECRET_KEY,
                                 headers)
    thread.join()
    return first[0], twin


def test_a_concurrent_reuse_of_an_idempotency_key_gets_409(
        tmp_path: Path, monkeypatch) -> None:
    emulator = Emulator(tmp_path / "idem.sqlite3")
    slow_intent_creation(monkeypatch)
    first, second = first_and_twin(emulator, emulator, "same-key")
    assert second.status == 409 and second.body["error"]["code"] == "idempotency_key_in_use"
    assert second.headers["Stripe-Should-Retry"] == "true"
    assert first.status == 200
    replay = emulator.request("POST", "/v1/payment_intents", {"amount": 1099, "currency": "usd"},
                              DEFAULT_SECRET_KEY, {"Idempotency-Key": "same-key"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body["id"] == first.body["id"]


def test_a_twin_request_from_another_process_waits_and_replays(
        tmp_path: Path, monkeypatch) -> None:
    """Two emulators on one file (as a kernel and the HTTP server are): the twin cannot
    overlap the first request's write transaction, so it waits and gets the stored answer."""
    db = tmp_path / "idem.sqlite3"
    first_process, second_process = Emulator(db), Emulator(db)
    slow_intent_creation(monkeypatch)
    first, second = first_and_twin(first_process, second_process, "twin-key")
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
