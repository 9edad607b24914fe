"""Customers: create, retrieve, update, list, delete, and their saved payment methods."""

from __future__ import annotations

from typing import Any

from .context import Context, list_envelope
from .errors import StripeError
from .routing import route

EDITABLE = ("address", "description", "email", "name", "phone", "shipping", "preferred_locales")


def _blank_customer(ctx: Context) -> dict[str, Any]:
    return {
        "id": ctx.new_id("cus"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": None,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def _apply(ctx: Context, customer: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    previous: dict[str, Any] = {}
    for key in EDITABLE:
        if key in params:
            previous[key] = customer[key]
            customer[key] = params[key] or None if key != "preferred_locales" else params[key]
    if "metadata" in params:
        previous["metadata"] = dict(customer["metadata"])
        customer["metadata"] = _merge_metadata(customer["metadata"], params["metadata"])
    settings = params.get("invoice_settings") or {}
    if "default_payment_method" in settings:
        pm_id = settings["default_payment_method"] or None
        if pm_id:
            pm = ctx.get("payment_method", pm_id, "invoice_settings[default_payment_method]")
            if pm.get("customer") != customer["id"]:
                raise StripeError(
                    400,
                    f"No such PaymentMethod: '{pm_id}'; It's possible this PaymentMethod exists on"
                    " one of your connected accounts, in which case you should retry this request"
                    " on that connected account.",
                    code="resource_missing", param="invoice_settings[default_payment_method]",
                )
        previous["invoice_settings"] = dict(customer["invoice_settings"])
        customer["invoice_settings"]["default_payment_method"] = pm_id
    return previous


def _merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    if update == "":
        return {}
    merged = dict(current)
    for key, value in (update or {}).items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


@route("POST", "/v1/customers", "CustomerCreateParams")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    customer = _blank_customer(ctx)
    _apply(ctx, customer, params)
    if params.get("payment_method"):
        from .payment_methods import attach_to

        ctx.save(customer)  # attaching looks the customer up
        pm = attach_to(ctx, params["payment_method"], customer, "payment_method")
        if (params.get("invoice_settings") or {}).get("default_payment_method") in (
            params["payment_method"], pm["id"]
        ):
            customer["invoice_settings"]["default_payment_method"] = pm["id"]
    ctx.save(customer)
    ctx.emit("customer.created", customer)
    return customer


# A deleted customer leaves a tombstone under its id: retrieving it answers 200
# `{id, object: "customer", deleted: true}` (reference §9, Stripe's OpenAPI `deleted_customer`);
# every other use of it answers 404 "No such customer", as for an id that never existed
# (updating a deleted customer: Stripe's exact answer is UNCONFIRMED).
TOMBSTONE = "deleted_customer"


def deleted_view(customer_id: str) -> dict[str, Any]:
    return {"id": customer_id, "object": "customer", "deleted": True}


@route("GET", "/v1/customers/{id}", "CustomerRetrieveParams")
def retrieve(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    customer = ctx.store.get(ctx.account, id)
    if customer is not None and customer.get("object") == TOMBSTONE:
        return deleted_view(id)
    return ctx.get("customer", id)


@route("POST", "/v1/customers/{id}", "CustomerModifyParams")
def update(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    customer = ctx.get("customer", id)
    previous = _apply(ctx, customer, params)
    ctx.save(customer)
    if previous:
        ctx.emit("customer.updated", customer, previous)
    return customer


@route("GET", "/v1/customers", "CustomerListParams")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    items = ctx.store.list(ctx.account, "customer")
    if params.get("email"):
        items = [c for c in items if c.get("email") == params["email"]]
    return list_envelope(ctx, items, params, "/v1/customers")


@route("DELETE", "/v1/customers/{id}", "CustomerDeleteParams")
def delete(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    customer = ctx.get("customer", id)
    for pm in ctx.store.list(ctx.account, "payment_method", customer=id):
        pm["customer"] = None
        ctx.save(pm)
    ctx.store.put(ctx.account, {"id": id, "object": TOMBSTONE, "created": ctx.now})
    ctx.emit("customer.deleted", customer)
    return deleted_view(id)


@route("GET", "/v1/customers/{id}/payment_methods", "CustomerListPaymentMethodsParams")
def list_payment_methods(ctx: Context, params: dict[str, Any], id: str) -> dict[str, Any]:
    ctx.require("customer", id)
    items = ctx.store.list(ctx.account, "payment_method", customer=id)
    if params.get("type"):
        items = [pm for pm in items if pm["type"] == params["type"]]
    if params.get("allow_redisplay"):
        items = [pm for pm in items if pm["allow_redisplay"] == params["allow_redisplay"]]
    return list_envelope(ctx, items, params, f"/v1/customers/{id}/payment_methods")


@route("GET", "/v1/customers/{id}/payment_methods/{pm}",
       "CustomerRetrievePaymentMethodParams")
def retrieve_payment_method(ctx: Context, params: dict[str, Any], id: str, pm: str) -> dict:
    ctx.require("customer", id)
    method = ctx.get("payment_method", pm, "payment_method")
    if method.get("customer") != id:
        from .errors import missing

        raise missing("payment_method", pm, "payment_method")
    return method
