"""``python -m core ARGS`` as a real process of its own, without paying the interpreter's start-up each time.

A CLI test starts the command line about a hundred times, and each start imported torch, scikit-learn and the
rest of ``core.cli`` again (seconds apiece on two busy cores) before doing anything. Here one server process
imports ``core.cli.main`` and the engines its handlers import once and forks a child per command: the child is
a pristine copy of the server (the server itself never runs a command, so nothing one command did is seen by
the next) and runs what ``core/__main__.py`` runs, ``sys.exit(entry(args))``, with the caller's environment,
working directory, stdout and stderr. Exit code and output read as from ``subprocess.run``: an uncaught
exception prints its traceback and exits 1, ``sys.exit("text")`` prints the text and exits 1, atexit handlers
run.

What a fork does not repeat is the start itself: ``python -m core`` starting in a fresh interpreter is
checked by the tests that still use ``subprocess.run`` (``run_cli(..., fresh=True)`` in ``test_cli``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The server: requests and answers are JSON lines on its stdin and on a duplicate of its stdout, so that
# nothing a child prints can corrupt them (the children's fds 1 and 2 are files of the request's own).
_SERVER = r"""
import atexit, json, os, sys, tempfile, traceback
from core.cli.main import entry
# the engines the handlers import when they run (torch, scikit-learn, MediaPipe's wrappers): the slow import, done once
import core.data.project, core.gestures.inference, core.motion.evaluate, core.motion.train, core.cli.motion

answers = os.fdopen(os.dup(1), "w")
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)

def child(request, out, err):
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # not the server's requests
    sys.stdin = open(os.devnull)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["python -m core", *request["args"]]
    try:
        code = entry(request["args"])
    except SystemExit as exit:
        code = exit.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)

answers.write("ready\n")
answers.flush()
for line in sys.stdin:
    request = json.loads(line)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                child(request, out, err)
            finally:
                os._exit(70)  # child() never returns; this only guards against a bug in it
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status, usage = os.wait4(pid, 0)
        out.seek(0)
        err.seek(0)
        answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
                                  "stdout": out.read().decode("utf-8", "replace"),
                                  "stderr": err.read().decode("utf-8", "replace")}) + "\n")
        answers.flush()
"""


class ForkedProcess(subprocess.CompletedProcess[str]):
    """``subprocess.CompletedProcess`` with the child's peak resident memory (``ru_maxrss``: the pages it shares
    with the server count, as a fresh process that imported the same modules would hold them)."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str, peak_rss_mb: float) -> None:
        super().__init__(args, returncode, stdout, stderr)
        self.peak_rss_mb = peak_rss_mb


class _Server:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, cwd=REPO, env=env, text=True,
                                        start_new_session=True)  # fmt: skip
        # Lines read by a thread of their own: a select() on the pipe then readline() missed a line that came in the
        # same read as the one before it (a quick command's pid and answer), already in the text buffer, and waited
        # out the whole timeout for it (300 s: a `projects list` that fails at once hung CI's run)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        if self._line(300) != "ready":
            raise RuntimeError("the CLI server did not start")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def _line(self, timeout: float) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            self.lines.put(None)  # every later call sees the end too
            raise RuntimeError(f"the CLI server ended (exit code {self.process.wait()})")
        return line

    def run(self, args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> ForkedProcess:
        self.process.stdin.write(json.dumps({"args": args, "env": env, "cwd": str(cwd)}) + "\n")
        self.process.stdin.flush()
        pid = json.loads(self._line(60))["pid"]
        try:
            answer = json.loads(self._line(timeout))
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):  # the child may have ended while its answer did not come
                os.kill(pid, signal.SIGKILL)
            self.close()  # always: a server left running would answer the next request with this one's result
            raise subprocess.TimeoutExpired(["python -m core", *args], timeout) from None
        return ForkedProcess(["python -m core", *args], answer["returncode"], answer["stdout"], answer["stderr"],
                             answer["maxrss_kb"] / 1024)  # fmt: skip

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


_server: _Server | None = None


def run_forked(args: list[str], env: dict[str, str], cwd: Path = REPO, timeout: float = 300) -> ForkedProcess:
    """``subprocess.run([python, "-m", "core", *args], env=env, cwd=cwd, capture_output=True, text=True,
    timeout=timeout)``, served by a forked child of the (lazily started) CLI server; also its peak memory."""
    global _server
    if _server is None or _server.process.poll() is not None:
        _server = _Server()
        atexit.register(_server.close)
    try:
        return _server.run(list(args), env, cwd, timeout)
    except subprocess.TimeoutExpired:
        _server = None  # closed: the next call starts another
        raise
