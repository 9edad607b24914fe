""""Why isn't my saved card shown?": every saved method of a customer, shown or hidden, and why.

    report = helpers.explain_saved_methods(customer.id, customer_session,
                                           payment_intent=intent, looking_for=[pm.id])
    report                  # a table: each saved method, its place in the element or the reasons
    report.shown            # the PaymentMethods the Payment Element lists, in its order
    report.why(pm.id)       # one method's answer, as a sentence

The verdicts come from `helpers.emulator.redisplay.judge`, the same function the emulator's
Payment Element endpoint (`GET /v1/elements/sessions`) uses to choose what it shows, so this
report cannot disagree with the offline element. In Stripe test mode it reads the customer's
saved methods through the secret-key API (`Customer.list_payment_methods`, `Customer.retrieve`)
and applies the same rule: a model of Stripe.js's choice, not a readout of it.

UNCONFIRMED (reference §1): the display order (the customer's default first, then newest first)
and that a type the PaymentIntent does not accept is hidden without using up the limit.
Facts as of API version 2026-10-28.endive (stripe-python 16.1).
"""

from __future__ import annotations

import difflib
import html
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe

from .backend import current
from .customers import saved_methods
from .display import Table
from .emulator import redisplay, test_banks

# Why a method the customer does not hold is not shown (`looking_for`).
NOT_ATTACHED = "not_attached"
ATTACHED_TO_ANOTHER_CUSTOMER = "attached_to_another_customer"
NO_SUCH_PAYMENT_METHOD = "no_such_payment_method"
TEST_TOKEN = "test_token"

FEATURE_VALUES: dict[str, tuple[Any, ...]] = {
    "payment_method_redisplay": ("enabled", "disabled"),
    "payment_method_allow_redisplay_filters": redisplay.ALLOW_REDISPLAY_VALUES,
    "payment_method_redisplay_limit": (),
    "payment_method_save": ("enabled", "disabled"),
    "payment_method_save_usage": ("off_session", "on_session"),
    "payment_method_remove": ("enabled", "disabled"),
}
ORDER_NOTE = ("Order: the customer's default first, then newest first. UNCONFIRMED: no Stripe"
              " document states the order; this is the kit's reading.")
UNCONFIRMED_TYPES_NOTE = ("A type the PaymentIntent does not accept is hidden and does not use"
                          " up the limit: UNCONFIRMED, the kit's reading.")

FIXES = {
    redisplay.REDISPLAY_DISABLED:
        "create the CustomerSession with components.payment_element.features"
        ".payment_method_redisplay = 'enabled' (the default is 'disabled').",
    redisplay.TYPE_NOT_REDISPLAYABLE:
        "the Payment Element redisplays only these types: "
        + ", ".join(redisplay.REDISPLAYABLE_TYPES) + " (sofort: discontinued by Stripe on"
        " 31 March 2025). Other saved types can still be charged from your server by id.",
    redisplay.TYPE_NOT_ACCEPTED:
        "use a PaymentIntent whose payment_method_types include the type: they follow its"
        " currency and your payment method settings (a EUR PaymentIntent can accept sepa_debit,"
        " a USD one cannot).",
    redisplay.ALLOW_REDISPLAY_FILTERED:
        "add the value to payment_method_allow_redisplay_filters, or, with the customer's"
        " consent, stripe.PaymentMethod.modify(pm_id, allow_redisplay='always').",
    redisplay.OVER_LIMIT:
        "raise payment_method_redisplay_limit (at most 10), or make the method the customer's"
        " invoice_settings.default_payment_method (the default comes first).",
    NOT_ATTACHED:
        "attach it: stripe.PaymentMethod.attach(pm_id, customer=customer_id).",
    ATTACHED_TO_ANOTHER_CUSTOMER:
        "a PaymentMethod belongs to one customer at a time: pass that customer, or save the"
        " details again for this one.",
    NO_SUCH_PAYMENT_METHOD:
        "check the id, and that it was made with this account's keys (each emulator account"
        " and Stripe test mode are separate).",
    TEST_TOKEN:
        "a test token such as pm_card_visa makes a new PaymentMethod each time it is used;"
        " look for the id that stripe.PaymentMethod.attach(...) returned.",
}


