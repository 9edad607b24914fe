"""Serve the Payment Element's browser module over HTTP, so each browser fetches it once.

The widget's state carries only a small loader; the module itself (~100 kB, see
`helpers.payment_element.module_source`) is served at `<base_url>kit/static/payment-element.js`.
With the version in the query (`?v=<hash>`, which is what the loader asks for) the answer may be
cached for a year: a new version is a new URL. Without it, browsers revalidate (ETag).

Where it is served:
- the workshop server (`python -m helpers.workshop`) adds `handlers(base_url)` to its routes;
- JupyterLab / Jupyter Server, as a server extension:
  `jupyter lab --ServerApp.jpserver_extensions="{'helpers.widget_static': True}"`.
A server that serves it sets `KIT_WIDGET_STATIC=1` in its environment, which the kernels it
starts inherit, so their widgets point the loader at it. Anywhere else (plain Voilà, VS Code)
the loader gets the module from the kernel once and the browser keeps it in localStorage.

The module holds no secret and no participant's data (the same text for everyone), so it is
served without authentication, like a page's other static files.
"""

from __future__ import annotations

import functools
import gzip
import os
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from .payment_element import STATIC_ENV, STATIC_ROUTE, module_source, module_version

YEAR = 365 * 24 * 3600


@functools.lru_cache(maxsize=2)
def _body(version: str, compressed: bool) -> bytes:
    """The module's bytes (gzip: about a quarter of the size), made once per version."""
    raw = module_source().encode()
    return gzip.compress(raw, compresslevel=9, mtime=0) if compressed else raw


class ModuleHandler(tornado.web.RequestHandler):
    """GET the Payment Element's module (JavaScript, cacheable when versioned)."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        if self.get_query_argument("v", "") == module_version():
            self.set_header("Cache-Control", f"public, max-age={YEAR}, immutable")
        else:
            self.set_header("Cache-Control", "no-cache")  # revalidate with the ETag
        self.set_header("Vary", "Accept-Encoding")
        compressed = "gzip" in self.request.headers.get("Accept-Encoding", "")
        if compressed:
            self.set_header("Content-Encoding", "gzip")
        self.finish(_body(module_version(), compressed))


def handlers(base_url: str) -> list[tuple[str, Any]]:
    """The route to add to a tornado/Jupyter server; marks this process's environment so the
    kernels it starts afterwards tell their widgets the module is here."""
    os.environ[STATIC_ENV] = "1"
    return [(url_path_join(base_url, STATIC_ROUTE), ModuleHandler)]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "helpers.widget_static"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Jupyter Server's hook: add the route to JupyterLab's (or a hub user server's) app."""
    serverapp.web_app.add_handlers(".*$", handlers(serverapp.base_url))
