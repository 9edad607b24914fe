"""Load benchmark: N participants arrive at once and each pays, kit server vs plain Voilà.

    .venv/bin/python benchmarks/workshop_load.py                 # N = 10 20 40, both servers
    .venv/bin/python benchmarks/workshop_load.py --n 10 --modes kit

Each participant is a fresh headless Chromium context (its own localStorage, so its own
sandbox), all opened together (`asyncio.gather`): the burst of a room opening the link. Each
one opens the app, waits for the Payment Element to be ready (time to interactive), picks the
saved Visa, pays and waits for "Success! Payment received." (success).

Servers, both on the same notebook 06 and the same sandboxes directory layout:
- `kit`: `python -m helpers.workshop --pool-size N` (preheated pool sized for the burst,
  culling, kit template, tracebacks hidden); measured once the pool is full.
- `plain`: `voila notebooks/06_workshop_app.ipynb` with Voilà's defaults (a kernel started per
  page, lab template: its CDN requests are aborted here, as on a room with no internet).
- `floor`: the least any Voilà page can cost here. Voilà with the kit's settings (preheated
  pool, kit template) on a one-cell notebook showing one button, no Stripe and no app: time
  to interactive is the button showing. Whatever the kit's app does, it cannot beat this
  floor, because the browser must still load and start Voilà's front end (about 6 MB of
  JavaScript) in every participant's context.

Server memory is the sum of PSS (proportional set size: shared pages split between the
processes that share them) over the server process and all its children (the kernels),
after every participant has paid, divided by N. The browser runs on the same 2 cores as the
server, so the times include that contention: on a real room each participant brings their
own CPU for the page.

Not run by CI (minutes of wall time); results go to stdout and, with --out, to JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
APP = "06_workshop_app.ipynb"
LOCAL = ("127.0.0.1", "localhost")
TIMEOUT_MS = 300_000  # a participant who waits 5 minutes has given up (--timeout to change)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(workshop_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "KIT_"))}
    env.update({"KIT_BACKEND": "emulator", "KIT_WORKSHOP_DIR": str(workshop_dir),
                "KIT_EMULATOR_DB": ":memory:", "PYTHONUNBUFFERED": "1",
                "JUPYTER_PLATFORM_DIRS": "1"})
    return env


FLOOR_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "floor", "metadata": {},
               "outputs": [],
               "source": "import ipywidgets\nipywidgets.Button(description='Ready')"}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def kernels_running(pid: int) -> int:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for child in children:
        try:
            count += "ipykernel" in " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            pass
    return count


def start_server(mode: str, n: int, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    workshop_dir = tmp / f"{mode}-{n}"
    env = clean_env(workshop_dir)
    log = (tmp / f"{mode}-{n}.log").open("w")
    if mode == "floor":
        from helpers.workshop.server import workshop_environment

        floor = tmp / "floor.ipynb"
        floor.write_text(json.dumps(FLOOR_NOTEBOOK))
        env.update(workshop_environment(workshop_dir))  # finds the kit template
        pools = json.dumps({"default": {"pool_size": n}})
        cmd = [str(BIN / "voila"), str(floor), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--template=kit",
               "--VoilaConfiguration.preheat_kernel=True",
               f"--VoilaKernelManager.kernel_pools_config={pools}",
               "--VoilaKernelManager.fill_delay=600"]
        path = "/"
    elif mode == "kit":
        # --refill-delay past the participants' timeout: the pool is not refilled during the
        # measurement, so CPU and memory are the burst's own. With every browser on these
        # 2 cores a burst lasts a minute or more, and the default 20 s refill would land in
        # the middle of it (measured at N=20: 40 CPU-s more, TTI 57 s instead of 29 s); in a
        # room, where each participant's laptop renders its own page, it lands after it.
        cmd = [sys.executable, "-m", "helpers.workshop", "--port", str(port),
               "--pool-size", str(n), "--workshop-dir", str(workshop_dir),
               "--refill-delay", str(TIMEOUT_MS / 1000 + 300)]
        path = f"/voila/render/{APP}"
    else:
        cmd = [str(BIN / "voila"), f"notebooks/{APP}", "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1"]
        path = "/"
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if mode == "kit":
                with urllib.request.urlopen(base + "/workshop/facilitator.json", timeout=5) as r:
                    if json.load(r)["kernels"] >= n:
                        break
            elif mode == "floor":  # (not "/": opening the page would take a pooled kernel)
                if kernels_running(process.pid) >= n:
                    try:
                        urllib.request.urlopen(base + "/voila/static/voila.js", timeout=30)
                    except urllib.error.HTTPError:
                        pass
                    break
            else:
                with urllib.request.urlopen(base + "/", timeout=5):
                    break
        except OSError:
            pass
        time.sleep(0.5)
    else:
        raise RuntimeError(f"{mode} server did not get ready")
    if mode in ("kit", "floor"):
        time.sleep(3)  # the last pooled kernels finish running the notebook
    return process, base + path


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and their descendants."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
    return total


def tree_pss(pid: int) -> tuple[float, int]:
    """(MB of PSS over the process and its descendants, number of processes)."""
    root = psutil.Process(pid)
    total, count = 0, 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_full_info().pss
            count += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 2**20, count


async def participant(browser: Any, url: str, t0: float, mode: str, timeout_ms: int,
                      contexts: list[Any]) -> dict[str, Any]:
    """One participant; its context stays open (the caller closes it after reading CPU use:
    a closed context's renderer process exits, and its CPU time with it)."""
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    contexts.append(context)
    outside: list[str] = []
    # Chromium resolves no host but this machine (--host-resolver-rules, see burst()), so a
    # request for anything else fails, and is recorded here. (Not Playwright's request
    # interception: pausing each of a page's ~100 requests for Python would load the
    # 2 cores with work no real participant's browser does.)
    context.on("requestfailed", lambda r: None if any(h in r.url for h in LOCAL)
               or r.url.startswith(("data:", "blob:")) else outside.append(r.url))
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    problems: list[str] = []  # what the page itself reported (kept for a failure's report)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"[:200]))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}"[:200])
            if msg.type in ("error", "warning") else None)
    result: dict[str, Any] = {"ok": False, "tti": None, "paid": None, "outside": outside}
    try:
        await page.goto(url, timeout=timeout_ms)
        result["loaded"] = time.monotonic() - t0
        if mode == "floor":  # nothing to pay: interactive once Voilà shows the widget
            await page.get_by_role("button", name="Ready").wait_for()
            result["tti"] = result["paid"] = time.monotonic() - t0
            result["ok"] = True
            return result
        widget = page.locator(".kit-payment-element[data-ready=true]")
        await widget.wait_for()
        result["tti"] = time.monotonic() - t0
        await widget.get_by_role("radio", name="Visa •••• 4242", exact=True).check()
        await widget.get_by_role("button", name="Pay $10.99").click()
        await widget.get_by_text("Success! Payment received.").wait_for()
        result["paid"] = time.monotonic() - t0
        result["ok"] = True
    except Exception as exc:  # counted as a failure, with the reason
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        try:
            shown = await asyncio.wait_for(
                page.evaluate("document.body.innerText.slice(0, 300)"), 5)
        except Exception:
            shown = "(page did not answer)"
        result["diagnosis"] = {"page_text": shown, "page_reported": problems[-8:]}
    return result


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def chromium_cpu(name: str = "chrom") -> float:
    """CPU seconds used so far by the Chromium processes below this one (not Playwright's
    driver, `name="node"`, which is the harness, not a participant's browser)."""
    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if name in proc.name().lower():
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def own_cpu() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


