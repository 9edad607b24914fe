"""Load benchmark: N participants arrive at once and each pays, kit server vs plain Voilà.

    .venv/bin/python benchmarks/workshop_load.py                 # N = 10 20 40, both servers
    .venv/bin/python benchmarks/workshop_load.py --n 10 --modes kit
    .venv/bin/python benchmarks/workshop_load.py --modes capacity --n 40 80 --arrivals spread burst
        # the server's capacity: simulated participants speaking Voilà's and Jupyter's
        # protocols (no browser each) plus 4 real Chromium participants, see below

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

`capacity` mode: what the facilitator's machine carries, without 40 browsers on its cores.
Each simulated participant does over the network what the app's page does in a browser:
GET the page (Voilà renders it from a preheated kernel; the kernel id is in the page's
config), GET the static files the page's HTML names and the widget's module (a browser with an
empty cache), open the kernel websocket (`/api/kernels/<id>/channels`), ask for every widget's
state over ipywidgets' control comm (`request_states`), send the participant's browser id (the
`BrowserId` widget's update), receive the Payment Element's widget state (`comm_open`), then
pay with the saved Visa through the same comm messages the widget's JavaScript sends
(anywidget commands `kit_config`, `kit_stripe_request` for GET /v1/payment_intents/{id},
GET /v1/elements/sessions, POST .../confirm, GET /v1/payment_intents/{id}; the `ready`,
`selected_type` and outcome updates), as assets/payment-element.js, checkout.js and the
stand-in do. Four real Chromium participants arrive among them (end to end, in browsers).
Arrivals are spread evenly over 60 s (`spread`) or over 1 s (`burst`); the pool holds one
preheated kernel per arrival. Reported: paid count, p50/p95 of the server-side time from
arrival to the Payment Element's state, each phase's p50/p95 (where the time goes), server
CPU-seconds per arrival (/proc, the server and all its kernels), PSS per participant.

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


def settle(pid: int, quiet_cores: float = 0.15, seconds: float = 3.0,
           timeout: float = 600) -> None:
    """Wait until the server tree has used less than `quiet_cores` for `seconds` (the pool's
    last kernels have finished running the notebook)."""
    deadline = time.monotonic() + timeout
    last, since = tree_cpu([pid]), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = tree_cpu([pid])
        if now - last < quiet_cores * (time.monotonic() - since):
            return
        last, since = now, time.monotonic()


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
                if kernels_running(process.pid) >= n:
                    with urllib.request.urlopen(base + "/", timeout=30):
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
        settle(process.pid)  # the last pooled kernels finish running the notebook
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
    kernel_traffic: list[str] = []  # the kernel websocket's messages, for a failure's report
    page.on("websocket", lambda ws: watch_kernel_socket(ws, kernel_traffic))
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
            shown = await asyncio.wait_for(page.evaluate(PAGE_STATE_JS), 5)
        except Exception:
            shown = "(page did not answer)"
        result["diagnosis"] = {"page": shown, "page_reported": problems[-8:],
                               "page_reported_first": problems[:4],
                               "kernel_messages": len(kernel_traffic),
                               "kernel_first": kernel_traffic[:12],
                               "kernel_last": kernel_traffic[-12:]}
    return result


def describe_kernel_frame(payload: Any, direction: str) -> str:
    """`> shell comm_msg` from a frame of Jupyter's kernel websocket (the v1 binary protocol:
    a count of offsets, the offsets, then channel, header, ... as JSON; or a JSON text)."""
    try:
        if isinstance(payload, (bytes, bytearray)):
            count = int.from_bytes(payload[:8], "little")
            offsets = [int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little")
                       for i in range(count)]
            channel = payload[offsets[0]:offsets[1]].decode()
            header = json.loads(payload[offsets[1]:offsets[2]])
            content = json.loads(payload[offsets[4]:offsets[5]]) if count > 5 else {}
        else:
            message = json.loads(payload)
            channel, header = message.get("channel"), message.get("header") or {}
            content = message.get("content") or {}
        data = content.get("data") or {}
        detail = content.get("target_name") or data.get("method") or content.get("status") \
            or content.get("execution_state") or ""
        if data.get("method") == "update_states":
            detail += " " + " ".join(sorted(data.get("states") or {}))
        elif header.get("msg_type") == "stream":
            detail = repr((content.get("text") or "")[:300])
        return f"{direction} {channel} {header.get('msg_type')} {detail}".strip()
    except Exception as exc:  # a frame we cannot read is worth a line too
        return f"{direction} unreadable frame ({type(exc).__name__})"


def watch_kernel_socket(ws: Any, traffic: list[str]) -> None:
    if "/channels" not in ws.url:
        return
    traffic.append("opened")
    ws.on("framesent", lambda payload: traffic.append(describe_kernel_frame(payload, ">")))
    ws.on("framereceived", lambda payload: traffic.append(describe_kernel_frame(payload, "<")))
    ws.on("close", lambda _ws: traffic.append("closed"))


# What a failed page shows: its kernel, how many widgets rendered, the widget's own words.
PAGE_STATE_JS = """() => {
  let kernel = null;
  try {
    kernel = JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId;
  } catch (e) { /* not a Voila page */ }
  const element = document.querySelector('.kit-payment-element');
  // the cells' outputs travel as JSON in the page; a widget output names its model
  const views = [];
  document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]')
    .forEach((s) => {
      try {
        const view = JSON.parse(s.textContent).data['application/vnd.jupyter.widget-view+json'];
        if (view) views.push(view.model_id);
      } catch (e) { /* not an output with data */ }
    });
  return {kernel, widgets: document.querySelectorAll('.jupyter-widgets').length, views,
          element: element ? element.innerText.slice(0, 300) : null,
          tail: document.body.innerText.slice(-300)};
}"""


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


# ---- capacity mode: simulated participants speaking Voilà's and Jupyter's protocols ----------

SPREAD_S = {"spread": 60.0, "burst": 1.0}
CHROMIUM_PARTICIPANTS = 4
PHASES = ("page", "static", "websocket", "widget_states", "payment_element_state", "config",
          "element_ready", "confirm", "paid")


class KernelChannel:
    """A kernel websocket as a Jupyter front end speaks it (jupyter_server's JSON protocol)."""

    def __init__(self, ws: Any, session: str) -> None:
        self.ws, self.session = ws, session
        self.waiters: list[tuple[Any, asyncio.Future]] = []
        self.reader = asyncio.create_task(self._read())

    def _message(self, channel: str, msg_type: str, content: dict[str, Any],
                 metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        import uuid

        return {"header": {"msg_id": uuid.uuid4().hex, "username": "participant",
                           "session": self.session, "msg_type": msg_type, "version": "5.3",
                           "date": ""},
                "parent_header": {}, "metadata": metadata or {}, "content": content,
                "channel": channel, "buffers": []}

    async def send(self, channel: str, msg_type: str, content: dict[str, Any],
                   metadata: dict[str, Any] | None = None) -> str:
        message = self._message(channel, msg_type, content, metadata)
        await self.ws.send(json.dumps(message))
        return message["header"]["msg_id"]

    async def comm_msg(self, comm_id: str, data: dict[str, Any]) -> str:
        return await self.send("shell", "comm_msg", {"comm_id": comm_id, "data": data})

    @staticmethod
    def _decode(frame: Any) -> dict[str, Any]:
        if isinstance(frame, str):
            return json.loads(frame)
        # binary frame (a message with buffers): uint32 count, offsets, JSON, buffers
        count = int.from_bytes(frame[:4], "big")
        offsets = [int.from_bytes(frame[4 + 4 * i:8 + 4 * i], "big") for i in range(count)]
        end = offsets[1] if count > 1 else len(frame)
        return json.loads(frame[offsets[0]:end])

    async def _read(self) -> None:
        async for frame in self.ws:
            message = self._decode(frame)
            for predicate, future in list(self.waiters):
                if not future.done() and predicate(message):
                    future.set_result(message)
                    self.waiters.remove((predicate, future))

    def expect(self, predicate: Any) -> asyncio.Future:
        """A future for the first message matching `predicate` (register before sending)."""
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, future))
        return future

    async def command(self, comm_id: str, name: str, msg: dict[str, Any],
                      timeout: float) -> Any:
        """anywidget's `experimental.invoke(name, msg)`: a custom message, answered by id."""
        import uuid

        request_id = uuid.uuid4().hex
        reply = self.expect(lambda m: m.get("msg_type") == "comm_msg"
                            and m["content"].get("comm_id") == comm_id
                            and (m["content"].get("data", {}).get("content") or {}).get("id")
                            == request_id)
        await self.comm_msg(comm_id, {"method": "custom", "content": {
            "kind": "anywidget-command", "id": request_id, "name": name, "msg": msg}})
        message = await asyncio.wait_for(reply, timeout)
        return message["content"]["data"]["content"]["response"]

    async def update(self, comm_id: str, state: dict[str, Any]) -> None:
        """A widget's `model.save_changes()` from the browser."""
        await self.comm_msg(comm_id, {"method": "update", "state": state, "buffer_paths": []})

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


