"""One participant's sandbox: their own emulator account, customers, webhooks and orders.

Every participant gets an account of their own on the shared emulator. The emulator keeps
accounts apart by API key (any `sk_test_<name>` / `pk_test_<name>` pair is one account), so a
sandbox is a key pair derived from the participant's browser id with a workshop secret:

    suffix = "ws_" + HMAC-SHA256(workshop secret, browser id)[:24]

The browser id is random and kept in the browser's localStorage (see `app.py`), so a reload
gets the same sandbox back, and nobody can guess another participant's keys. Everything a
sandbox holds lives in SQLite files (the emulator's database, the workshop ledger, one order
book per participant), so it survives a reload and a kernel restart.

Every Stripe call here goes through a `stripe.StripeClient` holding the participant's own
secret key, never through the `stripe` module's global key: several sandboxes can live in
one process (the tests do that) without seeing each other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stripe

from ..backend import EMULATOR_API_BASE
from ..emulator import (
    Emulator,
    EmulatorHTTPClient,
    current_emulator,
    get_emulator,
    reset_emulator,
)
from ..emulator.elements_sessions import select_redisplayable
from ..fulfilment import OrderBook
from .ledger import Ledger

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT / ".kit" / "workshop"
WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.processing",
                  "payment_intent.payment_failed")
APP_NOTEBOOK = "06_workshop_app.ipynb"
FINAL_STATUSES = ("succeeded", "requires_payment_method", "canceled", "requires_capture")


@dataclass(frozen=True)
class SavedMethod:
    token: str           # a Stripe test PaymentMethod token
    allow_redisplay: str  # always / limited / unspecified


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    email: str
    story: str
    methods: tuple[SavedMethod, ...]


PERSONAS: dict[str, Persona] = {p.key: p for p in (
    Persona("jenny", "Jenny Rosen", "jenny.rosen@example.com",
            "The guide's returning customer: two cards, both saved with consent to show "
            "them again.",
            (SavedMethod("pm_card_visa", "always"), SavedMethod("pm_card_mastercard", "always"))),
    Persona("oliver", "Oliver Smith", "oliver.smith@example.com",
            "Three cards, but only the Visa was saved with consent (always); the Amex was "
            "saved for one merchant (limited), the Discover with no answer (unspecified). "
            "Try the redisplay filters.",
            (SavedMethod("pm_card_visa", "always"), SavedMethod("pm_card_amex", "limited"),
             SavedMethod("pm_card_discover", "unspecified"))),
    Persona("mia", "Mia Chen", "mia.chen@example.com",
            "A loyal customer with five saved methods, a bank account among them: the "
            "redisplay limit decides how many she sees.",
            (SavedMethod("pm_card_visa", "always"), SavedMethod("pm_card_mastercard", "always"),
             SavedMethod("pm_card_amex", "always"), SavedMethod("pm_card_discover", "always"),
             SavedMethod("pm_usBankAccount_success", "always"))),
    Persona("noah", "Noah Williams", "noah.williams@example.com",
            "Has an account but nothing saved yet: pay with a new card and tick 'save' "
            "(with the save feature on) to see it next time.",
            ()),
)}

DEFAULT_FEATURES: dict[str, Any] = {
    "payment_method_redisplay": "enabled",
    "payment_method_allow_redisplay_filters": ["always"],
    "payment_method_redisplay_limit": 3,
    "payment_method_save": "disabled",
    "payment_method_remove": "disabled",
}


# ---- where the workshop keeps things -----------------------------------------------------

def in_memory() -> bool:
    """Nothing on disk: nbval and the regeneration script run the emulator in memory, and no
    workshop directory was given. Otherwise sandboxes live in the workshop directory."""
    return not os.environ.get("KIT_WORKSHOP_DIR") and \
        os.environ.get("KIT_EMULATOR_DB") == ":memory:"


def workshop_dir() -> Path:
    return Path(os.environ.get("KIT_WORKSHOP_DIR") or DEFAULT_DIR).expanduser()


_emulator_lock = threading.Lock()


def workshop_emulator() -> Emulator:
    """The emulator the sandboxes live in: `<workshop dir>/emulator.sqlite3`, shared by every
    kernel of the workshop (and by the server's facilitator view).

    It becomes this process's emulator too, because the Payment Element's relay talks to the
    process's emulator: a kernel serving the app serves nothing else. (The lesson notebooks,
    served next to the app, keep theirs in memory: see `server.py`.)"""
    with _emulator_lock:
        if in_memory():
            return get_emulator()
        path = workshop_dir() / "emulator.sqlite3"
        # current_emulator, not get_emulator: the latter would first create the default
        # database (.kit/emulator.sqlite3 in the clone) only to be replaced here.
        current = current_emulator()
        if current is None or Path(current.store.path).resolve() != path.resolve():
            reset_emulator(Emulator(path))
        return get_emulator()


_ledger: Ledger | None = None
_ledger_lock = threading.Lock()


def ledger() -> Ledger:
    """This process's handle on the workshop ledger (in memory when the emulator is)."""
    global _ledger
    with _ledger_lock:
        if _ledger is None:
            _ledger = Ledger(":memory:" if in_memory() else workshop_dir() / "ledger.sqlite3")
        return _ledger


