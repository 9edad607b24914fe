"""Put a Binder badge for your copy of this repository into README.md (one command).

    python3 scripts/binder_badge.py              # from a clone of GitHub: reads `origin`
    python3 scripts/binder_badge.py OWNER/REPO   # or say where it lives
    python3 scripts/binder_badge.py --remove     # back to the placeholder

Why: a badge needs the repository's GitHub address, which a kit copied, forked or renamed
cannot know in advance; a badge pointing at a made-up `OWNER/REPO` is a dead link. The README
holds a placeholder between `<!-- kit:binder-badge -->` markers until this fills it in.
Standard library only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- kit:binder-badge -->", "<!-- /kit:binder-badge -->"
APP = "voila/render/notebooks/06_workshop_app.ipynb"
PLACEHOLDER = ("No Binder badge yet: `python3 scripts/binder_badge.py OWNER/REPO` puts one here "
               "for your copy of this repository on GitHub (with no argument it reads the "
               "`origin` remote).")
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
REMOTE = re.compile(r"github\.com[:/]+([^/\s]+/[^/\s]+?)(?:\.git)?/?$")


def badge(slug: str) -> str:
    return (f"[![Binder](https://mybinder.org/badge_logo.svg)]"
            f"(https://mybinder.org/v2/gh/{slug}/HEAD?urlpath={APP})\n"
            "(opens the workshop app on Binder)")


def slug_from_origin(root: Path) -> str:
    out = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root,
                         capture_output=True, text=True)
    url = out.stdout.strip()
    match = REMOTE.search(url) if out.returncode == 0 else None
    if not match:
        raise SystemExit("binder_badge.py: no GitHub `origin` remote here"
                         + (f" ({url})" if url else "")
                         + "; pass OWNER/REPO, e.g. python3 scripts/binder_badge.py you/stripe-kit")
    return match.group(1)


def rewrite(readme: Path, body: str) -> None:
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"binder_badge.py: {readme} has no {START} … {END} block")
    readme.write_text(pattern.sub(lambda _: f"{START}\n{body}\n{END}", text, count=1),
                      encoding="utf-8")


def main(argv: list[str], root: Path = ROOT) -> int:
    readme = root / "README.md"
    if argv == ["--remove"]:
        rewrite(readme, PLACEHOLDER)
        print("README.md: Binder placeholder restored.")
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    slug = argv[0] if argv else slug_from_origin(root)
    if not SLUG.match(slug):
        print(f"binder_badge.py: {slug!r} is not OWNER/REPO", file=sys.stderr)
        return 2
    rewrite(readme, badge(slug))
    print(f"README.md: Binder badge for github.com/{slug} (opens {APP}).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