def page_assets(html_text: str, page_url: str) -> list[str]:
    """The same-server files a page's HTML names (scripts, stylesheets, icons)."""
    import re
    from urllib.parse import urljoin, urlsplit

    host = urlsplit(page_url).netloc
    found = re.findall(r"""<(?:script|link)\b[^>]*?(?:src|href)=["']([^"']+)["']""", html_text)
    urls = []
    for ref in found:
        url = urljoin(page_url, ref.replace("&amp;", "&"))
        if urlsplit(url).netloc == host and url not in urls and url != page_url:
            urls.append(url)
    return urls


def drawn_widgets(page: str, states: dict[str, Any]) -> set[str]:
    """The widget models a browser would draw: the views the page's outputs name, and every
    model they hold (children, `IPY_MODEL_<id>` references), as ipywidgets resolves them."""
    import re

    found: set[str] = set()
    todo = re.findall(r'widget-view\+json":\s*\{"model_id":\s*"([0-9a-f]+)"', page)
    while todo:
        model_id = todo.pop()
        if model_id in found or model_id not in states:
            continue
        found.add(model_id)
        todo.extend(re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(states[model_id])))
    return found


async def simulated_participant(http: Any, url: str, delay: float, timeout: float,
                                fetch_static: bool) -> dict[str, Any]:
    """One participant without a browser: the app's page, widgets and payment over the wire."""
    import re
    import secrets as _secrets
    from urllib.parse import urljoin, urlsplit

    import websockets

    await asyncio.sleep(delay)
    t0 = time.monotonic()
    marks: dict[str, float] = {}
    result: dict[str, Any] = {"ok": False, "marks": marks, "kind": "simulated"}

    def mark(name: str) -> None:
        marks[name] = time.monotonic() - t0

    channel = None
    try:
        response = await http.get(url, timeout=timeout)
        response.raise_for_status()
        page = response.text
        mark("page")
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)
        if not found:
            raise RuntimeError("no kernelId in the page")
        kernel_id = found.group(1)
        if fetch_static:
            files = await asyncio.gather(*(http.get(u, timeout=timeout)
                                           for u in page_assets(page, url)))
            result["static_files"] = len(files)
            result["static_bytes"] = sum(len(f.content) for f in files if f.status_code == 200)
        mark("static")
        parts = urlsplit(url)
        ws_url = f"ws://{parts.netloc}/api/kernels/{kernel_id}/channels?session_id=" \
                 f"{_secrets.token_hex(16)}"
        ws = await websockets.connect(ws_url, max_size=2**26, open_timeout=timeout)
        channel = KernelChannel(ws, _secrets.token_hex(16))
        info = channel.expect(lambda m: m.get("msg_type") == "kernel_info_reply")
        await channel.send("shell", "kernel_info_request", {})
        await asyncio.wait_for(info, timeout)
        mark("websocket")

        # ipywidgets 8's front end: every widget's state at once, over the control comm
        control = _secrets.token_hex(16)
        states_reply = channel.expect(lambda m: m.get("msg_type") == "comm_msg"
                                      and m["content"].get("comm_id") == control)
        await channel.send("shell", "comm_open", {"comm_id": control, "data": {},
                                                   "target_name": "jupyter.widget.control"},
                           {"version": "1.0.0"})  # ipywidgets' control protocol
        await channel.comm_msg(control, {"method": "request_states"})
        states = (await asyncio.wait_for(states_reply, timeout))["content"]["data"]["states"]
        mark("widget_states")
        browser_widget = next(model_id for model_id, model in states.items()
                              if "browser_id" in model.get("state", {}))
        # A browser draws only the widgets the page's outputs name: the app must be there
        if browser_widget not in drawn_widgets(page, states):
            raise RuntimeError("the page names no view of the app's widgets (its cell output"
                               " is missing), so a browser would show no Payment Element")

        # The BrowserId widget reports this browser's id; the kernel opens the sandbox and
        # sends the Payment Element (a new widget: comm_open with its state)
        element_open = channel.expect(
            lambda m: m.get("msg_type") == "comm_open"
            and "module_path" in m["content"].get("data", {}).get("state", {}))
        await channel.update(browser_widget, {"browser_id": _secrets.token_hex(16)})
        opened = await asyncio.wait_for(element_open, timeout)
        mark("payment_element_state")
        element = opened["content"]["comm_id"]
        state = opened["content"]["data"]["state"]
        result["state_bytes"] = len(json.dumps(state))
        if fetch_static and state.get("module_path"):
            base = url.split("/voila/render/")[0] + "/"
            module = await http.get(urljoin(base, state["module_path"]), timeout=timeout)
            result["module_bytes"] = len(module.content) if module.status_code == 200 else 0

        # assets/payment-element.js: kit_config, then the stand-in's requests via the kernel
        config = await channel.command(element, "kit_config", {}, timeout)
        mark("config")
        secret = config["clientSecret"]
        intent_id = secret.split("_secret_")[0]

        async def stripe(method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
            reply = await channel.command(element, "kit_stripe_request",
                                          {"method": method, "path": path, "params": params},
                                          timeout)
            if reply["status"] >= 400:
                raise RuntimeError(f"{method} {path}: {reply['status']} "
                                   f"{reply['body'].get('error', {}).get('message')}")
            return reply["body"]

        await stripe("GET", f"/v1/payment_intents/{intent_id}", {"client_secret": secret})
        session = await stripe("GET", "/v1/elements/sessions", {
            "client_secret": secret,
            "customer_session_client_secret": config["customerSessionClientSecret"]})
        await channel.update(element, {"ready": True})
        await channel.update(element, {"selected_type": "card"})
        mark("element_ready")
        visa = next(pm for pm in (session.get("customer") or {}).get("payment_methods", [])
                    if pm["type"] == "card" and pm["card"]["last4"] == "4242")
        await stripe("POST", f"/v1/payment_intents/{intent_id}/confirm", {
            "client_secret": secret, "payment_method": visa["id"], "use_stripe_sdk": True,
            "return_url": url})
        mark("confirm")
        intent = await stripe("GET", f"/v1/payment_intents/{intent_id}",
                              {"client_secret": secret})
        await channel.update(element, {"payment_intent_id": intent["id"],
                                        "status": intent["status"], "error": None,
                                        "attempts": 1})
        mark("paid")
        result["ok"] = intent["status"] == "succeeded"
        if not result["ok"]:
            result["error"] = f"status {intent['status']}"
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}" \
            if str(exc) else type(exc).__name__
    finally:
        if channel is not None:
            await channel.close()
    return result


