#!/usr/bin/env python3
"""One entry point for the kit: set up a venv, then open JupyterLab, run the tests or serve Voilà.

    python3 kit.py                 # JupyterLab on my_notebooks/, your copies of notebooks/
    python3 kit.py lab --no-browser --port 8890
    python3 kit.py reset 03        # lesson 03 back as shipped (yours kept as a backup); --all
    python3 kit.py test [pytest args...]
    python3 kit.py voila [voila args...]
    python3 kit.py workshop [--host H] [--port N] [--token T] [--pool-size N]
    python3 kit.py regenerate
    python3 kit.py --venv PATH ...  # or KIT_VENV=PATH: use another venv location

Environment: KIT_INSTALLER=pip (skip uv), KIT_PREFLIGHT=0 (skip the test-key check),
KIT_BACKEND=emulator (the emulator even with test keys set), XDG_CACHE_HOME (where uv is kept).

Lessons are done in my_notebooks/ (git-ignored; copies of notebooks/ made by the first launch),
so a learner's answers and outputs never change the shipped notebooks that `test` checks.

Standard library only: a new user runs it with a bare Python 3.11+ before anything is installed.
Keep the syntax parseable by old Pythons too, so the version check below can explain itself.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036  (old Pythons must reach this line and explain)
    sys.stderr.write(
        "kit.py needs Python 3.11 or newer; this is Python "
        + ".".join(str(part) for part in sys.version_info[:3]) + " (" + sys.executable + ").\n"
        "Install a newer Python (Debian/Ubuntu: apt-get install python3.11 python3.11-venv; "
        "macOS: brew install python@3.11) and run it with that, e.g. python3.11 kit.py\n"
    )
    sys.exit(2)

import hashlib  # noqa: E402  (after the version check on purpose)
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent
COMMANDS = ("lab", "test", "voila", "regenerate", "workshop", "reset")
KEY_VARS = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY")
LIVE_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")
STAMP_NAME = ".kit-install-stamp.json"
TRUST_STAMP_NAME = ".kit-trust-stamp"
# kit.py fetches uv with pip when it is not on PATH (KIT_INSTALLER=pip skips it).
UV_REQUIREMENT = "uv>=0.8"
# Config files copied into the venv: name -> folder under the venv (install_jupyter_config).
JUPYTER_CONFIG_DIR = ROOT / "helpers" / "jupyter_config"
JUPYTER_CONFIG_FILES = {"jupyter_server_config.py": "etc/jupyter",
                        "ipython_kernel_config.py": "etc/ipython"}
# JupyterLab settings the kit's venv starts with (see write_lab_overrides).
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
SHIPPED = "notebooks"  # the lessons as the kit ships them: tests, Voilà and the workshop use these
# The learner's own copies, beside notebooks/ so `../assets/…` and links between lessons work.
WORKSPACE = "my_notebooks"
# In WORKSPACE: for each copy, the sha256 of the shipped file it was copied from.
WORKSPACE_RECORD = ".kit-copies.json"
VOILA_NOTEBOOK = "notebooks/03_client_side.ipynb"
VOILA_PORT = "8866"
VOILA_SHARE = ROOT / "helpers" / "workshop" / "share"  # holds voila/templates/kit
VOILA_TEMPLATE = "kit"
# The exact pytest invocation CI runs (README's test command goes through here). It names its
# folders, so the learner's WORKSPACE is never collected.
PYTEST_ARGS = [
    "-m", "pytest", "tests", "notebooks",
    "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg",
]
# ruff lints notebooks too; it skips git-ignored files only inside a git repository, so the
# learner's folder is excluded by name (a downloaded zip has no .git).
RUFF_ARGS = ["-m", "ruff", "check", ".", "--extend-exclude", WORKSPACE]

USAGE = __doc__.split("\n\n")[1]


class KitError(Exception):
    """A problem the user can fix; carries the message and the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- keys


def mask(key: str) -> str:
    """Show a key's kind and last four characters only, so logs and screens never hold a secret."""
    for prefix in ("sk_test_", "pk_test_", "rk_test_", *LIVE_PREFIXES):
        if key.startswith(prefix):
            return prefix + "…" + (key[-4:] if len(key) > len(prefix) + 8 else "")
    return "…" + key[-4:] if len(key) > 12 else "…"


