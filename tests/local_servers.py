"""Start the kit's servers (emulator, receiver app) as real processes on free local ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from support.env import clean_env
from support.waits import poll_until

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20, process: subprocess.Popen | None = None
                  ) -> None:
    def listening() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    poll_until(listening, timeout, f"a server listening on port {port}")


@contextlib.contextmanager
def running(module: str, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m <module> --port N <args>` until the block ends; yields its base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", module, *args, "--port", str(port)],
                               cwd=ROOT, env=env or os.environ.copy(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until `url` answers anything (an HTTP error page counts), or the process dies."""
    def answered() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before answering"
                               f" {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            return False

    poll_until(answered, timeout, f"the server to answer {url}", interval=0.2)


def stop_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started in its own process group (Voilà's kernels too)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_workshop(tmp: Path, *args: str, timeout: float = 90.0
                   ) -> tuple[subprocess.Popen, str, Path]:
    """`python -m helpers.workshop --port N <args>` in its own process group, as a room runs
    it: no keys or kit settings from the shell, Jupyter's directories under `tmp`, random ids.
    Waits until it answers; returns (process, base URL, log file). Stop it with `stop_group`."""
    port = free_port()
    env = clean_env(JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
                    JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
                    JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    log = tmp / "workshop.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.workshop", "--port", str(port), *args],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/", process, timeout=timeout)
    except BaseException:
        stop_group(process)
        raise
    return process, base, log