async def chromium_participant(browser: Any, url: str, delay: float,
                               timeout_ms: int) -> dict[str, Any]:
    """A real browser among the simulated ones: the page, the widget, the saved Visa, paid."""
    await asyncio.sleep(delay)
    t0 = time.monotonic()
    result = await participant(browser, url, t0, "kit", timeout_ms, contexts := [])
    for context in contexts:
        await context.close()
    result["kind"] = "chromium"
    result["marks"] = {"payment_element_ready": result["tti"], "paid": result["paid"]}
    return result


def own_tree_cpu(pid: int) -> float:
    """CPU seconds of the server process itself (Voilà/tornado: pages, static files, the
    websockets' relaying), without its kernels."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def kernel_pss(pid: int) -> dict[int, float]:
    """MB of PSS of each kernel process below the server."""
    found = {}
    for proc in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                found[proc.pid] = proc.memory_full_info().pss / 2**20
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


async def capacity(n: int, arrivals: str, tmp: Path, chromium: str, timeout: float,
                   fetch_static: bool, browsers_count: int = CHROMIUM_PARTICIPANTS
                   ) -> dict[str, Any]:
    import httpx
    from playwright.async_api import async_playwright

    total = n + browsers_count
    t_start = time.monotonic()
    process, url = start_server("kit", total, tmp)
    warm_s = time.monotonic() - t_start
    try:
        preheat_cpu = tree_cpu([process.pid])
        idle_mb, idle_procs = tree_pss(process.pid)
        idle_kernels = kernel_pss(process.pid)
        window = SPREAD_S[arrivals]
        # everyone evenly over the window; the browsers at 1/5, 2/5... of it
        sim_delays = [window * i / max(n, 1) for i in range(n)]
        browser_delays = [window * (k + 1) / (browsers_count + 1) for k in range(browsers_count)]
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1,"
                      " EXCLUDE localhost"]) if browsers_count else None
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            async with httpx.AsyncClient(limits=limits) as http:
                cpu0, own0, chrome0 = tree_cpu([process.pid]), own_cpu(), chromium_cpu()
                web0 = own_tree_cpu(process.pid)
                t0 = time.monotonic()
                results = await asyncio.gather(
                    *(simulated_participant(http, url, d, timeout, fetch_static)
                      for d in sim_delays),
                    *(chromium_participant(browser, url, d, int(timeout * 1000))
                      for d in browser_delays))
                wall = time.monotonic() - t0
                server_cpu = tree_cpu([process.pid]) - cpu0
                web_cpu = own_tree_cpu(process.pid) - web0
                harness_cpu = own_cpu() - own0
                browser_cpu = chromium_cpu() - chrome0
            loaded_mb, procs = tree_pss(process.pid)
            used_kernels = kernel_pss(process.pid)
            if browser:
                await browser.close()
    finally:
        stop(process)
    simulated = [r for r in results if r["kind"] == "simulated"]
    browsers = [r for r in results if r["kind"] == "chromium"]
    phases = {}
    for name in PHASES:
        values = [r["marks"][name] for r in simulated if name in r["marks"]]
        phases[name] = {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
    to_state = [r["marks"]["payment_element_state"] for r in simulated
                if "payment_element_state" in r["marks"]]
    deltas = sorted(used_kernels[pid] - idle_kernels[pid]
                    for pid in used_kernels if pid in idle_kernels)
    return {
        "mode": "capacity", "arrivals": arrivals, "window_s": window, "n": n,
        "chromium_participants": browsers_count, "static_fetched": fetch_static,
        "paid": sum(r["ok"] for r in simulated), "chromium_paid": sum(r["ok"] for r in browsers),
        "to_payment_element_state_p50": percentile(to_state, 0.5),
        "to_payment_element_state_p95": percentile(to_state, 0.95),
        "to_payment_element_state_max": max(to_state) if to_state else None,
        "phases_from_arrival": phases,
        "chromium_tti": [r["tti"] for r in browsers],
        "chromium_paid_s": [r["paid"] for r in browsers],
        "wall_s": wall, "server_cpu_s": server_cpu,
        "server_cpu_s_per_arrival": server_cpu / total,
        # where the CPU goes: the web server (pages, static files, websockets) vs the kernels
        "web_server_cpu_s": web_cpu, "kernels_cpu_s": server_cpu - web_cpu,
        "harness_cpu_s": harness_cpu, "chromium_cpu_s": browser_cpu,
        "pool_warm_s": warm_s, "preheat_cpu_s_per_kernel": preheat_cpu / total,
        "server_pss_idle_mb": idle_mb, "server_pss_mb": loaded_mb, "server_processes": procs,
        "pss_mb_per_participant": loaded_mb / total,
        "pss_mb_added_per_kernel_p50": percentile(deltas, 0.5),
        "pss_mb_added_per_kernel_max": deltas[-1] if deltas else None,
        "kernel_pss_mb_p50": percentile(sorted(used_kernels.values()), 0.5),
        "state_bytes_p50": percentile([r["state_bytes"] for r in simulated
                                       if "state_bytes" in r], 0.5),
        "static_files_per_page": percentile([r["static_files"] for r in simulated
                                             if "static_files" in r], 0.5),
        "static_bytes_per_page": percentile([r["static_bytes"] for r in simulated
                                             if "static_bytes" in r], 0.5),
        "module_bytes": percentile([r["module_bytes"] for r in simulated
                                    if "module_bytes" in r], 0.5),
        "load_average_before": None,
        "errors": sorted({r["error"] for r in results if r.get("error")})[:5],
        "failed_pages": [r["diagnosis"] for r in browsers if r.get("diagnosis")][:2],
    }


def print_capacity(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'arrivals':<8} {'N':>3} {'paid':>7} {'chromium':>8} {'state p50':>9} "
          f"{'state p95':>9} {'CPU-s/arrival':>13} {'MB/participant':>14} "
          f"{'+MB/kernel':>10} {'load avg':>9}")
    for r in rows:
        print(f"{r['arrivals']:<8} {r['n']:>3} {r['paid']:>3}/{r['n']:<3} "
              f"{r['chromium_paid']:>4}/{r['chromium_participants']:<3} "
              f"{fmt(r['to_payment_element_state_p50']):>9} "
              f"{fmt(r['to_payment_element_state_p95']):>9} "
              f"{fmt(r['server_cpu_s_per_arrival'], '.3f'):>13} "
              f"{fmt(r['pss_mb_per_participant'], '.0f'):>14} "
              f"{fmt(r['pss_mb_added_per_kernel_p50'], '.1f'):>10} "
              f"{r['load_average_before']:>9}")
        print("    where the time goes (p50/p95 s from arrival): " + ", ".join(
            f"{name} {fmt(v['p50'])}/{fmt(v['p95'])}"
            for name, v in r["phases_from_arrival"].items()))
        print(f"    server CPU: web server {fmt(r['web_server_cpu_s'], '.1f')} s, kernels"
              f" {fmt(r['kernels_cpu_s'], '.1f')} s; each preheated kernel"
              f" {fmt(r['preheat_cpu_s_per_kernel'])} CPU-s before anyone came;"
              f" Chromium participants TTI {', '.join(fmt(t) for t in r['chromium_tti'])} s")
    print("\n(targets on 2 cores: N=40 spread 40/40 paid, p95 <= 3 s; N=80 spread 80/80;"
          " burst of 40 40/40; <= 0.25 server CPU-s per arrival; <= 100 MB per participant)")


def fmt(value: Any, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=None,
                        help="participants (default 10 20 40; capacity: 40 80)")
    parser.add_argument("--modes", nargs="+", default=["kit", "plain"],
                        choices=["kit", "plain", "floor", "capacity"])
    parser.add_argument("--arrivals", nargs="+", default=["spread", "burst"],
                        choices=sorted(SPREAD_S),
                        help="capacity: arrivals over 60 s (spread) or 1 s (burst)")
    parser.add_argument("--chromium-participants", type=int, default=CHROMIUM_PARTICIPANTS,
                        help="capacity: real browsers among the simulated participants")
    parser.add_argument("--no-static", action="store_true",
                        help="capacity: simulated participants skip the page's static files")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--browsers", type=int, default=4,
                        help="Chromium processes the participants' contexts are spread over")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_MS / 1000,
                        help="seconds a participant waits before counting as a failure")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH",
                                                             "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kit-workshop-load-"))
    rows, capacity_rows = [], []
    try:
        for n in args.n or ([40, 80] if args.modes == ["capacity"] else [10, 20, 40]):
            for mode in args.modes:
                if mode == "capacity":
                    for arrivals in args.arrivals:
                        load = os.getloadavg()
                        row = asyncio.run(capacity(n, arrivals, tmp, args.chromium,
                                                   args.timeout, not args.no_static,
                                                   args.chromium_participants))
                        row["load_average_before"] = f"{load[0]:.2f}"
                        row["load_average_1_5_15_before"] = [round(x, 2) for x in load]
                        capacity_rows.append(row)
                        print(json.dumps(row), flush=True)
                    continue
                row = asyncio.run(burst(mode, n, tmp, args.chromium, int(args.timeout * 1000),
                                        args.browsers))
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if capacity_rows:
        print_capacity(capacity_rows)
    if rows:
        print(f"\n{'server':<6} {'N':>3} {'success':>8} {'TTI p50':>8} {'TTI p95':>8} "
              f"{'TTI max':>8} {'MB/participant':>15} {'outside reqs':>13}")
        for r in rows:
            per_participant = fmt(r["mb_per_participant"], ".0f")
            print(f"{r['mode']:<6} {r['n']:>3} {r['success']:>4}/{r['n']:<3} "
                  f"{fmt(r['tti_p50']):>8} {fmt(r['tti_p95']):>8} {fmt(r['tti_max']):>8} "
                  f"{per_participant:>15} {len(r['outside_requests']):>13}")
        print(f"\n(machine: {os.cpu_count()} CPUs,"
              f" {psutil.virtual_memory().total / 2**30:.1f} GiB;"
              f" target: 40 participants, 100% success, TTI p95 <= 5 s, <= 150 MB/participant;"
              f" mean of TTIs {statistics.fmean([r['tti_p50'] or 0 for r in rows]):.2f} s)")
    if args.out:
        args.out.write_text(json.dumps({
            "command": " ".join([".venv/bin/python", "benchmarks/workshop_load.py", *argv]),
            "machine": f"{os.cpu_count()} CPUs,"
                       f" {psutil.virtual_memory().total / 2**30:.1f} GiB",
            "rows": rows + capacity_rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
