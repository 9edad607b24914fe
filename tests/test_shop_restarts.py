"""The shop survives restarts: real `python -m helpers.shop` processes on one `--db`.

A returning customer can pay after any restart (her Customer is looked up again, or made again
if it was deleted in the meantime), and a payment made while the shop is down is fulfilled once
it is back: the shop keeps its webhook endpoint, so the emulator's retries reach it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import free_port
from shop_support import (
    Visitor,
    api,
    checkout_then_kill,
    pay_with_saved_visa,
    served_emulator,
    start_shop,
)

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator
from helpers.emulator.deliveries import retry_schedule


def jenny_pays(shop_url: str, emulator_url: str) -> tuple[str, str]:
    """Jenny signs in, checks out and pays with her saved Visa; returns (intent, customer)
    once the webhook has marked her order paid."""
    jenny = Visitor(shop_url)
    jenny.sign_in("jenny")
    intent_id = pay_with_saved_visa(emulator_url, jenny.start_checkout())
    order = jenny.wait_until_paid(intent_id)
    assert (order["amount"], order["currency"], order["fulfilled"]) == (1099, "usd", True)
    return intent_id, api(emulator_url).v1.payment_intents.retrieve(intent_id).customer


@pytest.mark.slow  # four shop processes one after the other: about 15 s
def test_a_returning_customer_pays_after_each_of_three_restarts(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    customers = []
    for run in range(4):  # the first start, then three restarts in a row
        shop = start_shop(db)
        try:
            assert shop.emulator_url, shop.output
            _, customer = jenny_pays(shop.url, shop.emulator_url)
            customers.append(customer)
        finally:
            shop.terminate()  # a clean stop, as `kill` or Ctrl-C does
        assert shop.process.returncode == 0, (run, "".join(shop.output))
    assert len(set(customers)) == 1, customers  # the same returning Customer each time


def test_a_customer_deleted_between_runs_is_made_again(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    shop = start_shop(db)
    try:
        _, first = jenny_pays(shop.url, shop.emulator_url)
    finally:
        shop.terminate()
    # Deleted in the Dashboard while the shop was stopped: retrieving it now answers
    # {id, object, deleted: true}.
    emulator = Emulator(tmp_path / "shop-emulator.sqlite3", deterministic=False)
    try:
        emulator.request("DELETE", f"/v1/customers/{first}", {}, DEFAULT_SECRET_KEY)
        gone = emulator.request("GET", f"/v1/customers/{first}", {}, DEFAULT_SECRET_KEY)
        assert gone.body["deleted"] is True
    finally:
        emulator.store.close()
    shop = start_shop(db)
    try:
        _, second = jenny_pays(shop.url, shop.emulator_url)  # her saved cards are back too
    finally:
        shop.terminate()
    assert second != first


@pytest.fixture
def emulator_server(tmp_path: Path) -> Iterator[str]:
    """`python -m helpers.emulator serve` on a free port: it outlives the shop's restarts."""
    with served_emulator(tmp_path) as url:
        yield url


def test_a_payment_made_while_the_shop_is_down_is_fulfilled_when_it_is_back(
        tmp_path: Path, emulator_server: str) -> None:
    db = tmp_path / "shop.sqlite3"
    port = free_port()
    secrets = checkout_then_kill(db, emulator_server, port)
    intent_id = pay_with_saved_visa(emulator_server, secrets)  # the shop is down meanwhile
    paid_at = time.monotonic()  # the first delivery attempt fails now: nothing listens
    shop = start_shop(db, "--emulator", emulator_server, port=port)
    back_after = time.monotonic() - paid_at
    try:
        jenny = Visitor(shop.url)  # a restart signs everybody out
        jenny.sign_in("jenny")
        try:
            order = jenny.wait_until_paid(intent_id)
        except TimeoutError as failure:
            retries = ", ".join(f"{sum(retry_schedule()[:n + 1]):g}"
                                for n in range(len(retry_schedule())))
            raise TimeoutError(
                f"{failure}\nThe shop was back {back_after:.1f} s after the payment; the"
                f" emulator retries {retries} s after the first attempt.") from None
        assert order["fulfilled"] is True
        endpoints = api(emulator_server).v1.webhook_endpoints.list().data
        assert [e.url for e in endpoints] == [f"{shop.url}/webhook"]  # still one endpoint
    finally:
        shop.terminate()