def read_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines the way python-dotenv does for simple files (no venv needed yet)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            end = value.find(quote, 1)
            value = value[1:end] if end != -1 else value[1:]
        else:
            value = value.split(" #", 1)[0].strip()
        values[name.strip()] = value
    return values


def key_sources() -> dict[str, list[tuple[str, str]]]:
    """Every value each Stripe key variable has, with where it came from (environment, .env)."""
    dotenv = read_dotenv(ROOT / ".env")
    found: dict[str, list[tuple[str, str]]] = {}
    for var in KEY_VARS:
        found[var] = []
        if os.environ.get(var):
            found[var].append(("environment", os.environ[var]))
        if dotenv.get(var):
            found[var].append((".env", dotenv[var]))
    return found


def refuse_live_keys(sources: dict[str, list[tuple[str, str]]]) -> None:
    """Stop before anything runs if any source holds a live key: the kit never moves real money."""
    for var, values in sources.items():
        for origin, value in values:
            if value.startswith(LIVE_PREFIXES):
                raise KitError(
                    f"Refusing to start: {var} in the {origin} is a live key ({mask(value)}). "
                    "This kit only runs on the offline emulator or Stripe TEST mode; "
                    "live keys (sk_live_/rk_live_/pk_live_) are refused. "
                    "Use test keys (sk_test_/pk_test_) or unset both to use the emulator.",
                    code=2,
                )


def forced_emulator() -> bool:
    """KIT_BACKEND=emulator: use the emulator even with test keys set (helpers.backend agrees)."""
    return os.environ.get("KIT_BACKEND", "").strip() == "emulator"


def uses_test_mode(sources: dict[str, list[tuple[str, str]]]) -> bool:
    """True if the notebooks will talk to Stripe test mode (both keys set, not overridden)."""
    return (not forced_emulator() and bool(sources["STRIPE_SECRET_KEY"])
            and bool(sources["STRIPE_PUBLISHABLE_KEY"]))


def describe_backend(sources: dict[str, list[tuple[str, str]]]) -> str:
    """One line saying which backend the notebooks will use; fail early on half-set or odd keys."""
    if forced_emulator():
        return ("Backend: offline Stripe emulator (KIT_BACKEND=emulator; any Stripe keys are "
                "left unused).")
    # The environment wins over .env, as with python-dotenv's default (override=False).
    secret = sources["STRIPE_SECRET_KEY"][0] if sources["STRIPE_SECRET_KEY"] else None
    public = sources["STRIPE_PUBLISHABLE_KEY"][0] if sources["STRIPE_PUBLISHABLE_KEY"] else None
    if secret is None and public is None:
        return "Backend: offline Stripe emulator (no keys needed; test keys in .env switch it)."
    if secret is None or public is None:
        have, missing = KEY_VARS if secret else KEY_VARS[::-1]
        raise KitError(
            f"{have} is set but {missing} is not. Set both test keys (see .env.example) "
            "or unset both to use the offline emulator.",
            code=2,
        )
    problems = []
    if not secret[1].startswith("sk_test_"):
        problems.append(f"STRIPE_SECRET_KEY ({secret[0]}) should start with sk_test_, "
                        f"got {mask(secret[1])}")
    if not public[1].startswith("pk_test_"):
        problems.append(f"STRIPE_PUBLISHABLE_KEY ({public[0]}) should start with pk_test_, "
                        f"got {mask(public[1])}")
    if problems:
        raise KitError("; ".join(problems) + ".", code=2)
    return (f"Backend: Stripe test mode ({mask(secret[1])} from the {secret[0]}, "
            f"{mask(public[1])} from the {public[0]}).")


# --------------------------------------------------------------------------- venv


def venv_bin(venv: Path, name: str) -> Path:
    """Path of an executable inside the venv (bin/ on POSIX, Scripts/ on Windows)."""
    if os.name == "nt":
        return venv / "Scripts" / (name + ".exe")
    return venv / "bin" / name


