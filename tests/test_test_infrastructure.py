"""The test suite's own infrastructure (tests/support, the conftests): each test starts on the
same world, a developer's shell does not reach the tests, and more in later sections."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import stripe
from support import state
from support.checkout import CheckoutGuard
from support.env import KEYS_AND_KIT, clean_env
from support.waits import poll_until, read_line

import helpers.backend
import helpers.emulator
import helpers.workshop.sandbox
from helpers.emulator import Emulator, reset_emulator
from helpers.exercises import core as exercises_core

ROOT = Path(__file__).resolve().parents[1]
TEST_SK = "sk_test_" + "kitfake_0123456789abcdef"
TEST_PK = "pk_test_" + "kitfake_0123456789abcdef"


def run_pytest(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# ---- global state -------------------------------------------------------------------------

def test_each_test_starts_on_the_sessions_world() -> None:
    """Whatever ran before (in any order): no backend chosen, no process emulator, stripe's
    settings untouched, and the session's environment (offline emulator, in memory)."""
    assert helpers.backend._current is None
    assert helpers.emulator._emulator is None
    assert helpers.workshop.sandbox._ledger is None
    assert state.take().stripe_globals == state.AT_IMPORT.stripe_globals
    assert stripe.api_key is None and stripe.default_http_client is None
    assert os.environ["KIT_EMULATOR_DB"] == ":memory:"
    assert os.environ["KIT_BACKEND"] == "emulator" and os.environ["KIT_DETERMINISTIC"] == "1"
    assert not [name for name in os.environ if name.startswith("STRIPE_")]
    assert exercises_core._hints_given == {}


def test_kept_puts_every_global_back(tmp_path: Path) -> None:
    before = state.take()
    os.environ["KIT_WIDGET_STATIC"] = "1"  # as helpers.widget_static writes it
    os.environ["KIT_EMULATOR_DB"] = str(tmp_path / "leak.sqlite3")  # as the emulator CLI does
    removed = next(iter(before.environ))
    with state.kept():
        os.environ.pop(removed)
        os.environ["KIT_WORKSHOP_PARTICIPANT"] = "p1"
        os.environ["KIT_WORKSHOP_DIR"] = str(tmp_path / "workshop")  # the ledger below: here
        helpers.backend.configure({"STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK},
                                  dotenv=tmp_path / "absent.env")
        stripe.max_network_retries = 3
        stripe.api_version = "2020-08-27"
        leaked = Emulator(":memory:")
        reset_emulator(leaked)
        helpers.workshop.sandbox.ledger()
        exercises_core._hints_given["x"] = 1
    after = state.take()
    assert "KIT_WORKSHOP_PARTICIPANT" not in os.environ and removed in os.environ
    assert "KIT_WORKSHOP_DIR" not in os.environ
    assert os.environ["KIT_EMULATOR_DB"] == str(tmp_path / "leak.sqlite3")  # set before: kept
    assert after.environ == dict(os.environ)
    assert after.stripe_globals == state.take().stripe_globals
    assert stripe.api_key is None
    assert stripe.max_network_retries == before.stripe_globals["max_network_retries"]
    assert stripe.api_version == before.stripe_globals["api_version"]
    assert helpers.backend._current is None and helpers.emulator._emulator is None
    assert helpers.workshop.sandbox._ledger is None and exercises_core._hints_given == {}
    # the emulator the test left behind is closed, not just forgotten
    assert leaked.store._db.execute  # noqa: B018  (still an object)
    try:
        leaked.store._db.execute("select 1")
    except Exception as closed:  # sqlite3.ProgrammingError: closed database
        assert "closed" in str(closed)
    else:
        raise AssertionError("the leaked emulator's database is still open")


@pytest.mark.slow  # runs pytest in a subprocess
def test_a_developers_exported_settings_do_not_reach_the_tests(tmp_path: Path) -> None:
    """Plain `pytest` in a shell with KIT_EMULATOR_DB and keys exported: the tests still run on
    an in-memory emulator (nothing is written to the developer's database) without the keys."""
    theirs = tmp_path / "developer.sqlite3"
    env = {**os.environ, "KIT_EMULATOR_DB": str(theirs), "KIT_BACKEND": "stripe",
           "STRIPE_SECRET_KEY": TEST_SK, "STRIPE_PUBLISHABLE_KEY": TEST_PK,
           "KIT_DETERMINISTIC": "0", "KIT_WEBHOOK_RETRY_SCHEDULE": "0"}
    ran = run_pytest(f"{__file__}::test_each_test_starts_on_the_sessions_world",
                     "tests/test_backend.py::test_no_keys_selects_the_emulator", "-q", env=env)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "2 passed" in ran.stdout
    assert not theirs.exists()


# ---- hangs --------------------------------------------------------------------------------

HANGING_TESTS = '''
import threading


def test_before():
    pass


def test_waits_for_ever():
    threading.Event().wait()  # nothing will ever set it


def test_after():
    pass
'''


@pytest.mark.slow  # runs pytest in a subprocess
def test_a_hanging_test_is_stopped_and_named(tmp_path: Path) -> None:
    """pytest-timeout stops the hanging test, names it, and the run goes on to the next."""
    (tmp_path / "test_hangs.py").write_text(HANGING_TESTS)
    ran = run_pytest("-p", "no:cacheprovider", "--timeout", "3", "-p", "no:randomly",
                     "test_hangs.py", cwd=tmp_path, timeout=120)
    out = ran.stdout + ran.stderr
    assert ran.returncode == 1, out
    assert "FAILED test_hangs.py::test_waits_for_ever - Failed: Timeout" in out, out
    assert "2 passed" in out and "1 failed" in out, out


def test_the_suite_has_a_per_test_timeout(pytestconfig) -> None:
    """pyproject's `timeout` reaches pytest-timeout (a typo'd key would be ignored silently)."""
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getini("timeout")) <= 900


