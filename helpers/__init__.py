"""The kit's helpers: everything the notebooks import.

    import helpers
    backend = helpers.start()          # emulator by default, Stripe test mode with test keys
    customer = helpers.returning_customer()
    secrets = helpers.create_intent_and_customer_session(customer.id)
    helpers.PaymentElement(**secrets)  # the Payment Element, in the notebook
"""

from __future__ import annotations

from . import display, exercises, stripejs, test_actions
from .backend import Backend, KeyConfigError, LiveKeyError, configure, current, mask
from .customers import returning_customer, save_card, saved_methods
from .display import Table, mask_secret, payment_methods_table
from .envcheck import check_environment
from .fulfilment import OrderBook
from .saved_methods_report import SavedMethodsReport, explain_saved_methods
from .server_side import create_intent_and_customer_session, methods_the_element_shows
from .webhooks import Listener, listen

__all__ = [
    "Backend", "KeyConfigError", "Listener", "LiveKeyError", "OrderBook", "PaymentElement",
    "SavedMethodsReport", "Table", "check_environment", "configure",
    "create_intent_and_customer_session", "current", "display", "exercises",
    "explain_saved_methods", "listen", "mask", "mask_secret", "methods_the_element_shows",
    "payment_methods_table", "returning_customer", "save_card", "saved_methods", "start",
    "stripejs", "test_actions",
]


def start(account: str | None = None) -> Backend:
    """Configure the backend for this notebook, say which one is active, and check it works.

    Every lesson's setup cell calls this. Keys that select no backend (a live key, one key
    missing) and, in test mode, keys that fail kit.py's check (no network, a made-up or revoked
    key) raise `preflight.SetupStopped`: the notebook shows the advice alone and Run All stops here.
    `account` gives this notebook its own emulator account (a workshop participant's sandbox).
    """
    # imported here: `python -m helpers.preflight` (kit.py's check) must find it not yet loaded
    from . import preflight

    try:
        backend = configure(account=account)
    except (LiveKeyError, KeyConfigError) as error:
        raise preflight.SetupStopped(preflight.key_advice(error)) from None
    print(backend.describe())
    preflight.stop_unless_working(backend)
    return backend


def __getattr__(name: str):  # the widget pulls in anywidget: load it only when asked for
    if name == "PaymentElement":
        from .payment_element import PaymentElement

        return PaymentElement
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