def workshop_secret() -> bytes:
    """The secret that turns browser ids into keys: KIT_WORKSHOP_SECRET, or a random one
    made once and kept in the workshop directory (readable by its owner only)."""
    given = os.environ.get("KIT_WORKSHOP_SECRET")
    if given:
        return given.encode()
    if in_memory():
        return b"kit-notebook"
    path = workshop_dir() / "secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another kernel made it first
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def keys_for(browser_id: str, secret: bytes | None = None) -> tuple[str, str]:
    """The (secret, publishable) key pair of a participant's sandbox."""
    if not browser_id or len(browser_id) > 200:
        raise ValueError("a browser id is 1-200 characters")
    digest = hmac.new(secret or workshop_secret(), browser_id.encode(), hashlib.sha256)
    suffix = "ws_" + digest.hexdigest()[:24]
    return "sk_test_" + suffix, "pk_test_" + suffix


# ---- one sandbox -------------------------------------------------------------------------

class Sandbox:
    """A participant's account on the emulator and everything the app does with it."""

    def __init__(self, browser_id: str, label: str | None = None) -> None:
        self.secret_key, self.publishable_key = keys_for(browser_id)
        self.emulator = workshop_emulator()
        self.account = self.emulator.account_of(self.secret_key)
        self.label = label or self.account[-6:]
        self.client = stripe.StripeClient(
            self.secret_key, http_client=EmulatorHTTPClient(self.emulator),
            base_addresses={"api": EMULATOR_API_BASE}, max_network_retries=0)
        self.ledger = ledger()
        self.state = self.ledger.arrive(self.account, self.label)
        self.ledger.visit(self.account, APP_NOTEBOOK)
        self.orders = self._order_book()
        self._listeners: list[Any] = []
        self._ensure_webhook_endpoint()

    def __repr__(self) -> str:  # never the keys
        return f"Sandbox(account={self.account!r}, persona={self.state.get('persona')!r})"

    # state --------------------------------------------------------------------------------
    def _save(self) -> None:
        self.ledger.save_state(self.account, self.state)

    @property
    def persona(self) -> Persona:
        return PERSONAS[self.state.get("persona") or "jenny"]

    @property
    def features(self) -> dict[str, Any]:
        return {**DEFAULT_FEATURES, **(self.state.get("features") or {})}

    def set_features(self, **features: Any) -> dict[str, Any]:
        unknown = set(features) - set(DEFAULT_FEATURES)
        if unknown:
            raise ValueError(f"unknown CustomerSession features: {sorted(unknown)}")
        self.state["features"] = {**self.features, **features}
        self._save()
        return self.features

    # orders and webhooks ------------------------------------------------------------------
    def _order_book(self) -> OrderBook:
        if in_memory():
            return OrderBook(":memory:")
        folder = workshop_dir() / "orders"
        folder.mkdir(parents=True, exist_ok=True)
        return OrderBook(folder / f"{self.account}.sqlite3")

    @property
    def receiver_url(self) -> str:
        return f"inprocess://workshop-{self.account}"

    def _ensure_webhook_endpoint(self) -> None:
        """One endpoint per sandbox, with a receiver URL of its own that any kernel serving
        this participant registers (after a reload, deliveries still find a receiver)."""
        self.emulator.add_receiver(self.receiver_url.removeprefix("inprocess://"),
                                   self._receive)
        endpoint_id = self.state.get("endpoint_id")
        if endpoint_id:
            try:
                endpoint = self.client.v1.webhook_endpoints.retrieve(endpoint_id)
                if endpoint.status == "enabled" and endpoint.url == self.receiver_url:
                    self.emulator.run_deliveries()  # anything that waited for a receiver
                    return
            except stripe.InvalidRequestError:
                pass
        endpoint = self.client.v1.webhook_endpoints.create(
            {"url": self.receiver_url, "enabled_events": list(WEBHOOK_EVENTS)})
        self.state["endpoint_id"] = endpoint.id
        self.state["endpoint_secret"] = endpoint.secret
        self._save()

    def _receive(self, payload: bytes, headers: dict[str, str]) -> int:
        """The participant's webhook endpoint: verify the signature, fulfil, answer 200."""
        try:
            event = stripe.Webhook.construct_event(
                payload, headers.get("Stripe-Signature", ""), self.state["endpoint_secret"])
        except (ValueError, stripe.SignatureVerificationError):
            return 400
        self.orders.handle(event.to_dict())
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a display refresh must never fail a delivery
                pass
        return 200

    def on_event(self, callback: Any) -> None:
        """Call `callback(event)` after each verified delivery (the app refreshes its view)."""
        self._listeners.append(callback)

    # customers ----------------------------------------------------------------------------
    def choose_persona(self, key: str) -> stripe.Customer:
        """Make `key` the current persona, creating its customer the first time."""
        if key not in PERSONAS:
            raise ValueError(f"unknown persona {key!r}; choose one of {sorted(PERSONAS)}")
        self.state["persona"] = key
        self._save()
        return self.customer()

    def customer(self) -> stripe.Customer:
        persona = self.persona
        customers = self.state.setdefault("customers", {})
        if persona.key in customers:
            try:
                return self.client.v1.customers.retrieve(customers[persona.key])
            except stripe.InvalidRequestError:
                pass  # gone (a reset elsewhere): make it again
        customer = self.client.v1.customers.create({
            "name": persona.name, "email": persona.email,
            "metadata": {"kit_persona": persona.key}})
        for method in persona.methods:
            pm = self.client.v1.payment_methods.attach(method.token, {"customer": customer.id})
            if pm.allow_redisplay != method.allow_redisplay:
                self.client.v1.payment_methods.update(
                    pm.id, {"allow_redisplay": method.allow_redisplay})
        customers[persona.key] = customer.id
        self._save()
        return customer

    def saved_methods(self) -> list[dict[str, Any]]:
        customer = self.customer()
        page = self.client.v1.customers.payment_methods.list(customer.id, {"limit": 100})
        return [pm.to_dict() for pm in page.data]

    def methods_shown(self) -> list[dict[str, Any]]:
        """The saved methods the Payment Element shows with the current features (the
        emulator's own rule, as `helpers.methods_the_element_shows`)."""
        customer = self.customer().to_dict()
        default = (customer.get("invoice_settings") or {}).get("default_payment_method")
        return select_redisplayable(self.saved_methods(), default, self.features)

    # paying -------------------------------------------------------------------------------
    def checkout(self, amount: int = 1099, currency: str = "usd") -> dict[str, str]:
        """The seed's endpoint for this sandbox: a PaymentIntent and a CustomerSession with
        the current features; returns both client secrets (and the PaymentIntent id)."""
        customer = self.customer()
        intent = self.client.v1.payment_intents.create({
            "amount": amount, "currency": currency, "customer": customer.id,
            "automatic_payment_methods": {"enabled": True}})
        session = self.client.v1.customer_sessions.create({
            "customer": customer.id,
            "components": {"payment_element": {"enabled": True, "features": self.features}}})
        return {"client_secret": intent.client_secret,
                "customer_session_client_secret": session.client_secret,
                "payment_intent": intent.id}

    def payment_intent(self, pi_id: str) -> stripe.PaymentIntent:
        """Retrieve with the secret key (this also lets due timers, e.g. a bank debit
        settling, fire and their webhooks go out)."""
        return self.client.v1.payment_intents.retrieve(pi_id)

    def record_outcome(self, outcome: dict[str, Any]) -> None:
        """What the browser reported after an attempt: only which PaymentIntent to show.

        Nothing a browser says is counted: the facilitator's figures are read from this
        account on the server (`truth.py`), and an id that is not this account's
        PaymentIntent is ignored."""
        pi_id = outcome.get("payment_intent_id") if isinstance(outcome, dict) else None
        if not isinstance(pi_id, str) or not pi_id.startswith("pi_") or len(pi_id) > 100:
            return
        if self.emulator.store.get(self.account, pi_id, "payment_intent") is None:
            return
        self.state["last_payment_intent"] = pi_id
        self._save()

    # looking ------------------------------------------------------------------------------
    def timeline(self, pi_id: str | None = None) -> Any:
        from ..timeline import Timeline, for_payment

        pi_id = pi_id or self.state.get("last_payment_intent")
        if not pi_id:
            return Timeline([], [], "no payment yet")
        return for_payment(self.emulator, self.account, pi_id, self.state.get("endpoint_id"))

    def events(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.client.v1.events.list({"limit": 100}).data]

    # starting again -----------------------------------------------------------------------
    def reset(self) -> None:
        """Reset my sandbox: forget this account's objects, events, deliveries and orders."""
        self.emulator.reset(self.account)
        self.ledger.forget(self.account)
        with self.orders._lock:  # same file, emptied: other kernels of mine keep working
            for table in ("orders", "outbox", "processed_events", "inbox"):
                self.orders._db.execute(f"DELETE FROM {table}")
        self.state = {}
        self._ensure_webhook_endpoint()
        self._save()


def describe_method(pm: dict[str, Any]) -> str:
    """`Visa •••• 4242 (always)`: what a row in the Payment Element says."""
    if pm["type"] == "card":
        card = pm["card"]
        label = f"{card['brand'].title()} •••• {card['last4']}"
    elif pm["type"] == "us_bank_account":
        bank = pm["us_bank_account"]
        label = f"{bank.get('bank_name') or 'Bank account'} •••• {bank.get('last4')}"
    else:
        label = pm["type"]
    return f"{label} ({pm.get('allow_redisplay')})"


def public_state(state: dict[str, Any]) -> str:
    """The state without its secrets, for logs."""
    return json.dumps({k: v for k, v in state.items() if "secret" not in k}, sort_keys=True)