def child(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def test_read_line_gives_up_at_its_deadline_and_names_what_it_waited_for() -> None:
    silent = child("import sys; sys.stdin.read()")  # says nothing until its stdin closes
    try:
        with pytest.raises(TimeoutError, match=r"no line of the silent child's greeting within"
                                               r" 0.5 s \(the process is still running\)"):
            read_line(silent, 0.5, "the silent child's greeting")
    finally:
        silent.kill()
        silent.communicate()


def test_read_line_reads_a_line_and_reports_a_closed_output() -> None:
    talker = child("print('hello', flush=True)")
    assert read_line(talker, 60, "the greeting") == "hello\n"
    with pytest.raises(EOFError, match="the second line: the process closed its output"):
        read_line(talker, 60, "the second line")
    talker.communicate(timeout=60)


# ---- nothing left in the checkout ---------------------------------------------------------

def git_checkout(folder: Path) -> Path:
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True, timeout=60)
    (folder / ".gitignore").write_text(".kit/\nbuild/\n__pycache__/\n")
    return folder


def test_the_guard_lists_new_untracked_and_kit_files_only(tmp_path: Path) -> None:
    repo = git_checkout(tmp_path / "repo")
    (repo / "already.txt").write_text("there before the run")
    (repo / ".kit" / "npm").mkdir(parents=True)
    (repo / ".kit" / "old.sqlite3").write_text("")
    guard = CheckoutGuard(repo)
    assert guard.new_files(test_pid=1) == []
    (repo / "build").mkdir()
    (repo / "build" / "ignored.txt").write_text("")  # ignored, not under .kit/: not counted
    (repo / ".kit" / "npm" / "proxy.js").write_text("")  # .ci/run's proxy: not counted
    (repo / "notes" / "left.txt").parent.mkdir()
    (repo / "notes" / "left.txt").write_text("")
    (repo / ".kit" / "books").mkdir()
    for name in ("orders-1.sqlite3", "orders-1.sqlite3-wal", "orders-777.sqlite3"):
        (repo / ".kit" / "books" / name).write_text("")
    (repo / ".kit" / "emulator.sqlite3").write_text("")
    # a book of the test process itself (pid 1 here) counts; one of a kernel (777) does not
    assert guard.new_files(test_pid=1) == [".kit/books/orders-1.sqlite3",
                                           ".kit/books/orders-1.sqlite3-wal",
                                           ".kit/emulator.sqlite3", "notes/left.txt"]


LEAVES_A_FILE = '''
from pathlib import Path


def test_writes_under_tmp_path(tmp_path):
    (tmp_path / "fine.txt").write_text("ok")


def test_writes_into_the_checkout():
    Path(__file__).with_name("left-behind.txt").write_text("oops")
'''


