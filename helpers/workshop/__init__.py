"""Serving the kit to a workshop: the app (notebook 06), participant sandboxes, the server.

    python -m helpers.workshop [--host H] [--port N] [--token T]   # see __main__.py

- `app.WorkshopApp`: the Voilà app, one sandbox per browser.
- `sandbox.Sandbox`: a participant's own emulator account, customers, webhooks and orders.
- `ledger.Ledger`: who is here, where they are in the lessons, which exercises passed.
- `truth`: the facilitator's payment counts, read from each participant's emulator account.
- `boundary` / `kernel_hooks`: what every workshop kernel installs first (short widget
  errors, no traceback or server path to a page; lesson progress).
- `server`: Voilà with the workshop's settings, a landing page and the facilitator view
  (reset everyone, end workshop, the pool's warm-up).
"""

from __future__ import annotations

__all__ = ["WorkshopApp"]


def __getattr__(name: str):  # the app pulls in ipywidgets/anywidget: load it only when asked
    if name == "WorkshopApp":
        from .app import WorkshopApp

        return WorkshopApp
    raise AttributeError(f"module 'helpers.workshop' has no attribute {name!r}")