class Progress:
    """One line per set-up stage, with the seconds it took, so a slow step is never a mystery."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.stage_started = self.started

    def stage(self, text: str) -> None:
        now = time.monotonic()
        print(f"kit.py [{now - self.started:5.1f}s] {text}", flush=True)
        self.stage_started = now

    def done(self, text: str) -> None:
        now = time.monotonic()
        print(f"kit.py [{now - self.started:5.1f}s]   … {text} ({now - self.stage_started:.1f}s)",
              flush=True)


def kit_cache() -> Path:
    """Where kit.py keeps its own copy of uv: the user cache, so every clone shares it."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "stripe-kit"


def _uv_in(folder: Path) -> Path | None:
    for candidate in (folder / "bin" / "uv", folder / "Scripts" / "uv.exe",
                      folder / "bin" / "uv.exe"):
        if candidate.is_file():
            return candidate
    return None


def find_uv(progress: Progress) -> Path | None:
    """uv from PATH, or kit.py's cached copy, or fetched now with pip; None means use pip.

    KIT_INSTALLER=pip forces the venv + pip path (the benchmark compares the two).
    """
    if os.environ.get("KIT_INSTALLER", "").strip().lower() == "pip":
        return None
    found = shutil.which("uv")
    if found:
        return Path(found)
    boot = kit_cache() / "uv"
    cached = _uv_in(boot)
    if cached:
        return cached
    progress.stage(f"Fetching uv, the fast installer, into {boot} (once per machine) …")
    boot.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="uv-", dir=boot.parent))
    try:
        if _pip_works(Path(sys.executable)):
            cmd = [sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
                   "--no-warn-script-location", "--target", str(staging), UV_REQUIREMENT]
        elif importlib.util.find_spec("ensurepip") is not None:
            # No pip beside this Python (Debian without python3-pip): a tiny venv brings one.
            boot_venv = staging / "venv"
            if subprocess.run([sys.executable, "-m", "venv", str(boot_venv)]).returncode != 0:
                raise OSError("python -m venv failed")
            cmd = [str(venv_bin(boot_venv, "python")), "-m", "pip", "install", "-qq",
                   "--disable-pip-version-check", "--no-warn-script-location", UV_REQUIREMENT]
        else:
            raise OSError("this Python has neither pip nor ensurepip")
        if subprocess.run(cmd).returncode != 0:
            raise OSError("pip could not install uv")
        if boot.exists():
            shutil.rmtree(boot, ignore_errors=True)
        staging.rename(boot)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        progress.done(f"no uv ({err}); falling back to venv + pip, which is slower")
        return None
    uv = _uv_in(boot) or _uv_in(boot / "venv")
    if uv is None:
        progress.done("uv installed but its executable was not found; using venv + pip")
        return None
    progress.done("uv ready")
    return uv


def _pip_works(python: Path) -> bool:
    return subprocess.run([str(python), "-m", "pip", "--version"],
                          capture_output=True).returncode == 0


PROGRESS = Progress()
_UV_UNSET = Path("<not looked up>")
_uv: Path | None = _UV_UNSET


def installer_uv() -> Path | None:
    """uv, looked up (and fetched) only the first time a set-up step needs an installer."""
    global _uv
    if _uv is _UV_UNSET:
        _uv = find_uv(PROGRESS)
    return _uv


def ensure_venv(venv: Path) -> Path:
    """Create the venv if it is missing and return its python; explain the usual Debian failure."""
    progress = PROGRESS
    python = venv_bin(venv, "python")
    uv = installer_uv() if not python.exists() else None
    venv_hint = (
        "On Debian/Ubuntu install the venv module first: "
        f"apt-get install python3-venv (or python{sys.version_info[0]}.{sys.version_info[1]}-venv)"
    )
    if not python.exists() and uv is not None:
        progress.stage(f"Creating a virtual environment in {venv} with uv …")
        cmd = [str(uv), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)]
        if venv.exists():
            cmd.insert(2, "--clear")  # a half-created venv from an interrupted run
        if subprocess.run(cmd).returncode == 0 and python.exists():
            progress.done("created")
            return python
        progress.done("uv could not create it; trying python -m venv")
    if not python.exists():
        if importlib.util.find_spec("ensurepip") is None:
            raise KitError(f"This Python ({sys.executable}) cannot create virtual environments "
                           f"(ensurepip is missing). {venv_hint}, then rerun.")
        progress.stage(f"Creating a virtual environment in {venv} (python -m venv) …")
        result = subprocess.run([sys.executable, "-m", "venv", str(venv)])
        if result.returncode != 0 or not python.exists():
            raise KitError(f"Could not create the virtual environment in {venv}. {venv_hint}; "
                           f"then delete {venv} and rerun.")
        progress.done("created")
    return python


