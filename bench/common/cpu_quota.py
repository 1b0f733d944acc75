"""A slow laptop for the whole browser: Chromium's processes in a cgroup with a CPU quota (``--browser-cores``).

DevTools' CPU throttling (``--cpu-throttle``) slows a tab's main thread only (Chromium's ``ThreadCPUThrottler``): a
Web Worker (onnxruntime-web's, or MediaPipe's if it moved to one), the compositor and the GPU process run at full
speed, so it cannot say what moving work off the page's thread is worth. A CFS quota slows every thread of every
process the browser has or starts (a child process stays in its parent's cgroup): ``cores`` 0.5 lets the whole
browser use half of one of this machine's cores, as a school laptop about four times slower than its two cores.

Needs a writable cgroup: root, with cgroup v1's ``cpu`` controller or v2's ``cpu.max``. Where there is none,
``CpuQuota`` raises ``QuotaUnavailable`` saying so.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PERIOD_US = 100_000
V1 = Path("/sys/fs/cgroup/cpu")
V2 = Path("/sys/fs/cgroup")


class QuotaUnavailable(RuntimeError):
    pass


class CpuQuota:
    """A cgroup of its own whose processes share ``cores`` cores; ``add`` moves processes (all their threads) in,
    ``close`` removes it once they have ended (the browser closed)."""

    def __init__(self, cores: float) -> None:
        if not 0.01 <= cores <= os.cpu_count():
            raise ValueError(f"--browser-cores must be between 0.01 and {os.cpu_count()}, not {cores}")
        quota = str(round(cores * PERIOD_US))
        name = f"handteach-bench-{os.getpid()}"
        try:
            if (V1 / "cpu.cfs_quota_us").exists():
                self.path = V1 / name
                self.path.mkdir()
                (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (self.path / "cpu.cfs_quota_us").write_text(quota)
            elif "cpu" in (V2 / "cgroup.controllers").read_text().split():
                self.path = V2 / name
                self.path.mkdir()
                (self.path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
            else:
                raise QuotaUnavailable("no cgroup cpu controller on this machine")
        except OSError as error:
            raise QuotaUnavailable(f"cannot make a cgroup with a CPU quota here ({error.strerror}): run as root "
                                   "on a machine with a writable cgroup cpu controller") from error  # fmt: skip

    def add(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                (self.path / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:
                continue  # ended meanwhile

    def close(self) -> None:
        """Removes the group once its processes have ended (a closed browser's last ones take a moment)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)
        print(f"left {self.path}: a process is still in it (rmdir it once it ends)", file=sys.stderr)

    def __enter__(self) -> CpuQuota:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
