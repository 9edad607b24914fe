"""`python3 kit.py voila`: notebook 03 served so that the page needs nothing from the internet.

The server is started with the very command line and environment kit.py builds
(`kit.voila_invocation`: the kit's CDN-free `kit` template), after the notebook was trusted the
way kit.py's set-up does it. Chromium loads the page with every off-machine request recorded
and aborted; the test pays with the saved Visa, then asserts that no request left 127.0.0.1
(not even Voilà's own template CDN links) and that Voilà never logged "not trusted".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from local_servers import free_port, stop_group, wait_until_answers
from support.env import KEYS_AND_KIT, clean_env
from waits import OUTCOME_MS, SERVER_START_S, goto, wait_for

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

sys.path.insert(0, str(ROOT))
try:
    import kit
finally:
    sys.path.remove(str(ROOT))


def test_kit_voila_page_is_offline_and_trusted(offline_page: Any, tmp_path: Path) -> None:
    page = offline_page
    venv = Path(sys.prefix)
    port = free_port()
    argv, kit_environment = kit.voila_invocation(
        venv, ["--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"])
    env = clean_env(prefixes=(*KEYS_AND_KIT, "JUPYTER_"))
    env.update({"KIT_EMULATOR_DB": str(tmp_path / "emulator.sqlite3"), "KIT_DETERMINISTIC": "1",
                "JUPYTER_PATH": kit_environment["JUPYTER_PATH"],
                "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),  # holds the trust database
                "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")})
    trusted = subprocess.run([str(kit.venv_bin(venv, "jupyter")), "trust", kit.VOILA_NOTEBOOK],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert trusted.returncode == 0, trusted.stderr

    log = tmp_path / "kit-voila.log"
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/", process, timeout=SERVER_START_S)

        def detail() -> str:
            lines = log.read_text(errors="replace").splitlines()[-40:]
            return f"console: {page.kit_console[-20:]}\nVoilà log:\n" + "\n".join(lines)

        goto(page, base + "/", "kit.py voila to render notebook 03", detail=detail)
        visa = page.get_by_role("radio", name="Visa •••• 4242", exact=True).first
        wait_for(visa, "the Payment Element to show the saved Visa •••• 4242", detail=detail)
        widget = page.locator(".kit-payment-element").filter(has=visa).first
        visa.check()
        widget.get_by_role("button", name="Pay $10.99").click()
        wait_for(widget.get_by_text("Success! Payment received."),
                 "the widget to say the payment succeeded", OUTCOME_MS, detail)

        assert page.kit.outside == [], f"requests left 127.0.0.1: {page.kit.outside}"
        text = log.read_text(errors="replace")
        assert "is not trusted" not in text, "Voilà logged an untrusted notebook"
    finally:
        stop_group(process)
