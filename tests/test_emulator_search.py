"""PaymentIntent search (docs.stripe.com/search) and deleted-customer retrieval."""

from __future__ import annotations

import pytest
import stripe

from helpers.emulator import DEFAULT_SECRET_KEY, Emulator


@pytest.fixture
def intents(client: stripe.StripeClient, customer: stripe.Customer) -> dict[str, str]:
    """Four PaymentIntents: two paid by the customer (usd 1000, eur 2500), one open, one other."""
    made = {}
    for name, params in {
        "small": {"amount": 1000, "currency": "usd", "customer": customer.id,
                  "metadata": {"order_id": "A-1"}},
        "big": {"amount": 2500, "currency": "eur", "customer": customer.id,
                "metadata": {"order_id": "B-2", "gift": "yes"}},
        "open": {"amount": 700, "currency": "usd", "metadata": {"order_id": "C-3"}},
    }.items():
        pi = client.v1.payment_intents.create(params)  # type: ignore[arg-type]
        if name != "open":
            pi = client.v1.payment_intents.confirm(pi.id, {
                "payment_method": client.v1.customers.payment_methods.list(
                    customer.id).data[0].id, "return_url": "https://shop.test/r"})
        made[name] = pi.id
    return made


def found(client: stripe.StripeClient, query: str, **params) -> list[str]:
    result = client.v1.payment_intents.search({"query": query, **params})
    assert result.object == "search_result"
    return [pi.id for pi in result.data]


def test_search_by_the_fields_the_kit_uses(client: stripe.StripeClient,
                                           customer: stripe.Customer,
                                           intents: dict[str, str]) -> None:
    small, big, open_ = intents["small"], intents["big"], intents["open"]
    assert found(client, "status:'succeeded'") == [big, small]
    assert found(client, 'status:"SUCCEEDED"') == [big, small]  # tokens: case insensitive
    assert found(client, f"customer:'{customer.id}'") == [big, small]
    assert found(client, "currency:'usd'") == [open_, small]
    assert found(client, "-currency:'usd'") == [big]
    assert found(client, "amount>1000") == [big]
    assert found(client, "amount>=1000 AND amount<2500") == [small]
    assert found(client, "amount:700") == [open_]
    assert found(client, "metadata['order_id']:'B-2'") == [big]
    assert found(client, 'metadata["gift"]:null') == [open_, small]
    assert found(client, '-metadata["gift"]:null') == [big]
    assert found(client, "currency:'eur' OR amount<800") == [open_, big]
    assert found(client, "status:'succeeded' currency:'usd'") == [small]  # space means AND
    created = client.v1.payment_intents.retrieve(small).created
    assert set(found(client, f"created>={created}")) == {small, big, open_}
    assert found(client, f"created<{created}") == []


def test_pages(client: stripe.StripeClient, intents: dict[str, str]) -> None:
    first = client.v1.payment_intents.search({"query": "amount>0", "limit": 2})
    assert len(first.data) == 2 and first.has_more is True and first.next_page
    assert first.url == "/v1/payment_intents/search"
    rest = client.v1.payment_intents.search({"query": "amount>0", "limit": 2,
                                             "page": first.next_page})
    assert len(rest.data) == 1 and rest.has_more is False and rest.next_page is None
    assert {pi.id for pi in first.data + rest.data} == set(intents.values())
    counted = client.v1.payment_intents.search({"query": "amount>0",
                                                "expand": ["total_count"]})
    assert counted.total_count == 3
    every = [pi.id for pi in client.v1.payment_intents.search(
        {"query": "amount>0", "limit": 1}).auto_paging_iter()]
    assert sorted(every) == sorted(intents.values())


@pytest.mark.parametrize("query", [
    "", "   ", "status", "status:", "colour:'red'", "amount>'abc'", "status>'a'",
    "currency~'usd'", "status:succeeded", "amount:1000 AND status:'x' OR currency:'usd'",
    "(amount>1)", "metadata:'x'", "status['k']:'x'", "amount=5", "AND status:'x'",
    "status:'x' AND", "amount>null", 'metadata["k]:"v"',
])
def test_bad_queries_are_stripe_400s(emulator: Emulator, query: str) -> None:
    answer = emulator.request("GET", "/v1/payment_intents/search", {"query": query},
                              DEFAULT_SECRET_KEY)
    assert answer.status == 400, (query, answer.body)
    assert answer.body["error"]["type"] == "invalid_request_error"
    assert answer.body["error"]["param"] == "query"


@pytest.mark.parametrize("params, param", [
    ({}, "query"),
    ({"query": "amount>1", "limit": 0}, "limit"),
    ({"query": "amount>1", "limit": 101}, "limit"),
    ({"query": "amount>1", "page": "not-a-page"}, "page"),
    ({"query": "amount>1", "starting_after": "pi_x"}, "starting_after"),
])
def test_bad_search_params(emulator: Emulator, params: dict, param: str) -> None:
    answer = emulator.request("GET", "/v1/payment_intents/search", params, DEFAULT_SECRET_KEY)
    assert answer.status == 400, answer.body
    assert answer.body["error"]["param"] == param


def test_search_is_not_taken_for_an_id_and_needs_a_secret_key(emulator: Emulator) -> None:
    answer = emulator.request("GET", "/v1/payment_intents/search", {"query": "amount>1"},
                              DEFAULT_SECRET_KEY)
    assert answer.status == 200 and answer.body["data"] == []
    public = emulator.request("GET", "/v1/payment_intents/search", {"query": "amount>1"},
                              "pk_test_emulator_default")
    assert public.status == 401


def test_a_deleted_customer_is_retrieved_as_deleted(client: stripe.StripeClient,
                                                    emulator: Emulator) -> None:
    customer = client.v1.customers.create({"email": "gone@example.com"})
    client.v1.customers.delete(customer.id)
    body = emulator.request("GET", f"/v1/customers/{customer.id}", None,
                            DEFAULT_SECRET_KEY)
    assert body.status == 200
    assert body.body == {"id": customer.id, "object": "customer", "deleted": True}
    assert client.v1.customers.retrieve(customer.id).deleted is True
    assert customer.id not in [c.id for c in client.v1.customers.list().data]
    for method, path, params in (
            ("POST", f"/v1/customers/{customer.id}", {"name": "x"}),
            ("DELETE", f"/v1/customers/{customer.id}", None),
            ("POST", "/v1/payment_intents", {"amount": 500, "currency": "usd",
                                             "customer": customer.id}),
            ("POST", "/v1/setup_intents", {"customer": customer.id}),
            ("GET", f"/v1/customers/{customer.id}/payment_methods", None)):
        answer = emulator.request(method, path, params, DEFAULT_SECRET_KEY)
        assert answer.status == 404, (path, answer.body)
        assert answer.body["error"]["code"] == "resource_missing"
    never = emulator.request("GET", "/v1/customers/cus_never", None, DEFAULT_SECRET_KEY)
    assert never.status == 404


def test_an_expanded_deleted_customer_is_the_deleted_view(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"name": "Leaving"})
    pi = client.v1.payment_intents.create({"amount": 1000, "currency": "usd",
                                           "customer": customer.id})
    client.v1.customers.delete(customer.id)
    expanded = client.v1.payment_intents.retrieve(pi.id, {"expand": ["customer"]})
    assert expanded.customer.to_dict() == {"id": customer.id, "object": "customer",
                                           "deleted": True}
