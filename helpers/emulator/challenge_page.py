"""The 3-D Secure test page, like Stripe test mode's: "Complete" or "Fail" the authentication."""

from __future__ import annotations

import html

import tornado.web

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3D Secure test authentication</title>
<style>
 body {{ font-family: system-ui, sans-serif; background: #f6f9fc; display: grid;
        place-items: center; min-height: 100vh; margin: 0; color: #30313d; }}
 main {{ background: #fff; padding: 2rem; border-radius: 8px; max-width: 26rem;
        box-shadow: 0 2px 12px rgba(0,0,0,.1); }}
 button {{ font: inherit; padding: .6rem 1.2rem; border-radius: 6px; border: 0;
          margin-right: .5rem; cursor: pointer; }}
 .complete {{ background: #0570de; color: #fff; }} .fail {{ background: #e5e7eb; }}
</style></head>
<body><main>
<h1>3D Secure 2 test page</h1>
<p>This is the offline emulator's test authentication for <code>{pi}</code>.
Choose what the cardholder's bank answers.</p>
<form method="post" action="/v1/test_helpers/kit/payment_intents/{pi}/authenticate">
 <button class="complete" name="outcome" value="complete">Complete</button>
 <button class="fail" name="outcome" value="fail">Fail</button>
</form></main></body></html>"""


class ChallengeHandler(tornado.web.RequestHandler):
    def get(self, pi_id: str) -> None:
        self.finish(PAGE.format(pi=html.escape(pi_id)))
