"""The workshop: sandboxes kept apart and kept across reloads, the app without a browser,
the server's settings, the facilitator's counts, the JupyterHub file and `kit.py workshop`.

Browser tests of the served app are in tests/browser/test_workshop.py.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.emulator import get_emulator, reset_emulator
from helpers.workshop import sandbox as sandbox_module
from helpers.workshop.ledger import Ledger
from helpers.workshop.sandbox import PERSONAS, Sandbox, describe_method, keys_for
from helpers.workshop.truth import account_counts

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workshop directory on disk, as the server gives its kernels."""
    monkeypatch.setenv("KIT_WORKSHOP_DIR", str(tmp_path))
    monkeypatch.setenv("KIT_EMULATOR_DB", ":memory:")
    monkeypatch.setenv("KIT_BACKEND", "emulator")
    monkeypatch.delenv("KIT_DETERMINISTIC", raising=False)
    monkeypatch.delenv("KIT_WORKSHOP_SECRET", raising=False)
    reset_emulator(None)
    monkeypatch.setattr(sandbox_module, "_ledger", None)
    yield tmp_path
    emulator = get_emulator()
    reset_emulator(None)
    emulator.store.close()
    if sandbox_module._ledger is not None:
        sandbox_module._ledger.close()


def pay(box: Sandbox, method_id: str) -> str:
    """What the browser does: confirm with the publishable key and the client secret."""
    secrets = box.checkout()
    pi = secrets["payment_intent"]
    response = box.emulator.request(
        "POST", f"/v1/payment_intents/{pi}/confirm",
        {"client_secret": secrets["client_secret"], "payment_method": method_id,
         "return_url": "http://127.0.0.1/done"}, api_key=box.publishable_key)
    box.record_outcome({"status": response.body.get("status") or "requires_payment_method",
                        "payment_intent_id": pi, "error": response.body.get("error")})
    return pi


def visa(box: Sandbox) -> str:
    return next(m["id"] for m in box.saved_methods() if m["type"] == "card"
                and m["card"]["last4"] == "4242")


# ---- keys --------------------------------------------------------------------------------

def test_keys_are_a_pair_per_browser_and_unguessable() -> None:
    sk, pk = keys_for("browser-1", b"secret")
    assert sk.startswith("sk_test_ws_") and pk.startswith("pk_test_ws_")
    assert sk[len("sk_test_"):] == pk[len("pk_test_"):]  # one emulator account
    assert keys_for("browser-1", b"secret") == (sk, pk)  # a reload gets them back
    assert keys_for("browser-2", b"secret")[0] != sk
    assert keys_for("browser-1", b"other workshop")[0] != sk
    assert "browser-1" not in sk
    with pytest.raises(ValueError):
        keys_for("", b"secret")


def test_workshop_secret_is_made_once_and_private(workshop: Path) -> None:
    first = sandbox_module.workshop_secret()
    assert sandbox_module.workshop_secret() == first
    assert oct((workshop / "secret").stat().st_mode & 0o777) == "0o600"


# ---- isolation and persistence -----------------------------------------------------------

def test_two_participants_never_see_each_other(workshop: Path) -> None:
    alice, bob = Sandbox("alice-browser"), Sandbox("bob-browser")
    assert alice.account != bob.account
    alice.choose_persona("jenny")
    bob.choose_persona("jenny")
    pi_a, pi_b = pay(alice, visa(alice)), pay(bob, visa(bob))

    for me, other, my_pi, their_pi in ((alice, bob, pi_a, pi_b), (bob, alice, pi_b, pi_a)):
        customers = {c.id for c in me.client.v1.customers.list({"limit": 100}).data}
        assert customers == set(me.state["customers"].values())
        assert not customers & set(other.state["customers"].values())
        intents = {p.id for p in me.client.v1.payment_intents.list({"limit": 100}).data}
        assert my_pi in intents and their_pi not in intents
        events = me.events()
        assert events and all(their_pi not in json.dumps(e) for e in events)
        assert set(me.orders.statuses()) == {my_pi}
        assert their_pi not in repr(me.timeline())
    # the publishable key of one cannot read the other's payment either
    response = alice.emulator.request("GET", f"/v1/payment_intents/{pi_b}", {},
                                      api_key=alice.publishable_key)
    assert response.status == 404


