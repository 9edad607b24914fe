"""The boundary between a participant's browser and a workshop kernel: nothing but a short
message crosses it when something goes wrong.

Installed in every kernel the workshop server starts (an IPython startup file, see
`server.kernel_profile`), never in a notebook you run yourself:

- widget messages: a comm message that is not a JSON object, names no `method`, names an
  unknown method or an unknown anywidget command, or whose handler raises, is answered on the
  widget's own comm with `{"kind": "kit-error", "message": ...}` (and, for an anywidget
  command, with a command response carrying `{"error": {"message": ...}}`, so the browser's
  `invoke` resolves); ipywidgets would otherwise print a traceback to iopub.
- widget comms opened by a page: a `comm_open` for a widget (or the widget manager's control
  comm) that ipywidgets cannot use (no state, part of a state, a wrong protocol version) is
  answered on that comm with a `kit-error` and the comm is closed; a control-comm message it
  cannot use likewise. The comm package would otherwise log the traceback, which a kernel
  forwards to the page; as a last resort, anything the comm package logs reaches the page as
  its one-line message, the traceback goes to the server's terminal.
- tracebacks: whatever still reaches IPython's traceback display (a button's callback, a
  cell) goes out as one line, `ErrorName: message` with server paths removed; the whole
  traceback goes to the server's terminal only.
- output streams and warnings: absolute paths of this machine (the repository, the Python
  installation, the home directory) are shortened before they leave.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
WIDGET_METHODS = ("update", "request_state", "custom")  # what a page may send
SHORT = "Something went wrong on the server ({name}). Try again, or ask the facilitator."


def _top_level_dirs() -> list[str]:
    try:
        return sorted(re.escape(name) for name in os.listdir("/") if os.path.isdir("/" + name))
    except OSError:
        return []


# An absolute path on this machine: it starts with one of its top-level directories (so an
# API path such as /v1/customers, or a URL, is left alone).
_PATH = re.compile(r"(?<![\w:/])/(?:" + "|".join(_top_level_dirs() or ["home", "usr", "tmp"])
                   + r")(?:/[\w.\-@+~]+)+")
_installed = False


def scrub(text: str) -> str:
    """`text` without absolute paths of this machine (the repository, the Python
    installation, the home directory, anything under one of its top-level directories)."""
    for root in sorted({str(REPO_ROOT), sys.prefix, sys.base_prefix, str(Path.home())},
                       key=len, reverse=True):
        if root and len(root) > 1:  # the root and the rest of the path after it
            text = re.sub(re.escape(root) + r"(?:/[\w.\-@+~]+)*", "…", text)
    return _PATH.sub("…", text)


def short_error(error: BaseException | str) -> str:
    """One line for a browser: the error's kind and its message, without paths."""
    if isinstance(error, str):
        return scrub(error)[:300]
    message = scrub(str(error))[:200]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def log_to_server(text: str) -> None:
    """The full story, for the facilitator's terminal only.

    In a kernel, ipykernel forwards what is written to file descriptor 2 to the page as
    well; it keeps a copy of the real stderr (`_original_stdstream_copy`), which only the
    server's terminal reads."""
    data = f"[kit workshop kernel] {text}\n".encode(errors="replace")
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    try:
        if isinstance(fd, int):
            os.write(fd, data)
        elif not hasattr(sys.stderr, "session"):  # not in a kernel: stderr is the terminal
            sys.__stderr__.write(data.decode())
            sys.__stderr__.flush()
    except Exception:
        pass


def _reply(widget: Any, message: str, content: Any = None, status: int = 400) -> None:
    """The short error, on the widget's comm: a `kit-error` message, and for an anywidget
    command a response shaped both ways a widget reads one: `{"error": ...}`, and as the
    Stripe relay answers (`{"status": ..., "body": {"error": ...}}`), so a stand-in Stripe.js
    shows it like any API error."""
    error = {"type": "invalid_request_error" if status < 500 else "api_error",
             "message": message}
    try:
        if isinstance(content, dict) and content.get("kind") == "anywidget-command" \
                and "id" in content:
            widget.send({"id": content["id"], "kind": "anywidget-command-response",
                         "response": {"error": error, "status": status,
                                      "body": {"error": error}}})
        widget.send({"kind": "kit-error", "message": message})
    except Exception:  # a closed comm: nobody to tell
        pass


