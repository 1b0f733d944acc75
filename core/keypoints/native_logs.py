"""MediaPipe's native log lines kept out of a user's terminal and the server log, unless asked for.

MediaPipe's C++ graph (absl logging) and TensorFlow Lite write straight to file descriptor 2 from their own
threads, around every image::

    INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    W0000 00:00:1795678538.519133    9941 inference_feedback_manager.cc:114] Feedback manager requires ...

``GLOG_minloglevel``, ``TF_CPP_MIN_LOG_LEVEL`` and ``GLOG_logtostderr`` change none of them (measured with
mediapipe 0.10: absl's log is set up before Python can reach it), and Python's ``sys.stderr`` never sees them.
So a process entry (``python -m core``, the app's launcher) calls ``quiet_native_logs()``: fd 2 becomes a pipe
that a thread reads, dropping those lines and passing every other byte on to the real stderr at once (errors,
tracebacks, progress bars). absl's errors (``E``/``F`` lines) pass. ``HANDTEACH_VERBOSE=1`` (the CLI's
``--verbose``) leaves stderr alone. Libraries and tests never call it: it changes the whole process's fd 2.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import os
import re
import sys
import threading

VERBOSE_ENV = "HANDTEACH_VERBOSE"

# absl / glog info and warning lines: level, MMDD, time (its seconds since 1970 before absl is set up), thread id,
# file:line]
_ABSL_LINE = re.compile(rb"[IW]\d{4} [\d:.]+ +\d+ [^ \]]+:\d+\] ")
# what the start of such a line looks like while it is being written: within its time, or within its file name
_ABSL_HEADS = (re.compile(rb"[IW][0-9 :.]*"), re.compile(rb"[IW]\d{4} [\d:.]+ +\d+ [^ \]]*(:\d*\]?)?"))
_LITERAL_STARTS = (
    b"INFO: Created TensorFlow Lite",  # TFLite's own logger, once per network
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
)


def is_noise(line: bytes) -> bool:
    """Whether one whole line (without its newline) is one of MediaPipe's info or warning lines."""
    return bool(_ABSL_LINE.match(line)) or line.startswith(_LITERAL_STARTS)


def may_become_noise(partial: bytes) -> bool:
    """Whether the start of a line not yet ended could still be noise, so is held until its newline comes.

    Anything else (a progress bar's ``\\r`` update, a prompt) passes at once."""
    if is_noise(partial) or any(head.fullmatch(partial) for head in _ABSL_HEADS):
        return True
    return any(start.startswith(partial) for start in _LITERAL_STARTS)


class LineFilter:
    """Bytes in, the bytes to pass on out: whole lines judged by ``is_noise``, a line's start held while it may be."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        *lines, self._pending = (self._pending + data).split(b"\n")
        kept = b"".join(line + b"\n" for line in lines if not is_noise(line))
        if self._pending and not may_become_noise(self._pending):
            kept, self._pending = kept + self._pending, b""
        return kept

    def close(self) -> bytes:
        """What is still held, at the end of the stream: a last line without a newline."""
        rest, self._pending = self._pending, b""
        return b"" if is_noise(rest) else rest


def verbose_wanted() -> bool:
    return os.environ.get(VERBOSE_ENV, "").strip().lower() not in ("", "0", "false", "no")


_installed_in: list[int] = []  # the process ids that filter (a forked child has fd 2 of its own to filter)


def quiet_native_logs() -> bool:
    """Filter fd 2 of this process (once; a no-op with ``HANDTEACH_VERBOSE=1``). Returns whether it filters."""
    if verbose_wanted():
        return False
    if os.getpid() in _installed_in:
        return True
    try:  # at the descriptor limit, an unfiltered stderr beats a process that cannot start
        real = os.dup(2)
        try:
            read_end, write_end = os.pipe()
        except OSError:
            os.close(real)
            raise
    except OSError:
        return False
    _installed_in.append(os.getpid())
    os.dup2(write_end, 2)
    os.close(write_end)
    pump = threading.Thread(target=_pump, args=(read_end, real), name="native-log-filter", daemon=True)
    pump.start()
    if faulthandler.is_enabled():  # a crash's traceback must not wait in a pipe whose reader dies with it
        faulthandler.enable(file=os.fdopen(os.dup(real), "w"))
    atexit.register(_restore, real, pump)
    return True


def _pump(read_end: int, real: int) -> None:
    """Copy the pipe to the real stderr, noise dropped, until every writer closed it. Never stops reading: a
    full pipe would block every thread that writes to stderr."""
    line_filter = LineFilter()
    while data := os.read(read_end, 65536):
        _write(real, line_filter.feed(data))
    _write(real, line_filter.close())
    os.close(read_end)


def _write(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:  # the real stderr went away (a closed terminal): drop, as an unread stderr would
        pass


def _restore(real: int, pump: threading.Thread) -> None:
    """At exit: fd 2 back to the real stderr, and what is in the pipe passed on (a child process still holding
    the pipe keeps it open: wait a moment, no longer)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed or replaced by the program
            stream.flush()
    os.dup2(real, 2)
    pump.join(timeout=1.0)
