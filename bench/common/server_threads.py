"""Where a server's CPU goes, by thread: ``/proc/PID/task/*`` read before and after a window.

Python threads carry no OS name on 3.11, so the app names them: with ``HANDTEACH_TIMINGS_FILE`` set each
stream's status file holds ``threads`` (native id → Python thread name, ``ui.webcam.stream``). Native threads
keep their own names (MediaPipe's are ``mediapipe/N``). Each thread falls in one group of ``GROUPS``.
"""

from __future__ import annotations

import os
from pathlib import Path

# (group, what it holds, the Python thread name prefixes or native names that make it), in the order printed
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("decode", "WebRTC VP8 decoding (aiortc's decoder thread per stream)", ("video-decoder",)),
    (
        "callback",
        "the frame callback: conversions, features, classifier, drawing, the wait on MediaPipe",
        ("async_media_processor",),
    ),  # fmt: skip
    ("mediapipe", "MediaPipe's graph threads (keypoints)", ("mediapipe/",)),
    ("encode", "WebRTC VP8 encoding (the event loop's executor threads)", ("asyncio_",)),
    ("event_loop", "the server's event loop: aiortc's RTP, SRTP, ICE, Streamlit's websockets", ("MainThread",)),
    ("reruns", "the page's script runs (fragments every 0.5 s, widget changes)", ("ScriptRunner",)),
    ("writers", "outputs, recordings, spotting workers", ("handteach-", "outputs", "ws-", "osc-")),
)
OTHER = "other"


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """Each live thread of ``pid``: native id → (OS name, user + system CPU seconds so far)."""
    threads: dict[int, tuple[str, float]] = {}
    ticks = _clock_ticks()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended between listing and reading
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        threads[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / ticks)
    return threads


def group_of(os_name: str, python_name: str | None) -> str:
    name = python_name or os_name
    for group, _, prefixes in GROUPS:
        if any(name.startswith(prefix) for prefix in prefixes):
            return group
    return OTHER


def cpu_by_group(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
                 names: dict[int, str], total: float) -> dict[str, float]:  # fmt: skip
    """CPU seconds each group used between two ``thread_cpu`` readings.

    Threads that ended in the window are gone from ``after``: their share is the process total
    (``total``, from ``/proc/PID/stat``, which keeps dead threads' time) less the live threads' sum,
    counted under ``ended``.
    """
    used: dict[str, float] = {}
    for tid, (os_name, seconds) in after.items():
        spent = seconds - before.get(tid, (os_name, 0.0))[1]
        group = group_of(os_name, names.get(tid))
        used[group] = used.get(group, 0.0) + spent
    used["ended"] = max(0.0, total - sum(used.values()))
    return used


def describe(group: str) -> str:
    for name, text, _ in GROUPS:
        if name == group:
            return text
    if group == "ended":
        return "threads that ended inside the window (a stream's threads after its tab closed)"
    return "unnamed native threads (OpenCV, libvpx, onnxruntime, torch pools) and other Python threads"


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process now: pid -> (parent pid, name, CPU seconds so far)."""
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / _clock_ticks())
    return table


def descendants(root: int, skip: int, skip_names: tuple[str, ...] = (), table: dict | None = None) -> list[int]:
    """``root``'s descendant processes (the headless browser's), ``skip``'s tree and processes named in
    ``skip_names`` (Playwright's ``node`` driver) left out."""
    table = _processes() if table is None else table

    def under(pid: int) -> bool:
        while pid > 1:
            if pid == skip:
                return False
            if pid == root:
                return True
            pid = table[pid][0] if pid in table else 1
        return False

    return [pid for pid, (_, name, _) in table.items() if pid != root and name not in skip_names and under(pid)]


def tree_cpu(root: int, skip: int, skip_names: tuple[str, ...] = ()) -> float:
    """CPU seconds so far of the processes ``descendants`` lists (each one's own time)."""
    table = _processes()
    return sum(table[pid][2] for pid in descendants(root, skip, skip_names, table))
