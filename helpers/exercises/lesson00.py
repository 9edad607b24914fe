"""Lesson 00's exercise: create the Stripe Customer for a new user of your shop.

The checker reads the customer back through the API (emulator or Stripe test mode alike), so
only a Customer that Stripe really stored passes, and each kind of slip gets its own hint.
"""

from __future__ import annotations

from typing import Any

import stripe

from .core import Verdict, describe_error, exercise

# The user described in notebook 00 (the notebook shows the same record; a test keeps them equal).
NEW_USER = {"id": "user_1042", "name": "Ada Lovelace", "email": "ada.lovelace@example.com"}
METADATA_KEY = "user_id"


@exercise("00-first-customer", "Create the Customer for a new user", [
    "`stripe.Customer.create` takes her `name` and `email`, and `metadata`: a dict of your"
    " own keys and string values that Stripe stores without reading it. Keep what it returns.",
    "Three keyword arguments: `name` and `email` taken from `new_user`, and `metadata`, a"
    " dict with one key, `user_id`, whose value is her id in your database. Assign what"
    " `stripe.Customer.create` returns to `first_customer`.",
])
def check_first_customer(answer: Any) -> Verdict:
    if isinstance(answer, str):
        return _check_id_string(answer)
    if not isinstance(answer, stripe.Customer):
        kind = type(answer).__name__
        if isinstance(answer, dict):
            return Verdict(False, "`first_customer` is a plain dict you built; Stripe has not"
                           " seen it. Call `stripe.Customer.create(...)` and keep the Customer"
                           " it returns.")
        return Verdict(False, f"`first_customer` holds a value of type {kind}, not a Customer:"
                       " keep what `stripe.Customer.create(...)` returns.")
    customer_id = getattr(answer, "id", None)
    if not isinstance(customer_id, str) or not customer_id:
        return Verdict(False, "That Customer has no id, so Stripe never created it: call"
                       " `stripe.Customer.create(...)` and keep what it returns.")
    stored = _retrieve(customer_id)
    if isinstance(stored, Verdict):
        return stored
    return _compare(stored)


def _check_id_string(answer: str) -> Verdict:
    if not answer.startswith("cus_"):
        return Verdict(False, "`first_customer` holds a string that is not a Customer id:"
                       " keep the Customer that `stripe.Customer.create(...)` returns.")
    stored = _retrieve(answer)
    if isinstance(stored, Verdict):
        return stored
    return Verdict(False, "`first_customer` holds the customer's id (a string). Keep the whole"
                   " Customer that `stripe.Customer.create(...)` returns: your code reads its"
                   " fields, and its `.id` is that string.")


def _retrieve(customer_id: str) -> Any:
    """The customer as Stripe has it now, or a verdict saying why it cannot be read."""
    try:
        stored = stripe.Customer.retrieve(customer_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return Verdict(False, "Stripe has no customer with that id (it answered 404 No such"
                           " customer): create her with `stripe.Customer.create(...)` on this"
                           " backend, and keep what it returns.")
        return Verdict(False, f"Stripe refused to read the customer: {describe_error(error)}")
    except stripe.StripeError as error:
        return Verdict(False, f"The checker could not reach Stripe: {describe_error(error)}")
    if getattr(stored, "deleted", False):
        return Verdict(False, "That customer has been deleted: create a new one for `new_user`.")
    return stored


def _compare(stored: Any) -> Verdict:
    name, email = getattr(stored, "name", None), getattr(stored, "email", None)
    if name != NEW_USER["name"]:
        found = "no name" if not name else f"the name {name!r}"
        return Verdict(False, f"Stripe has {found} for this customer; the new user is"
                       f" {NEW_USER['name']!r}. Create the customer for `new_user`.")
    if email != NEW_USER["email"]:
        found = "no email" if not email else f"the email {email!r}"
        return Verdict(False, f"Stripe has {found} for her; `new_user` says"
                       f" {NEW_USER['email']!r}. Pass `email=` as well as `name=`.")
    metadata = _plain(getattr(stored, "metadata", None))
    if not metadata:
        return Verdict(False, "Name and email are right, but the customer has no metadata:"
                       " nothing links it to her record in your database. Add her user id"
                       f" under the metadata key {METADATA_KEY!r}.")
    if metadata.get(METADATA_KEY) == NEW_USER["id"]:
        return Verdict(True, f"Stripe stored {NEW_USER['name']} ({NEW_USER['email']}) with"
                       f" metadata {METADATA_KEY}={NEW_USER['id']}: from a Stripe customer (in a"
                       " webhook, say) you can find her record, and her record will hold the"
                       " cus_ id.")
    if METADATA_KEY in metadata:
        return Verdict(False, f"The metadata key {METADATA_KEY!r} holds"
                       f" {metadata[METADATA_KEY]!r}, not her id in your database"
                       f" ({NEW_USER['id']!r}): use `new_user[\"id\"]`.")
    keys = ", ".join(repr(key) for key in sorted(metadata))
    if NEW_USER["id"] in metadata.values():
        return Verdict(False, f"Her user id is in the metadata, but under {keys}. The task asks"
                       f" for the key {METADATA_KEY!r}: other code (and the next notebooks)"
                       " look it up by that name.")
    return Verdict(False, f"The metadata has {keys} but no {METADATA_KEY!r}: put her database"
                   f" id, `new_user[\"id\"]`, under the key {METADATA_KEY!r}.")


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return dict(value) if isinstance(value, dict) else {}