async def burst(mode: str, n: int, tmp: Path, chromium: str, timeout_ms: int = TIMEOUT_MS,
                browsers_count: int = 1) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    process, url = start_server(mode, n, tmp)
    try:
        idle_mb, idle_procs = tree_pss(process.pid)
        server_cpu0 = tree_cpu([process.pid])
        async with async_playwright() as p:
            # Participants' contexts are spread over several Chromium processes: one browser
            # process serialises its contexts' navigation and network work on its own
            # threads, where a real room has one browser per laptop.
            browsers = [await p.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1,"
                      " EXCLUDE localhost"]) for _ in range(max(1, min(browsers_count, n)))]
            chromium_cpu0, driver_cpu0, own_cpu0 = chromium_cpu(), chromium_cpu("node"), own_cpu()
            machine0 = psutil.cpu_times()
            t0 = time.monotonic()
            contexts: list[Any] = []
            results = await asyncio.gather(*(
                participant(browsers[i % len(browsers)], url, t0, mode, timeout_ms, contexts)
                for i in range(n)))
            wall = time.monotonic() - t0
            server_cpu = tree_cpu([process.pid]) - server_cpu0
            browser_cpu = chromium_cpu() - chromium_cpu0
            driver_cpu, script_cpu = chromium_cpu("node") - driver_cpu0, own_cpu() - own_cpu0
            machine1 = psutil.cpu_times()
            machine_busy = (sum(machine1) - machine1.idle - machine1.iowait) - (
                sum(machine0) - machine0.idle - machine0.iowait)
            for context in contexts:
                await context.close()
            for browser in browsers:
                await browser.close()
        loaded_mb, procs = tree_pss(process.pid)
    finally:
        stop(process)
    ttis = [r["tti"] for r in results if r["tti"] is not None]
    ok = sum(r["ok"] for r in results)
    outside = sorted({u for r in results for u in r["outside"]})
    return {
        "mode": mode, "n": n, "success": ok, "success_rate": ok / n,
        "tti_p50": percentile(ttis, 0.5), "tti_p95": percentile(ttis, 0.95),
        "tti_max": max(ttis) if ttis else None,
        "paid_p95": percentile([r["paid"] for r in results if r["paid"]], 0.95),
        "browsers": max(1, min(browsers_count, n)),
        "wall_s": wall, "server_cpu_s": server_cpu, "browser_cpu_s": browser_cpu,
        # everything else busy meanwhile: mostly Playwright's driver and this script
        "harness_cpu_s": machine_busy - server_cpu - browser_cpu,
        "playwright_driver_cpu_s": driver_cpu, "script_cpu_s": script_cpu,
        "loaded_p50": percentile([r["loaded"] for r in results if r.get("loaded")], 0.5),
        "server_cpu_s_per_participant": server_cpu / n,
        "browser_cpu_s_per_participant": browser_cpu / n,
        "server_pss_idle_mb": idle_mb, "server_processes_idle": idle_procs,
        "server_pss_mb": loaded_mb, "server_processes": procs,
        "mb_per_participant": loaded_mb / n, "outside_requests": outside,
        "errors": sorted({r["error"] for r in results if r.get("error")})[:5],
        "failed_pages": [r["diagnosis"] for r in results if r.get("diagnosis")][:3],
    }


