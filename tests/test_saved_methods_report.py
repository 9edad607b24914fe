""""Why isn't my saved card shown?": helpers.explain_saved_methods against the offline emulator.

The report and the emulator's Payment Element endpoint share one rule (helpers.emulator.redisplay),
so the strongest test is that they agree: for many customers, features and intents, the
report's `shown` is exactly what `GET /v1/elements/sessions` hands the element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers
from helpers import backend
from helpers.emulator import (
    DEFAULT_PUBLISHABLE_KEY,
    DEFAULT_SECRET_KEY,
    Emulator,
    redisplay,
    reset_emulator,
)
from helpers.saved_methods_report import check_features, explain_saved_methods

NO_DOTENV = Path("/nonexistent/.env")
ON = {"payment_method_redisplay": "enabled"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh in-memory emulator, with the kit configured for it (tests/conftest.py puts the
    process's emulator and backend back after)."""
    emu = Emulator(":memory:", deterministic=True)
    reset_emulator(emu)
    backend.configure(environ={}, dotenv=NO_DOTENV)
    yield emu
    emu.store.close()


def save(customer_id: str, token: str, allow_redisplay: str = "always") -> stripe.PaymentMethod:
    pm = stripe.PaymentMethod.attach(token, customer=customer_id)
    if pm.allow_redisplay != allow_redisplay:
        pm = stripe.PaymentMethod.modify(pm.id, allow_redisplay=allow_redisplay)
    return pm


def session_for(customer_id: str, features: dict[str, Any] | None = None
                ) -> stripe.CustomerSession:
    return stripe.CustomerSession.create(customer=customer_id, components={
        "payment_element": {"enabled": True, "features": ON if features is None else features}})


def element_shows(emulator: Emulator, intent: Any, session: Any) -> list[dict[str, Any]]:
    """What the emulator hands the Payment Element (publishable key, as Stripe.js asks)."""
    response = emulator.request("GET", "/v1/elements/sessions", {
        "client_secret": intent.client_secret,
        "customer_session_client_secret": session.client_secret}, DEFAULT_PUBLISHABLE_KEY)
    assert response.status == 200, response.body
    return response.body["customer"]["payment_methods"]


# ---- each cause, one at a time -----------------------------------------------------------------

def test_everything_allowed_shows_every_card_default_first(emulator: Emulator) -> None:
    customer = stripe.Customer.create(name="Jenny Rosen")
    visa, mastercard = save(customer.id, "pm_card_visa"), save(customer.id, "pm_card_mastercard")
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": visa.id})
    report = explain_saved_methods(customer.id, session_for(customer.id))
    assert [pm["id"] for pm in report.shown] == [visa.id, mastercard.id]
    assert [(r.id, r.position, r.reasons, r.default) for r in report.rows] == [
        (visa.id, 1, (), True), (mastercard.id, 2, (), False)]
    assert report.hidden == []
    assert report.why(visa.id) == f"{visa.id} (Visa •••• 4242) is shown, #1 in the Payment Element."