@dataclass(frozen=True)
class SavedMethodRow:
    """One payment method's fate in the Payment Element."""

    id: str
    type: str
    label: str                    # 'Visa •••• 4242', as the element names it
    allow_redisplay: str | None
    default: bool                 # the customer's invoice_settings.default_payment_method
    customer: str | None          # the customer it is attached to
    position: int | None          # 1-based place in the element; None when hidden
    reasons: tuple[str, ...]      # reason codes (redisplay.REASONS and the looking_for ones)
    why: str                      # the reasons as a phrase, or 'shown (#1)'

    @property
    def shown(self) -> bool:
        return self.position is not None


@dataclass
class SavedMethodsReport:
    """What the Payment Element shows of a customer's saved methods, and why not the rest.

    `rows`: every saved method of the customer (shown ones first, in the element's order), then
    the `looking_for` methods the customer does not hold. `shown`: the PaymentMethods (plain
    dicts) the element lists, in order. `features`: the CustomerSession features in force, with
    Stripe's defaults filled in. `payment_method_types`: the PaymentIntent's, or None when no
    PaymentIntent was given (then types were not checked against it).
    """

    customer: str
    features: dict[str, Any]
    payment_intent: str | None
    payment_method_types: list[str] | None
    rows: list[SavedMethodRow]
    shown: list[dict[str, Any]]
    looking_for: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> list[SavedMethodRow]:
        return [row for row in self.rows if not row.shown]

    def row(self, pm_id: str) -> SavedMethodRow:
        for row in self.rows:
            if row.id == pm_id:
                return row
        raise KeyError(f"{pm_id!r} is not among {self.customer}'s saved payment methods. Pass"
                       f" looking_for=[{pm_id!r}] to find out where it is.")

    def why(self, pm_id: str) -> str:
        """One method's answer as a sentence: shown (and where), or hidden and why."""
        row = self.row(pm_id)
        if row.shown:
            return f"{row.id} ({row.label}) is shown, #{row.position} in the Payment Element."
        return f"{row.id} ({row.label}) is hidden: {row.why}."

    # -- views ----------------------------------------------------------------------------
    def _summary(self) -> list[str]:
        f = self.features
        filters = "[" + ", ".join(f["payment_method_allow_redisplay_filters"]) + "]"
        lines = [
            f"Saved payment methods of {self.customer} in the Payment Element:"
            f" {len(self.shown)} shown, {len(self.hidden)} hidden",
            f"CustomerSession: payment_method_redisplay={f['payment_method_redisplay']},"
            f" payment_method_allow_redisplay_filters={filters},"
            f" payment_method_redisplay_limit={f['payment_method_redisplay_limit']}",
        ]
        if self.payment_intent:
            lines.append(f"PaymentIntent {self.payment_intent}: payment_method_types=["
                         + ", ".join(self.payment_method_types or []) + "]")
        else:
            lines.append("PaymentIntent: not given, so its payment_method_types were not"
                         " checked")
        return lines

    def _table(self) -> Table:
        rows = [(row.position if row.shown else "-", row.label + (" (default)" if row.default
                                                                   else ""),
                 row.id, row.allow_redisplay or "", row.why) for row in self.rows]
        return Table(rows, ("#", "payment method", "id", "allow_redisplay", "shown / why hidden"))

    def _footer(self) -> list[str]:
        lines = []
        for pm_id in self.looking_for:
            lines.append(self.why(pm_id))
        codes = [code for code in FIXES if any(code in row.reasons for row in self.rows)]
        if codes:
            lines.append("How to fix:")
            lines += [f"  {code}: {FIXES[code]}" for code in codes]
        lines += self.notes
        lines.append(ORDER_NOTE)
        if self.payment_intent:
            lines.append(UNCONFIRMED_TYPES_NOTE)
        return lines

    def __repr__(self) -> str:
        return "\n".join([*self._summary(), repr(self._table()), *self._footer()])

    def _repr_html_(self) -> str:
        summary = "<br>".join(html.escape(line) for line in self._summary())
        footer = "".join(f"<li>{html.escape(line)}</li>" for line in self._footer())
        return (f"<div class='kit-saved-methods'><p>{summary}</p>{self._table()._repr_html_()}"
                f"<ul style='font-size:smaller'>{footer}</ul></div>")