def fmt(value: Any, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--modes", nargs="+", default=["kit", "plain"],
                        choices=["kit", "plain", "floor"])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--browsers", type=int, default=4,
                        help="Chromium processes the participants' contexts are spread over")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_MS / 1000,
                        help="seconds a participant waits before counting as a failure")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH",
                                                             "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kit-workshop-load-"))
    rows = []
    try:
        for n in args.n:
            for mode in args.modes:
                row = asyncio.run(burst(mode, n, tmp, args.chromium, int(args.timeout * 1000),
                                        args.browsers))
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'server':<6} {'N':>3} {'success':>8} {'TTI p50':>8} {'TTI p95':>8} "
          f"{'TTI max':>8} {'MB/participant':>15} {'outside reqs':>13}")
    for r in rows:
        per_participant = fmt(r["mb_per_participant"], ".0f")
        print(f"{r['mode']:<6} {r['n']:>3} {r['success']:>4}/{r['n']:<3} "
              f"{fmt(r['tti_p50']):>8} {fmt(r['tti_p95']):>8} {fmt(r['tti_max']):>8} "
              f"{per_participant:>15} {len(r['outside_requests']):>13}")
    print(f"\n(machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB;"
          f" target: 40 participants, 100% success, TTI p95 <= 5 s, <= 150 MB/participant;"
          f" mean of TTIs {statistics.fmean([r['tti_p50'] or 0 for r in rows]):.2f} s)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
