"""kit.py's set-up: uv or pip, the install stamp, the Jupyter settings it writes, its launch.

Installers are stood in for by small scripts that record how they were called, so these tests
run in seconds and offline; benchmarks/setup_time.py measures the real thing from a clone.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
try:
    import kit
finally:
    sys.path.remove(str(ROOT))


def fake_program(path: Path, log: Path, exit_code: int = 0) -> Path:
    """An executable that appends its arguments (one JSON list per line) to `log`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"sys.exit({exit_code})\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def fresh_kit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """kit.py's module state reset; its caches in tmp_path; installer lookups start over."""
    monkeypatch.setattr(kit, "_uv", kit._UV_UNSET)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KIT_INSTALLER", raising=False)
    monkeypatch.delenv("UV_LINK_MODE", raising=False)
    return tmp_path


# ---- which installer -----------------------------------------------------------------------

def test_kit_installer_pip_forces_the_pip_path(fresh_kit: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_INSTALLER", "pip")
    assert kit.find_uv(kit.Progress()) is None


def test_uv_on_path_is_used(fresh_kit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uv = fake_program(fresh_kit / "bin" / "uv", fresh_kit / "uv.log")
    monkeypatch.setenv("PATH", f"{uv.parent}{os.pathsep}{os.environ['PATH']}")
    assert kit.find_uv(kit.Progress()) == uv


def test_the_cached_uv_is_reused_without_fetching(fresh_kit: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no uv on PATH
    cached = fake_program(kit.kit_cache() / "uv" / "bin" / "uv", fresh_kit / "uv.log")
    monkeypatch.setattr(kit, "_pip_works", lambda python: pytest.fail("must not fetch uv"))
    assert kit.find_uv(kit.Progress()) == cached


def test_no_uv_to_be_had_falls_back_to_pip_and_says_so(
        fresh_kit: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """pip cannot get uv (no index, no wheel): kit.py carries on with venv + pip."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(fresh_kit / "no-wheels-here"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert kit.find_uv(kit.Progress()) is None
    out = capsys.readouterr().out
    assert "Fetching uv" in out and "falling back to venv + pip" in out
    assert not (kit.kit_cache() / "uv").exists(), "a failed fetch must leave nothing behind"
    assert [p.name for p in kit.kit_cache().iterdir()] == [], "staging folder removed"


# ---- install and stamp ---------------------------------------------------------------------

def test_uv_install_writes_the_stamp_and_a_second_run_does_nothing(
        fresh_kit: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    log = fresh_kit / "uv.log"
    uv = fake_program(fresh_kit / "bin" / "uv", log)
    monkeypatch.setattr(kit, "_uv", uv)
    venv = fresh_kit / "venv"
    venv.mkdir()
    python = Path(sys.executable)
    kit.ensure_installed(venv, python, ("test",))
    installs = [c for c in calls(log) if c[:2] == ["pip", "install"]]
    assert len(installs) == 1
    assert installs[0][-2:] == ["-e", ".[test]"] and ["--python", str(python)] == \
        installs[0][installs[0].index("--python"):installs[0].index("--python") + 2]
    stamp = json.loads((venv / kit.STAMP_NAME).read_text())
    assert stamp == {"sha256": kit.pyproject_sha256(), "extras": ["test"], "installer": "uv"}
    assert "Installing the kit with uv" in capsys.readouterr().out

    kit.ensure_installed(venv, python, ())  # fewer extras: nothing to do
    kit.ensure_installed(venv, python, ("test",))
    assert len([c for c in calls(log) if c[:2] == ["pip", "install"]]) == 1


def test_a_failed_install_leaves_no_stamp(fresh_kit: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    uv = fake_program(fresh_kit / "bin" / "uv", fresh_kit / "uv.log", exit_code=3)
    monkeypatch.setattr(kit, "_uv", uv)
    venv = fresh_kit / "venv"
    venv.mkdir()
    (venv / kit.STAMP_NAME).write_text(json.dumps({"sha256": "old", "extras": []}))
    with pytest.raises(kit.KitError) as raised:
        kit.ensure_installed(venv, Path(sys.executable), ())
    assert "uv install" in str(raised.value) and raised.value.code == 3
    assert not (venv / kit.STAMP_NAME).exists()


def test_more_extras_install_the_union(fresh_kit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = fresh_kit / "uv.log"
    monkeypatch.setattr(kit, "_uv", fake_program(fresh_kit / "bin" / "uv", log))
    venv = fresh_kit / "venv"
    venv.mkdir()
    (venv / kit.STAMP_NAME).write_text(json.dumps({"sha256": kit.pyproject_sha256(),
                                                   "extras": ["docs"]}))
    kit.ensure_installed(venv, Path(sys.executable), ("test",))
    assert calls(log)[-1][-1] == ".[docs,test]"
    assert json.loads((venv / kit.STAMP_NAME).read_text())["extras"] == ["docs", "test"]


def test_uv_creates_the_venv_with_pip_seeded(fresh_kit: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    log = fresh_kit / "uv.log"
    monkeypatch.setattr(kit, "_uv", fake_program(fresh_kit / "bin" / "uv", log))
    venv = fresh_kit / "venv"
    with pytest.raises(kit.KitError):  # the fake makes no python; kit.py then tries venv…
        monkeypatch.setattr(kit.importlib.util, "find_spec", lambda name: None)
        kit.ensure_venv(venv)
    first = calls(log)[0]
    assert first[0] == "venv" and "--seed" in first and first[-1] == str(venv)


# ---- Jupyter settings ----------------------------------------------------------------------

def test_lab_overrides_turn_the_news_prompt_off_and_keep_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "dark"}}))
    assert kit.write_lab_overrides(tmp_path) is True
    settings = json.loads(path.read_text())
    notification = settings["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "dark"}
    assert kit.write_lab_overrides(tmp_path) is False  # already so: file untouched


def test_the_news_setting_names_match_jupyterlabs_schema() -> None:
    """The override must name a real plugin and real settings, or JupyterLab ignores it."""
    schema = (Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab"
              / "apputils-extension" / "notification.json")
    if not schema.exists():
        pytest.skip(f"JupyterLab's schemas are not at {schema}")
    properties = json.loads(schema.read_text())["properties"]
    for key, value in kit.LAB_OVERRIDES["@jupyterlab/apputils-extension:notification"].items():
        assert key in properties
        if key == "fetchNews":
            assert value in [option["const"] for option in properties[key]["oneOf"]]


def test_jupyter_config_is_copied_into_the_venv(tmp_path: Path) -> None:
    kit.install_jupyter_config(tmp_path)
    for name, folder in kit.JUPYTER_CONFIG_FILES.items():
        copied = tmp_path / folder / name
        assert copied.read_text() == (kit.JUPYTER_CONFIG_DIR / name).read_text()


def test_notebooks_are_trusted_once_per_content(fresh_kit: Path) -> None:
    venv = fresh_kit / "venv"
    log = fresh_kit / "jupyter.log"
    fake_program(kit.venv_bin(venv, "jupyter"), log)
    kit.trust_notebooks(venv, kit.Progress())
    first = calls(log)
    assert len(first) == 1 and first[0][0] == "trust"
    assert sorted(first[0][1:]) == sorted(
        f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb"))
    kit.trust_notebooks(venv, kit.Progress())
    assert len(calls(log)) == 1, "unchanged notebooks are not trusted again"
    (venv / kit.TRUST_STAMP_NAME).write_text("an older content\n")
    kit.trust_notebooks(venv, kit.Progress())
    assert len(calls(log)) == 2


def test_the_kernel_config_drops_only_the_tcp_warning() -> None:
    import logging

    namespace: dict[str, object] = {}
    source = (kit.JUPYTER_CONFIG_DIR / "ipython_kernel_config.py").read_text()
    logger = logging.getLogger("IPKernelApp")
    before = list(logger.filters)
    try:
        exec(compile(source, "ipython_kernel_config.py", "exec"), namespace)
        added = [f for f in logger.filters if f not in before]
        assert len(added) == 1
        def record(message: str) -> logging.LogRecord:
            return logging.LogRecord("IPKernelApp", logging.WARNING, __file__, 1, message, None,
                                     None)
        assert not added[0].filter(record("Kernel is running over TCP without encryption. All"))
        assert added[0].filter(record("Kernel died"))
    finally:
        logger.filters[:] = before


# ---- launching -----------------------------------------------------------------------------

def test_voila_uses_the_kits_cdn_free_template() -> None:
    argv, env = kit.voila_invocation(Path("/venv"), ["--no-browser"])
    assert argv[1] == kit.VOILA_NOTEBOOK
    assert "--template=kit" in argv and "--port=8866" in argv and argv[-1] == "--no-browser"
    first = Path(env["JUPYTER_PATH"].split(os.pathsep)[0])
    assert (first / "voila" / "templates" / "kit" / "index.html.j2").is_file()
    argv, _ = kit.voila_invocation(Path("/venv"), ["--template=lab", "--port=9000"])
    assert "--template=kit" not in argv and "--port=8866" not in argv


@pytest.fixture
def launch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """kit.main with set-up stubbed out; returns the list of commands it would launch."""
    launched: list[list[str]] = []
    monkeypatch.setattr(kit, "ensure_venv", lambda venv: Path(sys.executable))
    monkeypatch.setattr(kit, "ensure_installed", lambda *a: None)
    monkeypatch.setattr(kit, "install_jupyter_config", lambda venv: None)
    monkeypatch.setattr(kit, "write_lab_overrides", lambda venv: False)
    monkeypatch.setattr(kit, "trust_notebooks", lambda venv, progress: None)
    monkeypatch.setattr(kit, "replace_process",
                        lambda argv, env=None: launched.append(argv) or 0)
    monkeypatch.setattr(kit, "ROOT", tmp_path)  # no .env of the developer's
    (tmp_path / "notebooks").mkdir()
    for var in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "KIT_BACKEND", "KIT_PREFLIGHT"):
        monkeypatch.delenv(var, raising=False)
    return launched


def test_lab_in_test_mode_stops_before_launching_when_the_check_fails(
        launch: list[list[str]], monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_" + "test_" + "kitsetupfake0123456789")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_kitsetupfake0123456789")
    monkeypatch.setenv("KIT_STRIPE_API_BASE", "http://127.0.0.1:9")  # closed port: no network
    monkeypatch.setattr(kit, "ROOT", ROOT)  # helpers.preflight runs from the repository
    monkeypatch.setattr(kit, "key_sources", lambda: {
        "STRIPE_SECRET_KEY": [("environment", os.environ["STRIPE_SECRET_KEY"])],
        "STRIPE_PUBLISHABLE_KEY": [("environment", os.environ["STRIPE_PUBLISHABLE_KEY"])]})
    with pytest.raises(kit.KitError) as raised:
        kit.main(["lab", "--no-browser"])
    assert raised.value.code == 3 and launch == []
    out = capfd.readouterr().out
    assert "could not reach Stripe" in out and "KIT_BACKEND=emulator" in out


def test_lab_on_the_emulator_makes_no_check(launch: list[list[str]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kit, "preflight", lambda *a: pytest.fail("no check on the emulator"))
    assert kit.main(["lab", "--no-browser"]) == 0
    assert launch[0][1:3] == ["lab", f"{kit.WORKSPACE}/"]


def test_lab_starts_jupyterlab_on_the_learners_copies_not_the_shipped_notebooks(
        launch: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Autosaved answers land in the git-ignored copies; notebooks/ stays as `kit.py test`
    checks it (tests/test_learner_workspace.py covers the copies and `kit.py reset`)."""
    monkeypatch.delenv("KIT_VENV", raising=False)
    shipped = tmp_path / "notebooks" / "01_customers.ipynb"
    shipped.write_text('{"cells": []}\n')
    assert kit.main(["lab", "--no-browser", "--port", "8890"]) == 0
    argv = launch[0]
    assert argv[0] == str(kit.venv_bin(kit.ROOT / ".venv", "jupyter"))
    assert argv[1:3] == ["lab", "my_notebooks/"] and argv[-3:] == ["--no-browser", "--port",
                                                                    "8890"]
    # replace_process runs it from ROOT, so the folder is ROOT's my_notebooks, beside notebooks/
    assert (tmp_path / argv[2] / "01_customers.ipynb").read_bytes() == shipped.read_bytes()
    assert (tmp_path / argv[2]).parent == shipped.parent.parent
    out = capsys.readouterr().out
    assert "Copied the lessons into my_notebooks/" in out
    assert "Starting JupyterLab on my_notebooks/" in out


def test_kit_backend_emulator_wins_over_test_keys(launch: list[list[str]],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_" + "test_" + "kitsetupfake0123456789")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_kitsetupfake0123456789")
    monkeypatch.setenv("KIT_BACKEND", "emulator")
    monkeypatch.setattr(kit, "preflight", lambda *a: pytest.fail("no check on the emulator"))
    assert kit.main(["lab"]) == 0
    assert "offline Stripe emulator (KIT_BACKEND=emulator" in capsys.readouterr().out