def _plain(obj: Any) -> Any:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _label(pm: Mapping[str, Any]) -> str:
    kind = pm.get("type") or "?"
    details = pm.get(kind) or {}
    last4 = f" •••• {details['last4']}" if details.get("last4") else ""
    if kind == "card":
        brand = str(details.get("brand") or "card")
        name = {"amex": "American Express", "diners": "Diners Club", "jcb": "JCB",
                "unionpay": "UnionPay"}.get(brand, brand.title())
        return name + last4
    names = {"sepa_debit": "SEPA Debit", "us_bank_account": "US bank account", "ideal": "iDEAL",
             "bancontact": "Bancontact", "sofort": "Sofort", "link": "Link"}
    return names.get(kind, kind) + last4


def _phrase(code: str, pm: Mapping[str, Any], features: Mapping[str, Any],
            types: list[str] | None) -> str:
    if code == redisplay.REDISPLAY_DISABLED:
        return "payment_method_redisplay is not 'enabled'"
    if code == redisplay.TYPE_NOT_REDISPLAYABLE:
        return f"type {pm['type']!r} cannot be redisplayed"
    if code == redisplay.TYPE_NOT_ACCEPTED:
        return f"the PaymentIntent does not accept {pm['type']!r}"
    if code == redisplay.ALLOW_REDISPLAY_FILTERED:
        filters = list(features["payment_method_allow_redisplay_filters"])
        return (f"allow_redisplay {pm.get('allow_redisplay') or 'unspecified'!r} not in"
                f" filters {filters}")
    if code == redisplay.OVER_LIMIT:
        return f"past payment_method_redisplay_limit {features['payment_method_redisplay_limit']}"
    if code == NOT_ATTACHED:
        return "not attached to any customer"
    if code == ATTACHED_TO_ANOTHER_CUSTOMER:
        return f"attached to another customer ({pm.get('customer')})"
    if code == NO_SUCH_PAYMENT_METHOD:
        return "no such payment method"
    if code == TEST_TOKEN:
        return "a test token, not a saved payment method"
    return code


# -- inputs ---------------------------------------------------------------------------------
def _customer_id(customer: Any) -> str:
    if isinstance(customer, str) and customer.startswith("cus_"):
        return customer
    if customer is None:
        raise TypeError("customer is None: pass the customer's id, e.g. customer.id ('cus_…').")
    if isinstance(customer, str):
        raise ValueError(f"customer should be a Customer id like 'cus_…', got {customer!r}.")
    kind = _plain(customer).get("object") if isinstance(_plain(customer), Mapping) else None
    if kind == "customer":
        raise TypeError("customer should be the Customer's id, not the Customer object: pass"
                        " customer.id.")
    raise TypeError(f"customer should be a Customer id like 'cus_…', got a"
                    f" {type(customer).__name__}.")


