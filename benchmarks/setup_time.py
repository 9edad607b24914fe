"""How long a newcomer waits: from a fresh clone to JupyterLab answering, uv path against pip path.

    python3 benchmarks/setup_time.py [--repo PATH] [--runs uv-cold,uv-warm,pip-cold,pip-warm]

Standard library only (run it with the Python a newcomer has). For each run it clones the
repository afresh (`git clone`, so a new `.venv`), starts `python3 kit.py lab --no-browser` on a
free port and polls JupyterLab's HTTP API until it answers; the figure is the wall-clock time
from starting kit.py to that first answer. "cold" gives the run an empty cache directory
(XDG_CACHE_HOME, which holds pip's cache, uv's cache and kit.py's copy of uv); "warm" reuses
the cache the cold run just filled. `KIT_INSTALLER=pip` selects kit.py's venv + pip path.

The figures depend on the machine: its cores, its disk, how busy it is, and where its package
indexes are. The load average at each start is printed beside each figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWER_WAIT_SECONDS = 900  # a cold pip install on a slow link; past this the run is reported failed
RUNS = ("uv-cold", "uv-warm", "pip-cold", "pip-warm")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def one_run(repo: Path, work: Path, name: str, caches: dict[str, Path]) -> float | None:
    installer, temperature = name.split("-")
    clone = work / f"clone-{name}"
    subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
    cache = caches.setdefault(installer, work / f"cache-{installer}")
    if temperature == "cold":
        shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("UV_CACHE_DIR", "PIP_CACHE_DIR", "KIT_VENV", "STRIPE_SECRET_KEY",
                        "STRIPE_PUBLISHABLE_KEY", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(cache)
    env["KIT_INSTALLER"] = installer
    port = free_port()
    log = (work / f"{name}.log").open("w")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "kit.py", "lab", "--no-browser", f"--port={port}"],
        cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    elapsed: float | None = None
    try:
        while time.monotonic() - started < ANSWER_WAIT_SECONDS:
            if answers(port):
                elapsed = time.monotonic() - started
                break
            if process.poll() is not None:
                break
            time.sleep(0.25)
    finally:
        with_group = process.poll() is None
        if with_group:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
    shown = f"{elapsed:6.1f} s" if elapsed is not None else "failed (see the log)"
    print(f"{name:9} {shown}   load average at start {load:.2f}   log {work / (name + '.log')}",
          flush=True)
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="repository to clone")
    parser.add_argument("--runs", default=",".join(RUNS),
                        help="comma-separated, in order (a warm run follows its cold one)")
    parser.add_argument("--keep", action="store_true", help="keep the clones and caches")
    options = parser.parse_args(argv)
    names = [n.strip() for n in options.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; choose from {', '.join(RUNS)}")
    work = Path(tempfile.mkdtemp(prefix="kit-setup-time-"))
    print(f"Fresh clones of {options.repo} in {work}; {os.cpu_count()} cores; "
          f"{sys.executable} (Python {sys.version.split()[0]})", flush=True)
    results: dict[str, float | None] = {}
    caches: dict[str, Path] = {}
    try:
        for name in names:
            results[name] = one_run(options.repo, work, name, caches)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nfrom `python3 kit.py` in a fresh clone to JupyterLab answering (seconds)")
    print(f"{'':6}{'cold cache':>12}{'warm cache':>12}")
    for installer in ("uv", "pip"):
        cells = []
        for temperature in ("cold", "warm"):
            value = results.get(f"{installer}-{temperature}")
            cells.append(f"{value:12.0f}" if value is not None else f"{'–':>12}")
        print(f"{installer:6}{''.join(cells)}")
    return 0 if all(v is not None for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
