"""What a browser test lets a page reach: this machine only.

`OfflineGuard.handle` routes every request of a Playwright context: local ones pass (and are
listed in `local`), URLs a test fulfils on purpose are answered, the rest are aborted and listed
in `outside`, so a test can show a page asked for nothing off the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Voilà's lab template links Font Awesome from a CDN (the same CSS is also bundled, so the page
# looks the same without it). Aborted like every other outside request; listed so tests can
# tell it apart from a request the kit itself makes.
VOILA_TEMPLATE_CDN = frozenset({
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/v4-shims.min.css",
})


def is_local(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:")) or \
        (urlsplit(url).hostname or "") in LOCAL_HOSTS


@dataclass
class OfflineGuard:
    fulfilments: dict[str, tuple[str, str]] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)

    def fulfil(self, url: str, body: str, content_type: str = "application/javascript") -> None:
        self.fulfilments[url] = (body, content_type)

    def handle(self, route: object) -> None:
        url = route.request.url
        if is_local(url):
            self.local.append(url)
            route.continue_()
            return
        self.outside.append(url)
        if url in self.fulfilments:
            body, content_type = self.fulfilments[url]
            route.fulfill(status=200, body=body, content_type=content_type,
                          headers={"Access-Control-Allow-Origin": "*"})
        else:
            route.abort()

    @property
    def unexpected(self) -> list[str]:
        """Off-machine URLs that were requested but not fulfilled on purpose."""
        return [url for url in self.outside if url not in self.fulfilments]

    @property
    def outside_but_voila_template(self) -> list[str]:
        """Off-machine URLs requested by anything but Voilà's own template (i.e. by the kit)."""
        return [url for url in self.outside if url not in VOILA_TEMPLATE_CDN]