def handle_widget_message(widget: Any, msg: Any, original: Any) -> None:
    """ipywidgets' `Widget._handle_msg`, with every way out a short answer."""
    try:
        data = msg["content"]["data"]
        method = data["method"] if isinstance(data, dict) else None
    except (KeyError, TypeError):
        data, method = None, None
    if method not in WIDGET_METHODS:
        what = "a malformed widget message" if method is None else \
            f"an unknown widget method {str(method)[:40]!r}"
        log_to_server(f"refused {what} for {type(widget).__name__}")
        _reply(widget, f"The server could not use {short_error(what)}.")
        return
    if method != "custom":
        try:
            original(widget, msg)
        except Exception as error:
            log_to_server("".join(traceback.format_exception(error)))
            _reply(widget, SHORT.format(name=type(error).__name__), status=500)
        return
    content = data.get("content")
    buffers = msg.get("buffers") or []
    if isinstance(content, dict) and content.get("kind") == "anywidget-command":
        known = getattr(type(widget), "_anywidget_commands", {}) or {}
        if content.get("name") not in known or "msg" not in content:
            name = str(content.get("name"))[:40]
            log_to_server(f"refused an unknown command {name!r} for {type(widget).__name__}")
            _reply(widget, f"Unknown widget command {short_error(name)!r}.", content)
            return
    from ipywidgets.widgets.widget import Widget

    if type(widget)._handle_custom_msg is not Widget._handle_custom_msg:  # its own handler
        try:
            widget._handle_custom_msg(content, buffers)
        except Exception as error:
            log_to_server("".join(traceback.format_exception(error)))
            _reply(widget, SHORT.format(name=type(error).__name__), content, status=500)
        return
    for callback in list(widget._msg_callbacks.callbacks):
        try:
            callback(widget, content, buffers)
        except Exception as error:
            log_to_server("".join(traceback.format_exception(error)))
            _reply(widget, SHORT.format(name=type(error).__name__), content, status=500)


def _guard_widgets() -> None:
    from ipywidgets.widgets.widget import Widget

    original = Widget._handle_msg
    if getattr(original, "_kit_guarded", False):
        return
    # ipywidgets wraps it in `_show_traceback`, which prints a traceback to the page: take
    # the function inside, so that its errors reach us instead
    for cell in original.__closure__ or ():
        inner = cell.cell_contents
        if callable(inner) and getattr(inner, "__name__", "") == "_handle_msg":
            original = inner

    def guarded(self: Any, msg: Any) -> None:
        handle_widget_message(self, msg, original)

    guarded._kit_guarded = True  # type: ignore[attr-defined]
    Widget._handle_msg = guarded


def _send_kit_error(comm: Any, message: str) -> None:
    """A `kit-error` on a comm that may have no widget (yet): as a widget's custom message."""
    try:
        comm.send({"method": "custom", "content": {"kind": "kit-error", "message": message}})
    except Exception:  # a closed comm: nobody to tell
        pass


def guard_comm_open(original: Any) -> Any:
    """A comm target (`f(comm, msg)`) whose failure is a short answer on the comm, then the
    comm closed (with the widget it half made), never a traceback."""
    if getattr(original, "_kit_guarded", False):
        return original

    def guarded(comm: Any, msg: Any) -> None:
        try:
            original(comm, msg)
        except Exception as error:
            log_to_server("refused a comm_open: " + "".join(traceback.format_exception(error)))
            _send_kit_error(comm, f"The server could not open this widget ({short_error(error)}).")
            _close_comm_and_widget(comm)

    guarded._kit_guarded = True  # type: ignore[attr-defined]
    return guarded


def _close_comm_and_widget(comm: Any) -> None:
    try:
        from ipywidgets.widgets.widget import _instances

        for widget in [w for w in list(_instances.values()) if getattr(w, "comm", None) is comm]:
            widget.close()  # closes its comm and forgets the widget
        comm.close()  # (once only: a widget's close did it already)
    except Exception as error:
        log_to_server(f"could not close a refused comm: {type(error).__name__}: {error}")


def _guard_comm_targets(shell: Any) -> None:
    """Guard the widget targets the page opens comms to (ipywidgets registered them when it
    was imported, with the functions it had then: they are wrapped where they are kept)."""
    manager = getattr(getattr(shell, "kernel", None), "comm_manager", None)
    targets = getattr(manager, "targets", None)
    if not isinstance(targets, dict):
        return
    for name in ("jupyter.widget", "jupyter.widget.control"):
        if callable(targets.get(name)):
            targets[name] = guard_comm_open(targets[name])