@pytest.mark.slow  # runs pytest in a subprocess
def test_a_run_that_leaves_a_file_in_the_checkout_fails_naming_it(tmp_path: Path) -> None:
    repo = git_checkout(tmp_path / "repo")
    (repo / "conftest.py").write_text('pytest_plugins = ("support.checkout",)\n')
    (repo / "test_files.py").write_text(LEAVES_A_FILE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    clean = run_pytest("-p", "no:cacheprovider", "-k", "tmp_path", cwd=repo, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "left in the checkout" not in clean.stdout
    dirty = run_pytest("-p", "no:cacheprovider", cwd=repo, env=env)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "2 passed" in dirty.stdout
    assert "The tests left 1 new file(s) in the checkout" in dirty.stdout
    assert "  left-behind.txt" in dirty.stdout


# ---- shared helpers -----------------------------------------------------------------------

def test_poll_until_returns_the_first_truthy_value() -> None:
    answers = iter([None, [], {"paid": 1}])
    assert poll_until(lambda: next(answers), 60, "the order", interval=0) == {"paid": 1}


def test_poll_until_names_what_it_waited_for_when_time_runs_out() -> None:
    with pytest.raises(TimeoutError, match=r"waited 0.2 s for the shop to fulfil; the last check"
                                           r" gave \{\}"):
        poll_until(dict, 0.2, "the shop to fulfil")


def test_clean_env_keeps_nothing_that_picks_a_backend_or_a_jupyter_directory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STRIPE_SECRET_KEY", "KIT_EMULATOR_DB", "JUPYTER_CONFIG_DIR", "JUPYTERHUB_API",
                 "IPYTHONDIR", "CONFIGPROXY_AUTH_TOKEN"):
        monkeypatch.setenv(name, "from the shell")
    env = clean_env(KIT_BACKEND="emulator")
    assert not [name for name in env if name.startswith(("STRIPE_", "JUPYTER", "IPYTHON",
                                                          "CONFIGPROXY_"))]
    assert [name for name in env if name.startswith("KIT_")] == ["KIT_BACKEND"]
    assert env["PATH"] == os.environ["PATH"]


def test_clean_env_narrower_rules_scrub_only_what_they_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The three narrower rules tests use: keys and kit settings only; some prefixes; names."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "KIT_VENV", "KIT_EMULATOR_DB",
                 "JUPYTER_PATH", "IPYTHONDIR"):
        monkeypatch.setenv(name, "from the shell")
    keys_and_kit = clean_env(prefixes=KEYS_AND_KIT, KIT_BACKEND="emulator")
    assert not [n for n in keys_and_kit if n.startswith("STRIPE_")]
    assert [n for n in keys_and_kit if n.startswith("KIT_")] == ["KIT_BACKEND"]
    assert keys_and_kit["JUPYTER_PATH"] == keys_and_kit["IPYTHONDIR"] == "from the shell"
    named = clean_env(prefixes=(), names=("STRIPE_SECRET_KEY", "KIT_VENV"))
    assert "STRIPE_SECRET_KEY" not in named and "KIT_VENV" not in named
    assert named["STRIPE_API_BASE"] == named["KIT_EMULATOR_DB"] == "from the shell"


# ---- collection ---------------------------------------------------------------------------

def test_test_modules_have_unique_basenames() -> None:
    """tests/ and tests/browser/ are not packages: pytest imports their modules by basename, so
    two files with one name stop the whole suite's collection ("import file mismatch")."""
    seen: dict[str, list[str]] = {}
    for folder in (ROOT / "tests", ROOT / "tests" / "browser"):
        for path in folder.glob("*.py"):
            if path.name != "conftest.py":
                seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


# ---- markers ------------------------------------------------------------------------------

def collected(*args: str) -> list[str]:
    ran = run_pytest("--collect-only", "-q", *args)
    assert ran.returncode in (0, 5), ran.stdout[-3000:] + ran.stderr[-3000:]  # 5: none selected
    return [line for line in ran.stdout.splitlines() if "::" in line]


@pytest.mark.slow  # collects in a subprocess
def test_browser_tests_and_notebook_cells_are_marked_by_where_they_are() -> None:
    paths = ("tests/browser/test_standin.py", "notebooks/00_welcome.ipynb",
             "tests/test_backend.py", "--nbval", "--nbval-current-env")
    everything = collected(*paths)
    browser = collected(*paths, "-m", "browser")
    notebook = collected(*paths, "-m", "notebook")
    rest = collected(*paths, "-m", "not browser and not notebook")
    assert browser and notebook and rest
    assert browser == [item for item in everything if item.startswith("tests/browser/")]
    assert notebook == [item for item in everything if item.startswith("notebooks/")]
    assert rest == [item for item in everything if item.startswith("tests/test_backend.py")]


def test_an_unregistered_marker_is_an_error(pytestconfig: pytest.Config) -> None:
    """--strict-markers: `@pytest.mark.slwo` fails collection instead of never matching -m."""
    assert pytestconfig.option.strict_markers
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {"browser", "notebook", "slow"} <= registered


@pytest.mark.parametrize("seed", [1, 12345])
def test_random_order_keeps_each_notebooks_cells_top_to_bottom(seed: int) -> None:
    """`-p randomly` shuffles every item; conftest.py puts a notebook's cells back in order
    (each cell needs the ones above it), so the whole suite may run in random order."""
    notebooks = ["notebooks/00_welcome.ipynb", "notebooks/04_webhooks.ipynb"]
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "randomly",
         f"--randomly-seed={seed}", "--nbval", "--nbval-current-env", *notebooks,
         "tests/test_diagrams.py"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    for notebook in notebooks:
        cells = [int(i.rsplit("Cell ", 1)[1]) for i in ids if i.startswith(notebook + "::")]
        assert cells and cells == list(range(len(cells))), f"{notebook} ran as {cells}"
