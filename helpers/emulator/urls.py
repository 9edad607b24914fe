"""Webhook endpoint URLs: which ones the emulator can send to, and which stay on this machine.

`unusable_reason` is checked when an endpoint is created or updated, so that a URL the sender
(urllib / http.client) would choke on is refused with Stripe's error instead of being stored.
`is_local` tells the fixture runner which deliveries stay on this machine.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import StripeError

INPROCESS = "inprocess://"  # an in-process receiver registered from a notebook
# What http.client refuses anywhere in a URL (control characters), plus the space.
_DISALLOWED = re.compile(r"[\x00-\x20\x7f]")
LOCAL_NAMES = frozenset({"localhost"})


def unusable_reason(url: str) -> str | None:
    """Why the emulator could never send a delivery to `url`, or None if it could."""
    if url.startswith(INPROCESS):
        name = url[len(INPROCESS):]
        return None if name and not _DISALLOWED.search(name) else "it names no receiver"
    if _DISALLOWED.search(url):
        return "it contains a space or a control character (percent-encode it)"
    if not url.isascii():
        # Stripe's handling of internationalised URLs is UNCONFIRMED; the sender needs ASCII.
        return "it contains non-ASCII characters (percent-encode the path, use the punycode host)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return f"it cannot be parsed ({exc})"
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it has no host"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return "its host name is not valid"
    return None


def check_endpoint_url(url: object, param: str = "url") -> str:
    """`url` if deliveries can be sent to it, else Stripe's refusal.

    Stripe answers an unusable URL (captured for `success_url`, `return_url`) with
    `url_invalid`, "Not a valid URL"; that webhook endpoints answer the very same is
    UNCONFIRMED. The emulator adds why, after Stripe's words.
    """
    reason = ("it is not a string" if not isinstance(url, str)
              else unusable_reason(url))
    if reason is not None:
        raise StripeError(400, f"Not a valid URL: {reason}. The URL must be an http(s) URL (or"
                          " an in-process receiver registered with the kit).",
                          code="url_invalid", param=param)
    return str(url)


def is_local(url: str) -> bool:
    """Does a delivery to `url` stay on this machine (in-process, loopback, localhost)?"""
    if url.startswith(INPROCESS):
        return True
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