def check_features(features: Any) -> dict[str, Any]:
    """A `components.payment_element.features` dict given by hand, checked key by key."""
    if not isinstance(features, Mapping):
        raise TypeError(f"features should be a dict like {{'payment_method_redisplay':"
                        f" 'enabled'}}, got a {type(features).__name__}.")
    if "features" in features or "enabled" in features:
        raise ValueError("This looks like components.payment_element ({'enabled': …,"
                         " 'features': …}); pass its ['features'] dict, or the whole"
                         " CustomerSession.")
    checked: dict[str, Any] = {}
    for key, value in features.items():
        if key not in FEATURE_VALUES:
            near = difflib.get_close_matches(str(key), FEATURE_VALUES, n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"Unknown CustomerSession feature {key!r}.{hint} The Payment"
                             f" Element's features are: {', '.join(FEATURE_VALUES)}.")
        if value is None:
            checked[key] = None
        elif key == "payment_method_redisplay_limit":
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"payment_method_redisplay_limit should be an int from 1 to"
                                f" {redisplay.MAX_LIMIT}, got {value!r}.")
            if not 1 <= value <= redisplay.MAX_LIMIT:
                raise ValueError(f"payment_method_redisplay_limit must be from 1 to"
                                 f" {redisplay.MAX_LIMIT} (Stripe's maximum), got {value}.")
            checked[key] = value
        elif key == "payment_method_allow_redisplay_filters":
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise TypeError("payment_method_allow_redisplay_filters should be a list, e.g."
                                f" ['always', 'limited'], got {value!r}.")
            wrong = [v for v in value if v not in redisplay.ALLOW_REDISPLAY_VALUES]
            if wrong:
                raise ValueError(f"payment_method_allow_redisplay_filters holds {wrong!r}; each"
                                 f" value is one of {', '.join(redisplay.ALLOW_REDISPLAY_VALUES)}.")
            checked[key] = list(value)
        else:
            if value not in FEATURE_VALUES[key]:
                raise ValueError(f"{key} should be one of"
                                 f" {', '.join(repr(v) for v in FEATURE_VALUES[key])}, got"
                                 f" {value!r}.")
            checked[key] = value
    return checked


def effective_features(features: Mapping[str, Any] | None) -> dict[str, Any]:
    """The features in force: Stripe's defaults where a value is unset or null."""
    given = dict(features or {})
    return {
        "payment_method_redisplay": given.get("payment_method_redisplay") or "disabled",
        "payment_method_allow_redisplay_filters":
            list(redisplay.allow_redisplay_filters(given)),
        "payment_method_redisplay_limit": redisplay.redisplay_limit(given),
        "payment_method_save": given.get("payment_method_save") or "disabled",
        "payment_method_save_usage": given.get("payment_method_save_usage"),
        "payment_method_remove": given.get("payment_method_remove") or "disabled",
    }


def _now() -> int:
    if current().mode == "emulator":
        emulator = _emulator()
        return emulator.clock.now(emulator.account_of(current().secret_key))
    return int(time.time())


def _emulator() -> Any:
    from .emulator import EmulatorHTTPClient, get_emulator

    client = stripe.default_http_client
    return client.emulator if isinstance(client, EmulatorHTTPClient) else get_emulator()


def _session_by_secret(secret: str) -> dict[str, Any]:
    backend = current()
    if backend.mode != "emulator":
        raise ValueError(
            "Stripe has no API to read a CustomerSession back from its client secret"
            " (POST /v1/customer_sessions is its only operation), so in Stripe test mode pass"
            " the object stripe.CustomerSession.create returned, or its"
            " components.payment_element.features dict.")
    emulator = _emulator()
    session = emulator.store.get(emulator.account_of(backend.secret_key), secret,
                                 "customer_session")
    if session is None:
        raise ValueError("No CustomerSession has this client secret on this emulator account:"
                         " pass the object stripe.CustomerSession.create returned, or its"
                         " client_secret.")
    return {k: v for k, v in session.items() if k != "id"}