def pyproject_sha256() -> str:
    """Hash of pyproject.toml: a changed dependency list means the install must be redone."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def install_is_current(venv: Path, extras: tuple[str, ...]) -> bool:
    """True if the stamp says this exact pyproject is installed with at least these extras."""
    try:
        recorded = json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
        return (recorded.get("sha256") == pyproject_sha256()
                and set(extras) <= set(recorded.get("extras", [])))
    except (OSError, ValueError, AttributeError):
        return False


def _uv_link_mode(uv: Path, venv: Path) -> list[str]:
    """--link-mode=copy when uv's cache is on another filesystem (hard links cannot cross it).

    Without it uv prints a warning about falling back to copying on every install.
    """
    if os.environ.get("UV_LINK_MODE"):
        return []
    out = subprocess.run([str(uv), "cache", "dir"], capture_output=True, text=True)
    cache = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    if cache is None:
        return []
    probe = cache
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        same = probe.stat().st_dev == venv.stat().st_dev
    except OSError:
        return []
    return [] if same else ["--link-mode=copy"]


def ensure_installed(venv: Path, python: Path, extras: tuple[str, ...]) -> None:
    """Install the project editable (with extras) unless the stamp says this pyproject is in."""
    progress = PROGRESS
    stamp = venv / STAMP_NAME
    digest = pyproject_sha256()
    if install_is_current(venv, extras):
        return
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded.get("sha256") == digest:
            # Same pyproject, more extras wanted: install the union so the stamp stays truthful.
            extras = tuple(sorted(set(extras) | set(recorded.get("extras", []))))
    except (OSError, ValueError, AttributeError):
        pass
    stamp.unlink(missing_ok=True)  # a failed install must not look like a finished one
    uv = installer_uv()
    target = "." + (f"[{','.join(extras)}]" if extras else "")
    if uv is not None:
        progress.stage(f"Installing the kit with uv (uv pip install -e \"{target}\") …")
        cmd = [str(uv), "pip", "install", "--quiet", "--python", str(python),
               *_uv_link_mode(uv, venv), "-e", target]
        installer = "uv"
    else:
        if not _pip_works(python):
            raise KitError(f"The virtual environment in {venv} has no working pip (a half-created"
                           " venv?). On Debian/Ubuntu install python3-venv; then delete "
                           f"{venv} and rerun.")
        progress.stage(f"Installing the kit with pip (pip install -e \"{target}\"; the first run "
                       "takes a few minutes) …")
        cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-e", target]
        installer = "pip"
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        raise KitError(f"{installer} install -e \"{target}\" failed (see above). Fix the cause and "
                       "rerun; nothing is skipped until an install succeeds.",
                       code=result.returncode)
    stamp.write_text(json.dumps({"sha256": digest, "extras": sorted(extras),
                                 "installer": installer}) + "\n", encoding="utf-8")
    progress.done("installed")


# --------------------------------------------------------------------------- jupyter settings


def write_lab_overrides(venv: Path) -> bool:
    """Turn JupyterLab's news prompt and update check off for this venv's JupyterLab.

    JupyterLab reads `<prefix>/share/jupyter/lab/settings/overrides.json` as the defaults of
    its settings; the kit's lessons need no news feed, and the prompt is the first thing a new
    user would otherwise see. Keys already there are kept. Returns True if the file changed.
    """
    path = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    wanted = dict(current)
    for plugin, values in LAB_OVERRIDES.items():
        wanted[plugin] = {**wanted.get(plugin, {}), **values}
    if wanted == current:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    return True


def install_jupyter_config(venv: Path) -> None:
    """Copy the kit's Jupyter and kernel config (helpers/jupyter_config) into the venv.

    `<prefix>/etc/jupyter` and `<prefix>/etc/ipython` are where Jupyter servers and IPython
    kernels look for system-wide config of their environment, so the settings hold however the
    venv's Jupyter is started. Each file says which known-harmless warning it filters and why.
    """
    for name, folder in JUPYTER_CONFIG_FILES.items():
        source = JUPYTER_CONFIG_DIR / name
        target = venv / folder / name
        try:
            text = source.read_text(encoding="utf-8")
            if target.exists() and target.read_text(encoding="utf-8") == text:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as err:
            print(f"kit.py: could not install {name} into {target.parent} ({err.strerror}); "
                  "the terminal may show a few harmless warnings.", file=sys.stderr)


def notebooks_sha256() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def trust_notebooks(venv: Path, progress: Progress) -> None:
    """`jupyter trust` the kit's notebooks once per content, so nothing says "not trusted".

    The stored outputs are made by `kit.py regenerate` from the repository's own code, so they
    are what the user would get by running the cells; a changed notebook is trusted again.
    """
    stamp = venv / TRUST_STAMP_NAME
    digest = notebooks_sha256()
    try:
        if stamp.read_text(encoding="utf-8").strip() == digest:
            return
    except OSError:
        pass
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        return
    progress.stage("Trusting the kit's notebooks (jupyter trust notebooks/*.ipynb) …")
    result = subprocess.run([str(venv_bin(venv, "jupyter")), "trust", *notebooks], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        progress.done("jupyter trust failed; pages may say 'not trusted': "
                      + (result.stderr.strip().splitlines() or ["no message"])[-1])
        return
    stamp.write_text(digest + "\n", encoding="utf-8")
    progress.done(f"{len(notebooks)} notebooks trusted")


def preflight(python: Path, progress: Progress) -> None:
    """In Stripe test mode, check the keys with one cheap call before anything is launched.

    Runs `python -m helpers.preflight` inside the venv (it needs stripe); the emulator needs no
    check. Set KIT_PREFLIGHT=0 to skip (e.g. to open the notebooks offline anyway).
    """
    if os.environ.get("KIT_PREFLIGHT", "1").strip() == "0":
        return
    progress.stage("Checking your Stripe test keys (one read-only request) …")
    result = subprocess.run([str(python), "-m", "helpers.preflight"], cwd=ROOT)
    if result.returncode != 0:
        raise KitError("Stopped before launching: the Stripe test-mode check above failed. "
                       "(KIT_PREFLIGHT=0 skips this check.)", code=3)
    progress.done("keys work")


# --------------------------------------------------------------------------- learner's copies


class Sync:
    """What `sync_workspace` did, as paths relative to the workspace."""

    def __init__(self) -> None:
        self.copied: list[str] = []   # no copy yet (new in the kit, or deleted): copied in
        self.updated: list[str] = []  # the kit changed it and the learner had not: new one in
        self.changed: list[str] = []  # both changed it: left alone, the learner is told


def shipped_files(root: Path) -> list[str]:
    """The kit's lesson files (notebooks and what they load, e.g. solutions/), relative."""
    folder = root / SHIPPED
    found = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts):
            found.append("/".join(parts))
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(workspace: Path) -> dict[str, str]:
    """For each copy, the sha256 of the shipped file it was copied from ({} if unreadable)."""
    try:
        record = json.loads((workspace / WORKSPACE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {name: digest for name, digest in record.items() if isinstance(digest, str)}


def _write_record(workspace: Path, record: dict[str, str]) -> None:
    path = workspace / WORKSPACE_RECORD
    text = json.dumps(dict(sorted(record.items())), indent=1) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.write_text(text, encoding="utf-8")


def _copy_in(source: Path, target: Path) -> None:
    """Copy through a temporary file, so an interrupted copy never leaves half a notebook.

    The copy gets a new modification time, so an open JupyterLab tab sees that it changed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def locally_changed(root: Path) -> set[str]:
    """Shipped files git says differ from the last commit (relative to notebooks/); empty
    without git.

    Before WORKSPACE existed learners worked in notebooks/ itself: a copy made from such a file
    holds their work, so it must never be replaced as an "untouched" copy (say after they
    `git restore notebooks/`).
    """
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "-z", "--untracked-files=all", "--", SHIPPED],
            cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if status.returncode != 0:
        return set()
    prefix = SHIPPED + "/"
    return {entry[3:][len(prefix):] for entry in status.stdout.split("\0")
            if entry[3:].startswith(prefix)}


def sync_workspace(root: Path) -> Sync:
    """Give the learner a copy of every shipped lesson file in WORKSPACE; never overwrite theirs.

    Missing copies are made; a copy the learner never changed follows its changed shipped
    file; a copy that both sides changed is left alone and reported (`kit.py reset` it). A copy
    whose origin is unknown (no record, or copied from a notebooks/ file with uncommitted
    changes) is the learner's: kept, and never called untouched.
    """
    workspace = root / WORKSPACE
    record = _read_record(workspace)
    dirty: set[str] | None = None  # asked of git only when a record would be written
    done = Sync()
    for name in shipped_files(root):
        source, copy = root / SHIPPED / name, workspace / name
        shipped = _sha256(source)
        if not copy.is_file():
            _copy_in(source, copy)
            done.copied.append(name)
        else:
            mine, copied_from = _sha256(copy), record.get(name)
            if mine == shipped or copied_from == shipped:
                pass  # in step, or their edits of a lesson the kit did not change
            elif copied_from is None:
                continue  # origin unknown: theirs
            elif mine == copied_from:
                _copy_in(source, copy)
                done.updated.append(name)
            else:
                done.changed.append(name)
                continue  # the record stays, so the notice repeats until they reset
        if record.get(name) == shipped:
            continue
        if dirty is None:
            dirty = locally_changed(root)
        if name in dirty:
            record.pop(name, None)
        else:
            record[name] = shipped
    if workspace.is_dir():
        _write_record(workspace, record)
    return done


def reset_command_for(name: str) -> str:
    """The command that restores one workspace file: `python3 kit.py reset 03` for lessons."""
    number = name.split("_", 1)[0]
    if "/" not in name and name.endswith(".ipynb") and number.isdigit():
        return f"python3 kit.py reset {number}"
    return f"python3 kit.py reset {name}"


def resolve_shipped(root: Path, names: list[str]) -> list[str]:
    """Shipped files named by `03`, `3`, `03_client_side(.ipynb)`, `solutions/02-route.py`."""
    shipped = shipped_files(root)
    if "--all" in names:
        return shipped
    if not names:
        raise KitError("Say which lesson to reset, e.g. python3 kit.py reset 03 "
                       "(or --all for every lesson).", code=2)
    chosen: list[str] = []
    for raw in names:
        key = raw.replace("\\", "/").removeprefix("./")
        for folder in (SHIPPED, WORKSPACE):
            key = key.removeprefix(folder + "/")
        if key.isdigit():
            key = key.zfill(2)
        found = [name for name in shipped
                 if key in (name, name.rsplit(".", 1)[0])
                 or ("/" not in name and name.endswith(".ipynb") and name.startswith(key + "_"))]
        if not found:
            lessons = ", ".join(name.split("_", 1)[0] for name in shipped
                                if "/" not in name and name.endswith(".ipynb"))
            raise KitError(f"No lesson {raw!r} to reset. Lessons: {lessons}; or a file of "
                           f"{SHIPPED}/ such as solutions/<id>.py; or --all.", code=2)
        chosen += [name for name in found if name not in chosen]
    return chosen


def backup_path(copy: Path, when: float) -> Path:
    """Where a replaced copy is kept: beside it, `<name>.backup-<YYYYmmdd-HHMMSS><suffix>`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    candidate = copy.with_name(f"{copy.stem}.backup-{stamp}{copy.suffix}")
    number = 2
    while candidate.exists():
        candidate = copy.with_name(f"{copy.stem}.backup-{stamp}-{number}{copy.suffix}")
        number += 1
    return candidate


def reset_workspace(root: Path, names: list[str], when: float | None = None,
                    say: Callable[[str], None] = lambda line: None) -> list[str]:
    """Put the named copies back as shipped, keeping each changed one as a backup beside it.

    Returns one line per file saying what was done, each also passed to `say` once done.
    """
    workspace = root / WORKSPACE
    chosen = resolve_shipped(root, names)
    when = time.time() if when is None else when
    record = _read_record(workspace)
    dirty = locally_changed(root)
    lines = []
    for name in chosen:
        source, copy = root / SHIPPED / name, workspace / name
        shown = f"{WORKSPACE}/{name}"
        if not copy.is_file():
            _copy_in(source, copy)
            line = f"{shown}: copied from {SHIPPED}/ (there was no copy)."
        elif _sha256(copy) == _sha256(source):
            line = f"{shown}: already as shipped; nothing to keep."
        else:
            backup = backup_path(copy, when)
            os.replace(copy, backup)
            _copy_in(source, copy)
            line = (f"{shown}: back as shipped; your copy is kept as "
                    f"{WORKSPACE}/{backup.relative_to(workspace).as_posix()}.")
        if name in dirty:  # the same rule as sync_workspace: not a shipped version
            record.pop(name, None)
        else:
            record[name] = _sha256(source)
        _write_record(workspace, record)
        lines.append(line)
        say(line)
    return lines


def prepare_workspace(root: Path, progress: Progress) -> None:
    """Before JupyterLab starts: the learner's copies in place, and a line on what changed."""
    first = not (root / WORKSPACE).exists()
    try:
        done = sync_workspace(root)
    except OSError as err:
        raise KitError(f"Could not prepare your working copies in {root / WORKSPACE} ({err}). "
                       "Fix the cause (permissions? disk full?) and rerun.") from err
    if done.copied and first:
        progress.stage(f"Copied the lessons into {WORKSPACE}/ ({len(done.copied)} files): your "
                       f"own copies to work in; {SHIPPED}/ stays as shipped.")
    elif done.copied:
        progress.stage(f"Copied into {WORKSPACE}/ what you had no copy of: "
                       f"{', '.join(done.copied)}.")
    if done.updated:
        progress.stage(f"Updated to the kit's new version (you had not changed them): "
                       f"{', '.join(done.updated)}.")
    for name in done.changed:
        print(f"kit.py: {SHIPPED}/{name} changed since your copy was made; yours is kept. "
              f"For the new one: {reset_command_for(name)} (keeps yours as a backup).",
              flush=True)


def lab_invocation(venv: Path, args: list[str]) -> list[str]:
    """`kit.py lab`'s command line: JupyterLab on the learner's WORKSPACE (run from ROOT)."""
    extra = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not has_option(args, "--allow-root"):
        # Containers and CI often run as root; JupyterLab refuses to start there without this.
        print("Running as root: passing --allow-root to JupyterLab.", flush=True)
        extra.append("--allow-root")
    return [str(venv_bin(venv, "jupyter")), "lab", f"{WORKSPACE}/", *extra, *args]


# --------------------------------------------------------------------------- commands


def emulator_env() -> dict[str, str]:
    """Environment for tests and regeneration: emulator only, in memory, stable ids."""
    env = dict(os.environ)
    for var in KEY_VARS:
        env.pop(var, None)
    env["KIT_EMULATOR_DB"] = ":memory:"
    env["KIT_DETERMINISTIC"] = "1"
    env["KIT_BACKEND"] = "emulator"  # even if .env holds test keys (helpers.backend reads it)
    return env


def replace_process(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Hand the terminal over to the long-running server (Ctrl-C goes straight to it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        return subprocess.call(argv, cwd=ROOT, env=env)
    os.chdir(ROOT)
    os.execve(argv[0], argv, env if env is not None else dict(os.environ))
    return 0  # not reached


def run_test(python: Path, args: list[str]) -> int:
    """ruff, then pytest (unit + nbval) on the emulator: pytest's exit code, or 1 if ruff failed."""
    env = emulator_env()
    if "CHROMIUM_PATH" not in env and Path("/usr/bin/chromium").exists():
        env["CHROMIUM_PATH"] = "/usr/bin/chromium"
    if any(origin == ".env" for values in key_sources().values() for origin, _ in values):
        print("Note: .env holds Stripe keys. kit.py unsets them for the test run, but code that "
              "reads .env itself would still see them; tests are meant for the emulator.",
              flush=True)
    print("$ " + " ".join(RUFF_ARGS[2:]), flush=True)
    ruff = subprocess.run([str(python), *RUFF_ARGS], cwd=ROOT, env=env)
    cmd = [str(python), *PYTEST_ARGS, *args]
    print("$ python " + " ".join(PYTEST_ARGS + args), flush=True)
    pytest = subprocess.run(cmd, cwd=ROOT, env=env)
    if pytest.returncode != 0:
        return pytest.returncode
    if ruff.returncode != 0:
        print("ruff check failed (see above).", file=sys.stderr)
        return 1
    return 0


def has_option(args: list[str], name: str) -> bool:
    """True if a --name or --name=value option is among the passthrough args."""
    return any(a == name or a.startswith(name + "=") for a in args)


def parse_args(argv: list[str]) -> tuple[str, Path, list[str]]:
    """Split argv into (command, venv path, passthrough args); --venv may appear anywhere."""
    venv_arg = os.environ.get("KIT_VENV") or None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--venv":
            if i + 1 >= len(argv):
                raise KitError("--venv needs a path, e.g. --venv ~/.venvs/stripe-kit", code=2)
            venv_arg = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--venv="):
            venv_arg = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    command = "lab"
    if rest and rest[0] in COMMANDS:
        command = rest.pop(0)
    venv = Path(venv_arg).expanduser().resolve() if venv_arg else ROOT / ".venv"
    return command, venv, rest


def voila_invocation(venv: Path, args: list[str]) -> tuple[list[str], dict[str, str]]:
    """`kit.py voila`'s command line and environment: notebook 03 with the kit's template.

    The `kit` template (helpers/workshop/share/voila/templates/kit, shared with the workshop)
    is Voilà's lab template without CDN links, so the page loads nothing from the internet.
    """
    extra = [] if has_option(args, "--port") else [f"--port={VOILA_PORT}"]
    if not has_option(args, "--template"):
        extra.append(f"--template={VOILA_TEMPLATE}")
    env = dict(os.environ)
    paths = [str(VOILA_SHARE)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return [str(venv_bin(venv, "voila")), VOILA_NOTEBOOK, *extra, *args], env


def main(argv: list[str]) -> int:
    """Check keys first (nothing runs with a live key), then set up the venv and run the command."""
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(USAGE)
        return 0
    command, venv, args = parse_args(argv)
    if command == "reset":  # file copies only: no venv, no keys needed
        try:
            reset_workspace(ROOT, args, say=lambda line: print(f"kit.py: {line}", flush=True))
        except OSError as err:
            raise KitError(f"Could not reset ({err}); the lines above say what was done. "
                           "Fix the cause and rerun.") from err
        return 0
    sources = key_sources()
    refuse_live_keys(sources)
    if command == "test":
        print("Backend for tests: offline Stripe emulator (in memory, deterministic; "
              "Stripe keys are unset for the run).", flush=True)
    elif command == "workshop":
        print("Backend for the workshop: offline Stripe emulator, one sandbox per participant "
              "(Stripe keys are not used).", flush=True)
    elif command == "regenerate":
        print("Backend for regeneration: offline Stripe emulator (in memory, deterministic).",
              flush=True)
    else:
        print(describe_backend(sources), flush=True)

    python = ensure_venv(venv)
    ensure_installed(venv, python, ("test",) if command == "test" else ())

    install_jupyter_config(venv)
    if command == "test":
        return run_test(python, args)
    if command == "regenerate":
        script = ROOT / "scripts" / "regenerate_notebooks.py"
        return subprocess.call([str(python), str(script), *args], cwd=ROOT, env=emulator_env())
    if command in ("lab", "voila", "workshop"):
        write_lab_overrides(venv)
        trust_notebooks(venv, PROGRESS)
    if command in ("lab", "voila") and uses_test_mode(sources):
        preflight(python, PROGRESS)
    if command == "voila":
        if not (ROOT / VOILA_NOTEBOOK).exists():
            raise KitError(f"{VOILA_NOTEBOOK} is missing; nothing to serve.")
        PROGRESS.stage("Starting Voilà on notebook 03 …")
        return replace_process(*voila_invocation(venv, args))
    if command == "workshop":
        # Voilà for a room: the app for every participant, the lessons, a facilitator view
        # (helpers/workshop; the README's "Run a workshop" section).
        return replace_process([str(python), "-m", "helpers.workshop", *args])
    prepare_workspace(ROOT, PROGRESS)
    argv = lab_invocation(venv, args)
    PROGRESS.stage(f"Starting JupyterLab on {WORKSPACE}/, your copies of the lessons "
                   f"(python3 kit.py reset 03 puts lesson 03 back as shipped) …")
    return replace_process(argv)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KitError as err:
        print(f"kit.py: {err}", file=sys.stderr)
        sys.exit(err.code)
    except KeyboardInterrupt:
        sys.exit(130)
