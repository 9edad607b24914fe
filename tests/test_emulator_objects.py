"""Customers, PaymentMethods and CustomerSessions on the emulator, through real stripe-python."""

from __future__ import annotations

import re
import sqlite3

import pytest
import stripe


def test_customer_create_retrieve_update_list_delete(client: stripe.StripeClient) -> None:
    created = client.v1.customers.create({"name": "Ann", "email": "ann@example.com",
                                          "metadata": {"plan": "gold"}})
    assert re.fullmatch(r"cus_[A-Za-z0-9]{14}", created.id)
    assert created.object == "customer" and created.livemode is False
    assert client.v1.customers.retrieve(created.id).email == "ann@example.com"
    updated = client.v1.customers.update(created.id, {"name": "Ann B."})
    assert updated.name == "Ann B." and updated.metadata["plan"] == "gold"
    assert [c.id for c in client.v1.customers.list().data] == [created.id]
    deleted = client.v1.customers.delete(created.id)
    assert deleted.deleted is True
    # Stripe answers a deleted customer with 200 {id, object, deleted: true} (reference §9).
    assert client.v1.customers.retrieve(created.id).to_dict() == {
        "id": created.id, "object": "customer", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.update(created.id, {"name": "Gone"})
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"


def test_a_customers_includable_fields_come_only_when_expanded(
        client: stripe.StripeClient) -> None:
    """As since API version 2020-08-27: no `sources`, `tax_ids`... unless expand[] asks."""
    created = client.v1.customers.create({"name": "Ann"})
    plain = client.v1.customers.retrieve(created.id).to_dict()
    assert not {"sources", "subscriptions", "tax_ids", "tax", "cash_balance",
                "invoice_credit_balance"} & set(plain)
    assert {"invoice_settings", "test_clock", "default_source"} <= set(plain)
    expanded = client.v1.customers.retrieve(created.id, {"expand": ["sources", "tax_ids"]})
    assert expanded.sources.data == [] and expanded.sources.has_more is False
    assert expanded.tax_ids.url == f"/v1/customers/{created.id}/tax_ids"
    assert "subscriptions" not in expanded


def test_list_pagination(client: stripe.StripeClient) -> None:
    ids = [client.v1.customers.create({"name": f"c{i}"}).id for i in range(5)]
    newest_first = list(reversed(ids))
    page = client.v1.customers.list({"limit": 2})
    assert [c.id for c in page.data] == newest_first[:2] and page.has_more is True
    page2 = client.v1.customers.list({"limit": 2, "starting_after": page.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[2:4]
    back = client.v1.customers.list({"limit": 2, "ending_before": page2.data[0].id})
    assert [c.id for c in back.data] == newest_first[:2]
    everything = [c.id for c in client.v1.customers.list({"limit": 2}).auto_paging_iter()]
    assert everything == newest_first


def test_test_tokens_become_new_payment_methods(client: stripe.StripeClient) -> None:
    first = client.v1.payment_methods.retrieve("pm_card_visa")
    second = client.v1.payment_methods.retrieve("pm_card_visa")
    assert first.id != second.id and first.id.startswith("pm_")
    assert (first.card.brand, first.card.last4, first.allow_redisplay) == \
        ("visa", "4242", "unspecified")
    assert client.v1.payment_methods.retrieve("pm_card_mastercard").card.brand == "mastercard"


def test_attach_list_filter_and_detach(client: stripe.StripeClient,
                                       customer: stripe.Customer) -> None:
    extra = client.v1.payment_methods.attach("pm_card_amex", {"customer": customer.id})
    listed = client.v1.customers.payment_methods.list(customer.id)
    assert [pm.card.last4 for pm in listed.data] == ["0005", "4444", "4242"]
    always = client.v1.customers.payment_methods.list(customer.id, {"allow_redisplay": "always"})
    assert {pm.card.last4 for pm in always.data} == {"4444", "4242"}
    client.v1.payment_methods.detach(extra.id)
    assert len(client.v1.customers.payment_methods.list(customer.id).data) == 2
    with pytest.raises(stripe.InvalidRequestError, match="not attached"):
        client.v1.payment_methods.detach(extra.id)


def test_decline_table_cards_cannot_be_attached(client: stripe.StripeClient,
                                                customer: stripe.Customer) -> None:
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_methods.attach("pm_card_visa_chargeDeclined",
                                         {"customer": customer.id})
    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    assert declined.value.error.decline_code == "generic_decline"
    # …0341 attaches fine (its charges fail later)
    client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})


def test_a_method_saved_to_one_customer_cannot_be_attached_to_another(
        client: stripe.StripeClient, customer: stripe.Customer) -> None:
    other = client.v1.customers.create({"name": "Bob"})
    pm = client.v1.customers.payment_methods.list(customer.id).data[0]
    with pytest.raises(stripe.InvalidRequestError, match="already been attached"):
        client.v1.payment_methods.attach(pm.id, {"customer": other.id})


def test_raw_card_numbers_need_the_publishable_key(
        client: stripe.StripeClient, publishable_client: stripe.StripeClient) -> None:
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    with pytest.raises(stripe.InvalidRequestError, match="generally unsafe"):
        client.v1.payment_methods.create({"type": "card", "card": card})
    made = publishable_client.v1.payment_methods.create({"type": "card", "card": card})
    assert made.card.last4 == "4242"
    with pytest.raises(stripe.CardError) as bad:
        publishable_client.v1.payment_methods.create(
            {"type": "card", "card": {**card, "number": "4242424242424241"}})
    assert bad.value.code == "incorrect_number"


def test_customer_session_shape(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    session = client.v1.customer_sessions.create({
        "customer": customer.id,
        "components": {"payment_element": {"enabled": True, "features": {
            "payment_method_redisplay": "enabled"}}}})
    assert re.fullmatch(r"cuss_secret_[A-Za-z0-9]{47}", session.client_secret)
    assert "id" not in session
    assert session.expires_at - session.created == 1800
    assert session.components.payment_element.features.payment_method_redisplay == "enabled"
    assert session.components.pricing_table.enabled is False


@pytest.mark.parametrize("components, message", [
    ({"payment_element": {"enabled": False}}, "At least one component"),
    ({"payment_element": {"enabled": True, "features": {"payment_method_redisplay_limit": 11}}},
     "between 1 and 10"),
    ({"payment_element": {"enabled": True, "features": {"payment_method_redisplay": "maybe"}}},
     "payment_method_redisplay"),
])
def test_customer_session_refusals(client: stripe.StripeClient, customer: stripe.Customer,
                                   components: dict, message: str) -> None:
    with pytest.raises(stripe.InvalidRequestError, match=message) as refused:
        client.v1.customer_sessions.create({"customer": customer.id, "components": components})
    assert refused.value.http_status == 400


def test_accounts_are_kept_apart_by_key(client_for, customer: stripe.Customer) -> None:
    other = client_for("sk_test_emulator_participant2")
    assert other.v1.customers.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        other.v1.customers.retrieve(customer.id)
    assert hidden.value.http_status == 404
    assert other.v1.events.list().data == []


def test_reset_empties_one_account_or_everything(emulator, client, client_for) -> None:
    client.v1.customers.create({"name": "kept?"})
    other = client_for("sk_test_emulator_other")
    other.v1.customers.create({"name": "other"})
    # the customer and its customer.created event
    assert emulator.reset(emulator.account_of("sk_test_emulator_other")) == 2
    assert other.v1.customers.list().data == []
    assert len(client.v1.customers.list().data) == 1
    emulator.reset()
    assert client.v1.customers.list().data == []


def test_state_survives_a_restart_and_a_damaged_file_is_kept_aside(tmp_path, capsys) -> None:
    from helpers.emulator import DEFAULT_SECRET_KEY, Emulator

    db = tmp_path / "emulator.sqlite3"
    customer = Emulator(db).request("POST", "/v1/customers", {"name": "Kept"},
                                    DEFAULT_SECRET_KEY).body
    again = Emulator(db).request("GET", f"/v1/customers/{customer['id']}", {},
                                 DEFAULT_SECRET_KEY)
    assert again.status == 200 and again.body["name"] == "Kept"

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database, as after a power cut mid-write" * 40)
    fresh = Emulator(damaged)
    assert fresh.request("POST", "/v1/customers", {}, DEFAULT_SECRET_KEY).status == 200
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("damaged.sqlite3.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    assert "could not be read" in capsys.readouterr().err


def test_every_listed_kind_is_found_by_its_id_prefix(client: stripe.StripeClient,
                                                     customer: stripe.Customer) -> None:
    """Lists read the range of ids that starts with the kind's prefix (store.ID_PREFIXES):
    one object of each listed kind is created and must come back in its own list only."""
    from helpers.emulator.store import ID_PREFIXES

    endpoint = client.v1.webhook_endpoints.create(
        {"url": "https://example.com/hook", "enabled_events": ["*"]})
    intent = client.v1.payment_intents.create(
        {"amount": 1099, "currency": "usd", "customer": customer.id, "confirm": True,
         "payment_method": "pm_card_visa", "automatic_payment_methods": {
             "enabled": True, "allow_redirects": "never"}})
    listed = {
        "customer": client.v1.customers.list().data,
        "payment_method": client.v1.customers.payment_methods.list(customer.id).data,
        "payment_intent": client.v1.payment_intents.list().data,
        "event": client.v1.events.list({"limit": 100}).data,
        "webhook_endpoint": client.v1.webhook_endpoints.list().data,
    }
    assert [c.id for c in listed["customer"]] == [customer.id]
    assert [p.id for p in listed["payment_intent"]] == [intent.id]
    assert [e.id for e in listed["webhook_endpoint"]] == [endpoint.id]
    assert {e.type for e in listed["event"]} >= {"customer.created", "payment_intent.succeeded"}
    for kind, items in listed.items():
        assert items and all(item.object == kind for item in items), kind
        assert all(item.id.startswith(ID_PREFIXES[kind]) for item in items), kind
    assert intent.latest_charge.startswith(ID_PREFIXES["charge"])


def test_a_failed_transaction_undoes_its_writes_and_the_store_keeps_working(tmp_path) -> None:
    from helpers.emulator.store import Store

    store = Store(tmp_path / "store.sqlite3")
    customer = {"id": "cus_kept", "object": "customer", "created": 1}
    with store.transaction():
        store.put("acct_a", customer)
        with store.transaction():  # a nested one joins the outer
            store.put("acct_a", {**customer, "id": "cus_inner"})
    assert store.get("acct_a", "cus_inner") is not None

    before = store.generation
    with pytest.raises(RuntimeError), store.transaction():
        store.put("acct_a", {**customer, "id": "cus_undone"})
        raise RuntimeError("a handler's bug")
    assert store.get("acct_a", "cus_undone") is None
    assert store.generation > before  # caches stamped before must not be trusted

    # A COMMIT that fails (here: a deferred constraint) is rolled back, not left open.
    store.execute("PRAGMA foreign_keys=ON")
    store.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)")
    store.execute("CREATE TABLE child (parent TEXT REFERENCES parent(id)"
                  " DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.put("acct_a", {**customer, "id": "cus_with_orphan"})
        store.execute("INSERT INTO child VALUES ('nobody')")
    assert store.get("acct_a", "cus_with_orphan") is None
    with store.transaction():
        store.put("acct_a", {**customer, "id": "cus_after"})
    assert store.get("acct_a", "cus_after")["id"] == "cus_after"