def _guard_control_messages() -> None:
    """The widget manager's control comm (`request_states`): anything else it is sent gets a
    short answer (ipywidgets raises, and the comm package logs the traceback)."""
    from ipywidgets.widgets.widget import Widget

    original = Widget.__dict__["_handle_control_comm_msg"].__func__
    if getattr(original, "_kit_guarded", False):
        return

    def guarded(cls: Any, msg: Any) -> None:
        try:
            data = msg["content"]["data"]
            method = data.get("method") if isinstance(data, dict) else None
        except (KeyError, TypeError):
            method = None
        if method != "request_states":
            log_to_server(f"refused a control-comm message (method {str(method)[:40]!r})")
            _send_kit_error(cls._control_comm, "The server could not use"
                            f" {short_error(repr(str(method)[:40]))} on the widgets' control comm.")
            return
        try:
            original(cls, msg)
        except Exception as error:
            log_to_server("".join(traceback.format_exception(error)))
            _send_kit_error(cls._control_comm, SHORT.format(name=type(error).__name__))

    guarded._kit_guarded = True  # type: ignore[attr-defined]
    Widget._handle_control_comm_msg = classmethod(guarded)


class _OneLineLogs:
    """A logging filter: the record's traceback goes to the server's terminal, the rest (one
    line, paths scrubbed) on its way. For the comm package's logger, whose errors a kernel
    forwards to the page."""

    def filter(self, record: Any) -> bool:
        if record.exc_info or record.exc_text:
            story = record.exc_text or "".join(traceback.format_exception(*record.exc_info))
            log_to_server(f"{record.getMessage()}\n{story}")
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = scrub(record.getMessage()), None
        return True


COMM_LOGGERS = ("Comm", "ipykernel.comm")  # the comm package's, and ipykernel's comm_open


def _one_line_comm_logs() -> None:
    import logging

    for name in COMM_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLineLogs) for f in logger.filters):
            logger.addFilter(_OneLineLogs())


def _short_tracebacks(shell: Any) -> None:
    if getattr(shell, "_kit_short_tracebacks", False):  # installed by another copy already
        return
    shell._kit_short_tracebacks = True
    original = shell._showtraceback

    def short(etype: Any, evalue: Any, stb: Any) -> None:
        log_to_server("\n".join(stb) if isinstance(stb, list) else str(stb))
        name = getattr(etype, "__name__", "Error")
        line = f"{name}: {scrub(str(evalue))[:200]}"
        original(etype, scrub(str(evalue))[:200], [line])

    shell._showtraceback = short
    kernel = getattr(shell, "kernel", None)
    do_execute = getattr(kernel, "do_execute", None)
    if do_execute is not None:
        async def scrubbed_execute(*args: Any, **kwargs: Any) -> Any:
            reply = do_execute(*args, **kwargs)
            if hasattr(reply, "__await__"):
                reply = await reply
            if isinstance(reply, dict) and reply.get("status") == "error":
                reply["evalue"] = scrub(str(reply.get("evalue", "")))[:200]
                reply["traceback"] = [f"{reply.get('ename')}: {reply['evalue']}"]
            return reply

        kernel.do_execute = scrubbed_execute


def _scrub_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        write = getattr(stream, "write", None)
        if write is None or getattr(write, "_kit_scrubbed", False):
            continue

        def scrubbed(text: str, _write: Any = write) -> Any:
            return _write(scrub(text) if isinstance(text, str) else text)

        scrubbed._kit_scrubbed = True  # type: ignore[attr-defined]
        try:
            stream.write = scrubbed
        except (AttributeError, TypeError):
            pass

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Any = None) -> None:
        log_to_server(f"{filename}:{lineno}: {category.__name__}: {message}")

    warnings.showwarning = show  # warnings go to the server's terminal, not the page


def install(shell: Any = None) -> None:
    """Guard this kernel (idempotent). `shell`: the IPython shell, found when not given."""
    global _installed
    if _installed:
        return
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    _guard_widgets()
    _guard_control_messages()
    _one_line_comm_logs()
    if shell is not None:
        _guard_comm_targets(shell)
        _short_tracebacks(shell)
        _scrub_streams()
    _installed = True