def test_a_reload_gets_the_same_sandbox_back(workshop: Path) -> None:
    first = Sandbox("carol-browser")
    first.choose_persona("oliver")
    first.set_features(payment_method_redisplay_limit=2)
    customer = first.customer().id
    pi = pay(first, visa(first))

    again = Sandbox("carol-browser")  # what a reload does: same browser id, new app
    assert again.account == first.account
    assert again.persona.key == "oliver"
    assert again.features["payment_method_redisplay_limit"] == 2
    assert again.customer().id == customer
    assert again.orders.statuses() == {pi: "paid"}
    assert again.state["last_payment_intent"] == pi
    # ... and nobody else's
    assert Sandbox("dave-browser").orders.statuses() == {}


def test_state_survives_a_kernel_restart(workshop: Path) -> None:
    """Another process (a restarted kernel) opens the same sandbox from the SQLite files."""
    box = Sandbox("erin-browser")
    box.choose_persona("mia")
    pi = pay(box, visa(box))
    code = ("from helpers.workshop.sandbox import Sandbox; b = Sandbox('erin-browser');"
            " print(b.persona.key, b.customer().id, b.orders.statuses())")
    env = {**os.environ, "KIT_WORKSHOP_DIR": str(workshop)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.split()[0] == "mia"
    assert box.customer().id in out
    assert f"'{pi}': 'paid'" in out


def test_reset_empties_only_my_sandbox(workshop: Path) -> None:
    mine, theirs = Sandbox("frank-browser"), Sandbox("grace-browser")
    pay(mine, visa(mine))
    their_pi = pay(theirs, visa(theirs))
    mine.reset()
    assert mine.orders.count() == 0
    assert mine.client.v1.customers.list().data == []
    assert mine.ledger.activity(mine.account) == []
    assert theirs.orders.statuses() == {their_pi: "paid"}
    assert theirs.client.v1.customers.list().data
    # and the sandbox works again after a reset: webhooks included
    pi = pay(mine, visa(mine))
    assert mine.orders.statuses() == {pi: "paid"}


# ---- personas and features ---------------------------------------------------------------

def test_personas_differ_in_saved_methods_and_allow_redisplay(workshop: Path) -> None:
    box = Sandbox("heidi-browser")
    seen = {}
    for key in PERSONAS:
        box.choose_persona(key)
        seen[key] = sorted(describe_method(m) for m in box.saved_methods())
    assert seen["jenny"] == ["Mastercard •••• 4444 (always)", "Visa •••• 4242 (always)"]
    assert seen["oliver"] == ["Amex •••• 0005 (limited)", "Discover •••• 1117 (unspecified)",
                              "Visa •••• 4242 (always)"]
    assert len(seen["mia"]) == 5 and any("STRIPE TEST BANK" in m.upper() or "6789" in m
                                         for m in seen["mia"])
    assert seen["noah"] == []


def test_features_decide_what_the_element_lists(workshop: Path) -> None:
    box = Sandbox("ivan-browser")
    box.choose_persona("oliver")
    assert [m["card"]["brand"] for m in box.methods_shown()] == ["visa"]
    box.set_features(payment_method_allow_redisplay_filters=["always", "limited",
                                                             "unspecified"])
    assert len(box.methods_shown()) == 3
    box.set_features(payment_method_redisplay="disabled")
    assert box.methods_shown() == []
    box.choose_persona("mia")
    box.set_features(payment_method_redisplay="enabled", payment_method_redisplay_limit=2)
    assert len(box.methods_shown()) == 2
    with pytest.raises(ValueError):
        box.set_features(payment_method_everything="enabled")


# ---- the app, without a browser ----------------------------------------------------------

def test_app_without_a_browser(workshop: Path) -> None:
    from helpers.workshop.app import WorkshopApp

    app = WorkshopApp(browser_id="judy-browser")
    assert "Jenny Rosen" in repr(app)
    assert app.checkout_widget is not None and app.checkout_widget.ready is False
    first_widget = app.checkout_widget
    # a feature toggle: a new PaymentIntent + CustomerSession, so a new Payment Element
    app.persona.value = "oliver"
    assert "Visa •••• 4242" in app.shown.value and "Amex" in app.shown.value  # hidden list
    app.filters["limited"].value = True
    assert app.checkout_widget is not first_widget
    assert app.sandbox.features["payment_method_allow_redisplay_filters"] == ["always",
                                                                               "limited"]
    # the browser reports an outcome: recorded for the facilitator, shown to the participant
    pi = pay(app.sandbox, visa(app.sandbox))
    app._on_outcome({"status": "succeeded", "payment_intent_id": pi, "error": None})
    assert "succeeded" in app.outcome.value
    assert pi in app.orders.value and "paid" in app.orders.value
    assert "payment_intent.succeeded" in repr(app.sandbox.timeline())
    app.reset()
    assert app.sandbox.orders.count() == 0 and app.persona.value == "jenny"


def test_app_waits_for_the_browser_in_voila(workshop: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """In a preheated Voilà kernel nothing personal is created until the page reports."""
    from helpers.workshop.app import WorkshopApp

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    app = WorkshopApp()
    assert app.sandbox is None and repr(app) == "WorkshopApp(waiting for a browser)"
    assert get_emulator().store.execute("SELECT COUNT(*) FROM objects").fetchone()[0] == 0
    app.identity.browser_id = "kate-browser"  # what the widget's JavaScript does
    assert app.sandbox is not None and app.sandbox.customer().name == "Jenny Rosen"


def test_widget_state_holds_no_secret(workshop: Path) -> None:
    from helpers.workshop.app import WorkshopApp

    app = WorkshopApp(browser_id="leo-browser")
    states = json.dumps([w.get_state() for w in (app.identity, app.checkout_widget)],
                        default=str)
    widget = app.checkout_widget
    for secret in (app.sandbox.secret_key, widget._client_secret,
                   widget._customer_session_client_secret, app.sandbox.state["endpoint_secret"]):
        assert secret not in states


# ---- the facilitator's counts ------------------------------------------------------------

def test_facilitator_summary_counts_without_secrets(workshop: Path) -> None:
    a, b = Sandbox("mallory-browser"), Sandbox("nina-browser")
    pay(a, visa(a))
    declined = a.client.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                                  {"customer": a.customer().id})
    pay(a, declined.id)
    pay(b, visa(b))
    # forged widget updates: a browser can report anything; none of it is counted
    for forged in ({"status": "succeeded", "payment_intent_id": "pi_made_up"},
                   {"status": "teleported", "payment_intent_id": "pi_made_up2"},
                   {"status": "succeeded", "error": {"code": "made_up"}}):
        b.record_outcome(forged)
    counts = account_counts(workshop / "emulator.sqlite3")
    summary = Ledger(workshop / "ledger.sqlite3").summary([os.getpid()], counts)
    assert summary["participants"] == 2 and summary["connected"] == 2
    assert summary["payments_by_status"] == {"succeeded": 2, "requires_payment_method": 1}
    assert summary["errors_by_code"] == {"generic_decline": 1} and summary["errors"] == 1
    people = {p["participant"]: p for p in summary["people"]}
    assert people[a.label]["payments"] == 2 and people[b.label]["succeeded"] == 1
    assert people[a.label]["events"] > 0
    text = json.dumps(summary)
    assert "sk_test" not in text and "whsec" not in text and "acct_" not in text
    assert "example.com" not in text and "Jenny" not in text
    assert Ledger(workshop / "ledger.sqlite3").summary(live_pids=[])["connected"] == 0


# ---- serving -----------------------------------------------------------------------------

def test_server_settings() -> None:
    from helpers.workshop.server import APP_NOTEBOOK, workshop_config

    c = workshop_config(host="0.0.0.0", port=9000, token="t0k", pool_size=12)
    assert (c.Voila.ip, c.Voila.port, c.Voila.token) == ("0.0.0.0", 9000, "t0k")
    assert c.VoilaConfiguration.preheat_kernel is True
    assert c.VoilaKernelManager.kernel_pools_config == {"default": {"pool_size": 0},
                                                        APP_NOTEBOOK: {"pool_size": 12}}
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.template == "kit"
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.MappingKernelManager.cull_idle_timeout > 0
    assert c.MappingKernelManager.cull_connected is False
    # a page sends its kernel widget messages only: no code, no introspection
    allowed = set(c.MappingKernelManager.allowed_message_types)
    assert "comm_msg" in allowed and "kernel_info_request" in allowed
    assert not allowed & {"execute_request", "inspect_request", "complete_request",
                          "history_request", "debug_request"}
    assert workshop_config(token=None).Voila.token == ""
    # a large pool warming on few cores: no TCP port races, no outputs dropped after 4 s
    assert c.KernelManager.transport == "ipc"  # (tcp only where ZeroMQ lacks ipc: Windows)
    assert c.VoilaExecutor.iopub_timeout >= 60


def test_kernels_start_with_the_boundary(tmp_path: Path) -> None:
    from helpers.workshop.server import kernel_profile, workshop_environment

    ipython_dir = kernel_profile(tmp_path)
    assert workshop_environment(tmp_path)["IPYTHONDIR"] == str(ipython_dir)
    startup = (ipython_dir / "profile_default" / "startup" / "00-kit-workshop.py").read_text()
    ast.parse(startup)
    assert "boundary.py" in startup and "kernel_hooks" in startup


def test_kit_template_has_no_outside_url() -> None:
    template = ROOT / "helpers/workshop/share/voila/templates/kit/index.html.j2"
    for page in (template, template.with_name("page.html"), template.with_name("error.html")):
        text = page.read_text()
        assert not re.search(r"""(href|src)=["']?(https?:)?//""", text), f"{page.name}: outside"
        assert "cdn.jsdelivr.net/npm" not in text and "cdnjs" not in text
    assert json.loads(template.with_name("conf.json").read_text())["base_template"] == "lab"


def test_jupyterhub_config_opens_the_app() -> None:
    from traitlets.config import Config

    path = ROOT / "helpers/workshop/jupyterhub_config.py"
    c = Config()
    namespace = {"get_config": lambda: c, "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert c.Spawner.default_url == "/voila/render/notebooks/06_workshop_app.ipynb"
    assert (Path(c.Spawner.notebook_dir) / "notebooks/06_workshop_app.ipynb").exists()
    assert "--VoilaConfiguration.show_tracebacks=False" in c.Spawner.args
    share = Path(c.Spawner.environment["JUPYTER_PATH"])
    assert (share / "voila/templates/kit/index.html.j2").exists()
    assert c.Spawner.environment["KIT_BACKEND"] == "emulator"


def test_cli_help_and_arguments() -> None:
    from helpers.workshop.__main__ import parse

    args = parse(["--host", "0.0.0.0", "--port", "9001", "--token", "abc", "--pool-size", "5"])
    assert (args.host, args.port, args.token, args.pool_size) == ("0.0.0.0", 9001, "abc", 5)
    out = subprocess.run([sys.executable, "-m", "helpers.workshop", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--token" in out.stdout


def test_kit_py_has_a_workshop_command(monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        import kit
    finally:
        sys.path.remove(str(ROOT))
    assert "workshop" in kit.COMMANDS
    command, _, args = kit.parse_args(["workshop", "--host", "0.0.0.0", "--token", "t"])
    assert command == "workshop" and args == ["--host", "0.0.0.0", "--token", "t"]
    calls = []
    monkeypatch.setattr(kit, "ensure_venv", lambda venv: Path(sys.executable))
    monkeypatch.setattr(kit, "ensure_installed", lambda *a: None)
    monkeypatch.setattr(kit, "replace_process", lambda argv, env=None: calls.append(argv) or 0)
    assert kit.main(["workshop", "--port", "9002"]) == 0
    assert calls[0][1:] == ["-m", "helpers.workshop", "--port", "9002"]
    tree = ast.parse((ROOT / "kit.py").read_text())
    assert any(isinstance(n, ast.Constant) and n.value == "workshop" for n in ast.walk(tree))


def test_a_lessons_payments_count_for_its_participant(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lesson opened with the participant's id keeps its emulator in a file of its kernel's
    own; the facilitator's counts add it to the app's sandbox, and a reset removes it."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from helpers.emulator import DEFAULT_SECRET_KEY
    from helpers.exercises import core
    from helpers.workshop import kernel_hooks
    from helpers.workshop.server import reset_everyone
    from helpers.workshop.truth import workshop_counts

    app = Sandbox("lena-browser")
    pay(app, visa(app))
    monkeypatch.setattr(core, "ON_CHECK", [])
    account = kernel_hooks.track_lesson("05_when_things_go_wrong.ipynb", "lena-browser")
    assert account == app.account
    database = Path(os.environ["KIT_EMULATOR_DB"])
    assert database.parent == workshop / "lessons" / account
    reset_emulator(None)  # the lesson's emulator, made after the hook ran
    lesson = get_emulator()
    for card in ("pm_card_visa", "pm_card_chargeDeclined"):
        answer = lesson.request("POST", "/v1/payment_intents", {
            "amount": "1500", "currency": "usd", "payment_method": card, "confirm": "true",
            "return_url": "http://127.0.0.1/done"}, api_key=DEFAULT_SECRET_KEY)
        assert answer.status in (200, 402), answer.body
    # another tab of the same lesson: a kernel of its own, its own (empty) file
    other = kernel_hooks.lesson_database(workshop, account, "05_when_things_go_wrong.ipynb",
                                         os.getpid() + 1)
    assert other != database and not other.exists()

    counts = workshop_counts(workshop)[account]
    assert counts["payments_by_status"] == {"succeeded": 2, "requires_payment_method": 1}
    assert counts["errors_by_code"] == {"generic_decline": 1}
    assert workshop_counts(workshop).keys() == {account}

    class NoKernels:
        def list_kernel_ids(self) -> list[str]:
            return []

    lesson.store.close()
    reset_emulator(None)
    # (in a thread of its own: the browser tests' Playwright may hold this thread's loop)
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, reset_everyone(NoKernels(), workshop)).result()
    assert not (workshop / "lessons" / account).exists()
    assert workshop_counts(workshop).get(account, {}).get("payments", 0) == 0


def test_the_workshop_emulator_never_creates_the_default_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub user's kernel opened the clone's `.kit/emulator.sqlite3` (the process default) only
    to replace it with the workshop's: a file in the shared checkout that nobody used."""
    default = tmp_path / "default.sqlite3"
    monkeypatch.setenv("KIT_EMULATOR_DB", str(default))  # where get_emulator() would create it
    monkeypatch.setenv("KIT_WORKSHOP_DIR", str(tmp_path / "workshop"))
    reset_emulator(None)
    emulator = sandbox_module.workshop_emulator()
    assert Path(emulator.store.path) == tmp_path / "workshop" / "emulator.sqlite3"
    assert get_emulator() is emulator
    assert not default.exists(), "the process's default emulator database was created"