def _read_session(customer_session: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(session object or None, features) from any of the accepted forms."""
    if customer_session is None:
        raise TypeError("customer_session is None: pass the CustomerSession that"
                        " stripe.CustomerSession.create returned, its"
                        " components.payment_element.features dict, or (emulator only) its"
                        " client_secret.")
    if isinstance(customer_session, str):
        if not customer_session.startswith("cuss_secret_"):
            raise ValueError(f"A CustomerSession's client secret starts with 'cuss_secret_';"
                             f" got {customer_session[:12]!r}….")
        session: Any = _session_by_secret(customer_session)
    else:
        session = _plain(customer_session)
        if not isinstance(session, Mapping):
            raise TypeError(f"customer_session should be a CustomerSession, a features dict or"
                            f" a client secret, got a {type(customer_session).__name__}.")
        kind = session.get("object")
        if kind not in (None, "customer_session"):
            raise TypeError(f"customer_session should be a CustomerSession, got a {kind} object.")
        if kind is None and "components" not in session:
            if hasattr(customer_session, "to_dict"):  # read from the API: Stripe's own keys
                return None, dict(session)
            return None, check_features(session)
    element = (session.get("components") or {}).get("payment_element") or {}
    return dict(session), (element.get("features") or {}) if element.get("enabled") else None


def _read_intent(payment_intent: Any) -> dict[str, Any] | None:
    if payment_intent is None:
        return None
    if isinstance(payment_intent, str):
        if not payment_intent.startswith("pi_"):
            raise ValueError(f"payment_intent should be a PaymentIntent id ('pi_…'), its client"
                             f" secret or the object; got {payment_intent[:8]!r}….")
        pi_id = payment_intent.split("_secret_")[0]
        try:
            return stripe.PaymentIntent.retrieve(pi_id).to_dict()
        except stripe.InvalidRequestError as exc:
            raise ValueError(f"No PaymentIntent {pi_id!r} on this account ({exc.user_message})."
                             ) from None
    intent = _plain(payment_intent)
    if not isinstance(intent, Mapping) or intent.get("object") != "payment_intent":
        raise TypeError(f"payment_intent should be a PaymentIntent, its id or its client"
                        f" secret, got a {type(payment_intent).__name__}.")
    return dict(intent)


def _looking_for_ids(looking_for: Any) -> tuple[str, ...]:
    if looking_for is None:
        return ()
    single = isinstance(looking_for, (str, Mapping)) or hasattr(looking_for, "to_dict")
    ids = []
    for item in [looking_for] if single else list(looking_for):
        plain = _plain(item)
        pm_id = plain.get("id") if isinstance(plain, Mapping) else plain
        if not isinstance(pm_id, str) or not pm_id:
            raise TypeError(f"looking_for should list PaymentMethod ids ('pm_…'), got {item!r}.")
        ids.append(pm_id)
    return tuple(dict.fromkeys(ids))


def _is_test_token(pm_id: str) -> bool:
    return (pm_id.startswith("pm_card_") or pm_id in test_banks.ACH_BY_TOKEN
            or test_banks.SEPA_TOKEN.match(pm_id) is not None)


def _elsewhere(pm_id: str, customer_id: str) -> tuple[dict[str, Any], str]:
    """Where a payment method this customer does not hold is: its object and a reason code."""
    if _is_test_token(pm_id):  # retrieving one would make a new PaymentMethod: don't
        return {"id": pm_id, "type": "?"}, TEST_TOKEN
    try:
        pm = stripe.PaymentMethod.retrieve(pm_id).to_dict()
    except stripe.InvalidRequestError:
        return {"id": pm_id, "type": "?"}, NO_SUCH_PAYMENT_METHOD
    owner = pm.get("customer")
    owner = owner.get("id") if isinstance(owner, Mapping) else owner
    pm["customer"] = owner
    return pm, (NOT_ATTACHED if not owner else ATTACHED_TO_ANOTHER_CUSTOMER)


# -- the helper -----------------------------------------------------------------------------
def explain_saved_methods(customer: str, customer_session: Any, *, payment_intent: Any = None,
                          looking_for: Iterable[str] | str | None = None
                          ) -> SavedMethodsReport:
    """Every saved payment method of `customer`: shown by the Payment Element (in its order),
    or hidden and why.

    customer          the Customer's id ('cus_…').
    customer_session  the CustomerSession as stripe.CustomerSession.create returned it; or its
                      components.payment_element.features dict; or its client secret (emulator
                      only: Stripe has no API to read a CustomerSession back); or the dict
                      create_intent_and_customer_session returned (both secrets; emulator only).
    payment_intent    optional: the PaymentIntent (object, id or client secret) the element
                      pays; its payment_method_types decide which saved types it can offer.
    looking_for       optional PaymentMethod ids to explain even if this customer does not hold
                      them: attached to another customer, not attached, or no such method.

    Hidden reasons: redisplay_disabled, type_not_redisplayable, type_not_accepted,
    allow_redisplay_filtered, over_limit (and for looking_for: not_attached,
    attached_to_another_customer, no_such_payment_method, test_token). The display order (the
    customer's default first, then newest first) is UNCONFIRMED.
    """
    current()
    customer_id = _customer_id(customer)
    raw_session = customer_session
    if isinstance(raw_session, Mapping) and "customer_session_client_secret" in raw_session:
        # the dict create_intent_and_customer_session returns: both client secrets
        raw_session = raw_session["customer_session_client_secret"]
        if payment_intent is None:
            payment_intent = customer_session.get("client_secret")
    session, features = _read_session(raw_session)
    notes: list[str] = []
    if session is not None:
        owner = session.get("customer")
        owner = owner.get("id") if isinstance(owner, Mapping) else owner
        if owner and owner != customer_id:
            raise ValueError(f"This CustomerSession is for {owner}, not {customer_id}: the"
                             f" element would show {owner}'s saved methods. Pass customer="
                             f"{owner!r}, or create a CustomerSession for {customer_id}.")
        if features is None:
            notes.append("This CustomerSession does not enable components.payment_element:"
                         " the Payment Element cannot use it (the emulator answers 400). Create"
                         " it with components={'payment_element': {'enabled': True,"
                         " 'features': {...}}}.")
        expires_at = session.get("expires_at")
        if isinstance(expires_at, int) and expires_at <= _now():
            notes.append("This CustomerSession has expired (expires_at is past): the Payment"
                         " Element refuses it. Create a new one for each checkout.")
    intent = _read_intent(payment_intent)

    try:
        found = stripe.Customer.retrieve(customer_id).to_dict()
    except stripe.InvalidRequestError as exc:
        raise ValueError(f"No customer {customer_id!r} on this {current().mode} account"
                         f" ({exc.user_message}). Check the id, and that it was created with the"
                         " same keys.") from None
    if found.get("deleted"):
        raise ValueError(f"Customer {customer_id} was deleted: it has no saved payment methods.")
    default_id = (found.get("invoice_settings") or {}).get("default_payment_method")
    default_id = default_id.get("id") if isinstance(default_id, Mapping) else default_id
    methods = [pm.to_dict() for pm in saved_methods(customer_id)]

    types = list(intent["payment_method_types"]) if intent else None
    if intent is not None:
        pi_customer = intent.get("customer")
        pi_customer = pi_customer.get("id") if isinstance(pi_customer, Mapping) else pi_customer
        if pi_customer and pi_customer != customer_id:
            notes.append(f"The PaymentIntent is for {pi_customer}, not {customer_id}: the"
                         " Payment Element refuses this pair (the emulator answers 400; Stripe's"
                         " exact answer is UNCONFIRMED).")
    in_force = effective_features(features)
    rows: list[SavedMethodRow] = []
    shown: list[dict[str, Any]] = []
    for verdict in redisplay.judge(methods, default_id, features, types):
        pm = dict(verdict.payment_method)
        if verdict.shown:
            shown.append(pm)
            why = f"shown (#{verdict.position})"
        else:
            why = "; ".join(_phrase(code, pm, in_force, types) for code in verdict.reasons)
        rows.append(SavedMethodRow(pm["id"], pm["type"], _label(pm), pm.get("allow_redisplay"),
                                   pm["id"] == default_id, customer_id, verdict.position,
                                   verdict.reasons, why))
    wanted = _looking_for_ids(looking_for)
    held = {row.id for row in rows}
    for pm_id in wanted:
        if pm_id in held:
            continue
        pm, code = _elsewhere(pm_id, customer_id)
        rows.append(SavedMethodRow(pm_id, pm.get("type") or "?",
                                   _label(pm) if pm.get("type") != "?" else "?",
                                   pm.get("allow_redisplay"), False, pm.get("customer"), None,
                                   (code,), _phrase(code, pm, in_force, types)))
    return SavedMethodsReport(customer_id, in_force, intent["id"] if intent else None, types,
                              rows, shown, wanted, notes)