def test_redisplay_not_enabled_hides_everything(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    visa = save(customer.id, "pm_card_visa")
    # the old bug: a features dict without payment_method_redisplay still showed the cards
    report = explain_saved_methods(customer.id, session_for(customer.id,
                                                            {"payment_method_save": "enabled"}))
    assert report.shown == []
    assert report.rows[0].reasons == (redisplay.REDISPLAY_DISABLED,)
    assert report.features["payment_method_redisplay"] == "disabled"
    assert "payment_method_redisplay is not 'enabled'" in report.why(visa.id)
    assert helpers.methods_the_element_shows(customer.id, {"payment_method_save": "enabled"}) == []
    assert [pm["id"] for pm in helpers.methods_the_element_shows(customer.id)] == [visa.id]


def test_allow_redisplay_outside_the_filters(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    limited = save(customer.id, "pm_card_amex", "limited")
    unspecified = save(customer.id, "pm_card_visa", "unspecified")
    report = explain_saved_methods(customer.id, ON)
    assert report.shown == []
    assert {r.id: r.reasons for r in report.rows} == {
        limited.id: (redisplay.ALLOW_REDISPLAY_FILTERED,),
        unspecified.id: (redisplay.ALLOW_REDISPLAY_FILTERED,)}
    assert report.why(limited.id).endswith("allow_redisplay 'limited' not in filters ['always'].")
    wider = explain_saved_methods(customer.id, {**ON, "payment_method_allow_redisplay_filters":
                                                ["always", "limited"]})
    assert [pm["id"] for pm in wider.shown] == [limited.id]


def test_a_type_the_payment_intent_does_not_accept(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    sepa = save(customer.id, "pm_success_de")
    visa = save(customer.id, "pm_card_visa")
    session = session_for(customer.id)
    usd = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer.id)
    eur = stripe.PaymentIntent.create(amount=1099, currency="eur", customer=customer.id)
    in_usd = explain_saved_methods(customer.id, session, payment_intent=usd)
    assert [pm["id"] for pm in in_usd.shown] == [visa.id]
    assert in_usd.row(sepa.id).reasons == (redisplay.TYPE_NOT_ACCEPTED,)
    assert in_usd.payment_method_types == ["card", "link", "us_bank_account"]
    in_eur = explain_saved_methods(customer.id, session, payment_intent=eur.id)
    assert {pm["id"] for pm in in_eur.shown} == {visa.id, sepa.id}
    without = explain_saved_methods(customer.id, session)
    assert without.payment_intent is None and without.payment_method_types is None
    assert "its payment_method_types were not checked" in repr(without)


def test_past_the_limit(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    tokens = ["pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_discover"]
    saved = [save(customer.id, token) for token in tokens]
    report = explain_saved_methods(customer.id, session_for(customer.id))
    assert len(report.shown) == 3 and report.features["payment_method_redisplay_limit"] == 3
    assert [r.reasons for r in report.hidden] == [(redisplay.OVER_LIMIT,)]
    assert "past payment_method_redisplay_limit 3" in report.hidden[0].why
    one = explain_saved_methods(customer.id, {**ON, "payment_method_redisplay_limit": 1})
    assert len(one.shown) == 1
    assert {r.id for r in report.rows} == {pm.id for pm in saved}


def test_a_type_the_element_cannot_redisplay() -> None:
    """The emulator makes no such type, so the rule is checked on data."""
    methods = [{"id": "pm_k", "type": "klarna", "allow_redisplay": "always", "created": 2},
               {"id": "pm_c", "type": "card", "allow_redisplay": "always", "created": 1}]
    verdicts = redisplay.judge(methods, None, ON, None)
    assert [(v.payment_method["id"], v.position, v.reasons) for v in verdicts] == [
        ("pm_c", 1, ()), ("pm_k", None, (redisplay.TYPE_NOT_REDISPLAYABLE,))]


def test_every_reason_that_applies_is_listed() -> None:
    methods = [{"id": "pm_s", "type": "sepa_debit", "allow_redisplay": "limited", "created": 1}]
    verdict, = redisplay.judge(methods, None, {}, ["card"])
    assert verdict.reasons == (redisplay.REDISPLAY_DISABLED, redisplay.TYPE_NOT_ACCEPTED,
                               redisplay.ALLOW_REDISPLAY_FILTERED)


def test_looking_for_methods_the_customer_does_not_hold(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    other = stripe.Customer.create()
    theirs = save(other.id, "pm_card_visa")
    loose = stripe.PaymentMethod.detach(save(customer.id, "pm_card_visa").id)  # removed
    mine = save(customer.id, "pm_card_mastercard", "limited")
    account = emulator.account_of(DEFAULT_SECRET_KEY)
    before = len(emulator.store.list(account, "payment_method"))
    report = explain_saved_methods(customer.id, ON, looking_for=[
        theirs.id, loose.id, "pm_doesNotExist000", "pm_card_visa", mine.id])
    reasons = {r.id: r.reasons for r in report.rows}
    assert reasons == {mine.id: (redisplay.ALLOW_REDISPLAY_FILTERED,),
                       theirs.id: ("attached_to_another_customer",),
                       loose.id: ("not_attached",),
                       "pm_doesNotExist000": ("no_such_payment_method",),
                       "pm_card_visa": ("test_token",)}
    assert report.row(theirs.id).customer == other.id
    assert f"attached to another customer ({other.id})" in report.why(theirs.id)
    assert report.why(loose.id).endswith("not attached to any customer.")
    assert report.looking_for == (theirs.id, loose.id, "pm_doesNotExist000", "pm_card_visa",
                                  mine.id)
    text = repr(report)
    assert "stripe.PaymentMethod.attach(pm_id, customer=customer_id)" in text
    after = len(emulator.store.list(account, "payment_method"))
    assert after == before, "looking up a test token must not make a PaymentMethod"


# ---- the one rule: the report agrees with the emulator's Payment Element ---------------------

SAVED = st.lists(st.tuples(st.sampled_from(["pm_card_visa", "pm_card_mastercard",
                                            "pm_success_de", "pm_usBankAccount_success"]),
                           st.sampled_from(redisplay.ALLOW_REDISPLAY_VALUES)),
                 max_size=6)
FEATURES = st.fixed_dictionaries(
    # mostly enabled: with redisplay off there is nothing to order, filter or cap
    {"payment_method_redisplay": st.sampled_from(["enabled"] * 4 + ["disabled"])},
    optional={
        "payment_method_allow_redisplay_filters": st.lists(
            st.sampled_from(redisplay.ALLOW_REDISPLAY_VALUES), min_size=1, max_size=3,
            unique=True),
        "payment_method_redisplay_limit": st.integers(1, 10),
        "payment_method_save": st.sampled_from(["enabled", "disabled"]),
    }).map(lambda f: f if f["payment_method_redisplay"] == "enabled" or len(f) > 1
           else {})  # also: no features at all


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(saved=SAVED, features=FEATURES, currency=st.sampled_from(["usd", "eur"]),
       default=st.integers(-1, 5), form=st.sampled_from(["object", "features", "secret"]))
def test_the_report_shows_what_the_element_shows(emulator: Emulator, saved: list, features: dict,
                                                 currency: str, default: int, form: str) -> None:
    customer = stripe.Customer.create()
    methods = [save(customer.id, token, allow) for token, allow in saved]
    if 0 <= default < len(methods):
        stripe.Customer.modify(customer.id,
                               invoice_settings={"default_payment_method": methods[default].id})
    session = session_for(customer.id, features)
    intent = stripe.PaymentIntent.create(amount=1099, currency=currency, customer=customer.id)
    given_session = {"object": session, "features": features,
                     "secret": session.client_secret}[form]
    report = explain_saved_methods(customer.id, given_session, payment_intent=intent)
    assert report.shown == element_shows(emulator, intent, session)
    assert len(report.rows) == len(methods)
    assert all(bool(r.reasons) != r.shown for r in report.rows)


def test_agreement_can_fail(emulator: Emulator) -> None:
    """The comparison above really compares: a different features dict gives a different list."""
    customer = stripe.Customer.create()
    save(customer.id, "pm_card_visa")
    session = session_for(customer.id)
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer.id)
    shown = element_shows(emulator, intent, session)
    assert len(shown) == 1
    assert explain_saved_methods(customer.id, {}, payment_intent=intent).shown != shown


# ---- the ways in -------------------------------------------------------------------------------

def test_session_object_features_secret_and_secrets_dict_agree(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    save(customer.id, "pm_card_visa")
    save(customer.id, "pm_card_amex", "limited")
    secrets = helpers.create_intent_and_customer_session(customer.id)
    features = {**ON, "payment_method_allow_redisplay_filters": ["always", "limited"]}
    session = session_for(customer.id, features)
    texts = {repr(explain_saved_methods(customer.id, given)) for given in
             (session, session.components.payment_element.features.to_dict(), features,
              session.client_secret, session.to_dict())}
    assert len(texts) == 1
    from_secrets = explain_saved_methods(customer.id, secrets)
    assert from_secrets.payment_intent == secrets["client_secret"].split("_secret_")[0]
    assert len(from_secrets.shown) == 1


def test_payment_intent_by_id_secret_or_object(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    save(customer.id, "pm_success_de")
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=customer.id)
    texts = {repr(explain_saved_methods(customer.id, ON, payment_intent=given))
             for given in (intent, intent.id, intent.client_secret)}
    assert len(texts) == 1 and "type_not_accepted" in texts.pop()


def test_notes_for_a_mismatched_intent_a_disabled_component_and_an_expired_session(
        emulator: Emulator) -> None:
    customer, other = stripe.Customer.create(), stripe.Customer.create()
    save(customer.id, "pm_card_visa")
    theirs = stripe.PaymentIntent.create(amount=1099, currency="usd", customer=other.id)
    report = explain_saved_methods(customer.id, session_for(customer.id), payment_intent=theirs)
    assert any(f"The PaymentIntent is for {other.id}" in note for note in report.notes)
    buy_button = stripe.CustomerSession.create(customer=customer.id,
                                               components={"buy_button": {"enabled": True}})
    report = explain_saved_methods(customer.id, buy_button)
    assert report.shown == [] and "does not enable components.payment_element" in repr(report)
    session = session_for(customer.id)
    emulator.advance_clock(31 * 60)
    report = explain_saved_methods(customer.id, session)
    assert any("has expired" in note for note in report.notes)


def test_the_view_is_stable_text_and_html(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    visa = save(customer.id, "pm_card_visa")
    save(customer.id, "pm_card_amex", "limited")
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": visa.id})
    report = explain_saved_methods(customer.id, session_for(customer.id))
    text = repr(report)
    assert text == repr(explain_saved_methods(customer.id, session_for(customer.id)))
    assert not re.search(r"0x[0-9a-f]{6,}|object at", text)
    lines = text.splitlines()
    assert lines[0] == f"Saved payment methods of {customer.id} in the Payment Element:" \
                       " 1 shown, 1 hidden"
    assert lines[1] == ("CustomerSession: payment_method_redisplay=enabled,"
                        " payment_method_allow_redisplay_filters=[always],"
                        " payment_method_redisplay_limit=3")
    assert re.match(r"^1\s+Visa •••• 4242 \(default\)\s+pm_\w+\s+always\s+shown \(#1\)$",
                    lines[5])
    assert "UNCONFIRMED" in lines[-1] and "default first, then newest first" in lines[-1]
    page = report._repr_html_()
    assert "<table" in page and "American Express •••• 0005" in page
    assert "filters [&#x27;always&#x27;]" in page


# ---- bad input: a message that says what to do -------------------------------------------------

@pytest.mark.parametrize("features,kind,says", [
    ({"payment_method_redisplay_limt": 3}, ValueError,
     "Did you mean 'payment_method_redisplay_limit'"),
    ({"payment_method_redisplay_limit": 0}, ValueError, "from 1 to 10"),
    ({"payment_method_redisplay_limit": 11}, ValueError, "from 1 to 10"),
    ({"payment_method_redisplay_limit": True}, TypeError, "an int from 1 to 10"),
    ({"payment_method_redisplay_limit": "3"}, TypeError, "an int from 1 to 10"),
    ({"payment_method_redisplay": True}, ValueError, "one of 'enabled', 'disabled'"),
    ({"payment_method_allow_redisplay_filters": "always"}, TypeError, "should be a list"),
    ({"payment_method_allow_redisplay_filters": ["sometimes"]}, ValueError, "['sometimes']"),
    ({"enabled": True, "features": ON}, ValueError, "pass its ['features'] dict"),
    (["payment_method_redisplay"], TypeError, "should be a CustomerSession"),
])
def test_bad_features_say_what_to_fix(emulator: Emulator, features: Any, kind: type,
                                      says: str) -> None:
    customer = stripe.Customer.create()
    with pytest.raises(kind) as raised:
        explain_saved_methods(customer.id, features)
    assert says in str(raised.value)
    if isinstance(features, dict) and "features" not in features:
        with pytest.raises(kind):
            check_features(features)


def test_bad_customers_and_intents_say_what_to_fix(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    cases = [
        (lambda: explain_saved_methods(None, ON), TypeError, "customer is None"),
        (lambda: explain_saved_methods(customer, ON), TypeError, "pass customer.id"),
        (lambda: explain_saved_methods("jenny", ON), ValueError, "like 'cus_…'"),
        (lambda: explain_saved_methods("cus_missing00000", ON), ValueError,
         "No customer 'cus_missing00000'"),
        (lambda: explain_saved_methods(customer.id, None), TypeError,
         "customer_session is None"),
        (lambda: explain_saved_methods(customer.id, "cuss_secret_" + "x" * 47), ValueError,
         "No CustomerSession has this client secret"),
        (lambda: explain_saved_methods(customer.id, "pi_123_secret_abc"), ValueError,
         "starts with 'cuss_secret_'"),
        (lambda: explain_saved_methods(customer.id, customer), TypeError,
         "got a customer object"),
        (lambda: explain_saved_methods(customer.id, ON, payment_intent="pi_missing"), ValueError,
         "No PaymentIntent 'pi_missing'"),
        (lambda: explain_saved_methods(customer.id, ON, payment_intent=customer), TypeError,
         "payment_intent should be a PaymentIntent"),
        (lambda: explain_saved_methods(customer.id, ON, looking_for=[3]), TypeError,
         "looking_for should list PaymentMethod ids"),
        (lambda: explain_saved_methods(customer.id, session_for(
            stripe.Customer.create().id)), ValueError, "This CustomerSession is for"),
    ]
    for call, kind, says in cases:
        with pytest.raises(kind) as raised:
            call()
        assert says in str(raised.value), (says, str(raised.value))
    stripe.Customer.delete(customer.id)
    # Stripe answers a deleted customer with {deleted: true}; the emulator (for now) with a 404
    with pytest.raises(ValueError, match=f"was deleted|No customer '{customer.id}'"):
        explain_saved_methods(customer.id, ON)


def test_why_names_a_method_the_report_does_not_hold(emulator: Emulator) -> None:
    customer = stripe.Customer.create()
    report = explain_saved_methods(customer.id, ON)
    assert report.rows == [] and "(no rows)" in repr(report)
    with pytest.raises(KeyError, match=r"looking_for=\['pm_x'\]"):
        report.why("pm_x")


def test_a_client_secret_in_stripe_test_mode_asks_for_the_object(emulator: Emulator) -> None:
    """Stripe has no API to read a CustomerSession back; nothing is sent before this is said."""
    backend.configure(environ={"STRIPE_SECRET_KEY": "sk_test_" + "x" * 24,
                               "STRIPE_PUBLISHABLE_KEY": "pk_test_" + "x" * 24},
                      dotenv=NO_DOTENV)
    try:
        with pytest.raises(ValueError, match="Stripe has no API to read a CustomerSession back"):
            explain_saved_methods("cus_AAAAAAAAAAAAAA", "cuss_secret_" + "x" * 47)
    finally:
        backend.configure(environ={}, dotenv=NO_DOTENV)
