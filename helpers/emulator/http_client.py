"""stripe-python's public extension point: an `HTTPClient` that answers from the emulator.

`stripe.default_http_client = EmulatorHTTPClient()` (or `StripeClient(http_client=...)`) makes
every call of the real `stripe` library go to the in-process emulator, with no socket at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import stripe
from requests.structures import CaseInsensitiveDict

from .errors import MAX_BODY_BYTES, StripeError, request_too_large
from .forms import decode
from .store import compact_json

if TYPE_CHECKING:
    from .core import Emulator


class EmulatorHTTPClient(stripe.HTTPClient):
    name = "kit-emulator"

    def __init__(self, emulator: Emulator | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._emulator = emulator

    @property
    def emulator(self) -> Emulator:
        if self._emulator is None:
            from . import get_emulator

            return get_emulator()
        return self._emulator

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,
                post_data: Any = None, *, _usage: list[str] | None = None,
                ) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        try:
            params = decode(parts.query) if parts.query else {}
            if post_data:
                if len(post_data) > MAX_BODY_BYTES:
                    raise request_too_large(len(post_data))
                body = post_data.decode(errors="replace") if isinstance(post_data, bytes) \
                    else str(post_data)
                params.update(decode(body))
        except StripeError as exc:  # refused before the emulator could read it
            return compact_json(exc.body()), exc.status, CaseInsensitiveDict(exc.headers)
        headers = headers or {}
        auth = headers.get("Authorization", "")
        api_key = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        response = self.emulator.request(method, parts.path, params, api_key, headers)
        # stripe-python reads `request-id` case-insensitively, as from a real HTTP response.
        return response.json(), response.status, CaseInsensitiveDict(response.headers)

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None,
                       post_data: Any = None, *, _usage: list[str] | None = None) -> Any:
        raise NotImplementedError("The offline emulator has no streaming endpoints.")

    def close(self) -> None:
        pass
