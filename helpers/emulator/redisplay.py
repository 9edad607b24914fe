"""The one rule for which saved payment methods a Payment Element redisplays, and why not.

The emulator's `GET /v1/elements/sessions` uses it to choose what the element shows, and
`helpers.explain_saved_methods` uses it to say why a saved method is hidden: one function, so
the two cannot drift. Pure data in, verdicts out; no store, no API calls.

Facts (reference §1, API version 2026-10-28.endive): `payment_method_redisplay` defaults to
`disabled`; `payment_method_allow_redisplay_filters` defaults to `["always"]`;
`payment_method_redisplay_limit` defaults to 3, maximum 10; only the types in
`REDISPLAYABLE_TYPES` can be redisplayed. The order (the customer's default first, then newest
first) is UNCONFIRMED: no Stripe document states it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The types docs.stripe.com/payments/existing-customers lists as redisplayable (reference §1).
# Sofort is still named there, although Stripe discontinued it on 31 March 2025 (reference §9):
# a Sofort method saved before then is redisplayable, no new one can be made.
REDISPLAYABLE_TYPES = ("card", "link", "us_bank_account", "acss_debit", "sepa_debit",
                       "bacs_debit", "au_becs_debit", "nz_bank_account", "ideal", "sofort",
                       "bancontact")
ALLOW_REDISPLAY_VALUES = ("always", "limited", "unspecified")
DEFAULT_FILTERS = ("always",)
DEFAULT_LIMIT = 3
MAX_LIMIT = 10

# Why a saved method is hidden, in the order they are checked.
REDISPLAY_DISABLED = "redisplay_disabled"
TYPE_NOT_REDISPLAYABLE = "type_not_redisplayable"
TYPE_NOT_ACCEPTED = "type_not_accepted"
ALLOW_REDISPLAY_FILTERED = "allow_redisplay_filtered"
OVER_LIMIT = "over_limit"
REASONS = (REDISPLAY_DISABLED, TYPE_NOT_REDISPLAYABLE, TYPE_NOT_ACCEPTED,
           ALLOW_REDISPLAY_FILTERED, OVER_LIMIT)


@dataclass(frozen=True)
class Verdict:
    """One saved method's fate: its place in the element (1-based), or the reasons it is hidden.

    Every reason that applies is listed, except `over_limit`, which only a method that passes
    every other check can hit.
    """

    payment_method: Mapping[str, Any]
    position: int | None
    reasons: tuple[str, ...]

    @property
    def shown(self) -> bool:
        return self.position is not None


def redisplay_enabled(features: Mapping[str, Any] | None) -> bool:
    return (features or {}).get("payment_method_redisplay") == "enabled"


def allow_redisplay_filters(features: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The filters in force: unset, `null` or empty means the default, `["always"]`."""
    return tuple((features or {}).get("payment_method_allow_redisplay_filters")
                 or DEFAULT_FILTERS)


def redisplay_limit(features: Mapping[str, Any] | None) -> int:
    """The limit in force: unset or `null` means 3 (the client applies it); at most 10."""
    return min(int((features or {}).get("payment_method_redisplay_limit") or DEFAULT_LIMIT),
               MAX_LIMIT)


def _reasons(pm: Mapping[str, Any], enabled: bool, filters: Sequence[str],
             usable_types: Sequence[str] | None) -> tuple[str, ...]:
    found = []
    if not enabled:
        found.append(REDISPLAY_DISABLED)
    if pm["type"] not in REDISPLAYABLE_TYPES:
        found.append(TYPE_NOT_REDISPLAYABLE)
    # A saved method the payment cannot use (a SEPA debit for a USD payment) is not offered,
    # and does not use up the limit (UNCONFIRMED; the kit's reading).
    if usable_types is not None and pm["type"] not in usable_types:
        found.append(TYPE_NOT_ACCEPTED)
    if (pm.get("allow_redisplay") or "unspecified") not in filters:
        found.append(ALLOW_REDISPLAY_FILTERED)
    return tuple(found)


def element_order(methods: Iterable[Mapping[str, Any]],
                  default_id: str | None) -> list[Mapping[str, Any]]:
    """The customer's default first, then newest first (UNCONFIRMED, reference §1).

    Ties in `created` keep the given order (Stripe's list order, newest first), so the same
    list gives the same order wherever it is computed.
    """
    return sorted(methods, key=lambda pm: (pm["id"] != default_id, -int(pm.get("created") or 0)))


def judge(methods: Iterable[Mapping[str, Any]], default_id: str | None,
          features: Mapping[str, Any] | None,
          usable_types: Sequence[str] | None = None) -> list[Verdict]:
    """Every saved method's verdict: the shown ones first, in the element's order, then the
    hidden ones in the same order.

    `features` is `components.payment_element.features` (unset or `null` values take Stripe's
    defaults); `usable_types` is the PaymentIntent's `payment_method_types` (None: not checked).
    """
    enabled = redisplay_enabled(features)
    filters = allow_redisplay_filters(features)
    limit = redisplay_limit(features)
    shown: list[Verdict] = []
    hidden: list[Verdict] = []
    for pm in element_order(methods, default_id):
        reasons = _reasons(pm, enabled, filters, usable_types)
        if reasons:
            hidden.append(Verdict(pm, None, reasons))
        elif len(shown) < limit:
            shown.append(Verdict(pm, len(shown) + 1, ()))
        else:
            hidden.append(Verdict(pm, None, (OVER_LIMIT,)))
    return shown + hidden


def select_redisplayable(methods: Iterable[Mapping[str, Any]], default_id: str | None,
                         features: Mapping[str, Any] | None,
                         usable_types: Sequence[str] | None = None) -> list[Any]:
    """The saved methods a Payment Element shows, in its order (see `judge`)."""
    return [v.payment_method for v in judge(methods, default_id, features, usable_types)
            if v.shown]
