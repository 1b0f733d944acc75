"""A stream's frame rate and per-stage milliseconds over its last frames, and the status file they go to."""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# to_array / to_frame: the WebRTC frame to an RGB array and back (ui.webcam.frame_callbacks); lag: the frame's arrival
# to its overlay leaving the callback; callback_cpu: CPU time of the callback's own thread for the frame
STAGES = ("landmarks", "features", "classifier", "cpm", "record", "draw", "motion", "total",
          "to_array", "to_frame", "lag", "callback_cpu")  # fmt: skip
_WINDOW = 30  # frames averaged for the per-stage milliseconds
_FPS_SECONDS = 2.0  # frames within this many seconds give the frame rate


@dataclass
class FrameStats:
    """Arrival times (monotonic seconds) of the last 120 frames and each stage's last ``_WINDOW`` timings."""

    times: deque[float] = field(default_factory=lambda: deque(maxlen=120))
    stages: dict[str, deque[float]] = field(default_factory=lambda: {s: deque(maxlen=_WINDOW) for s in STAGES})

    def add(self, now: float, timings: dict[str, float]) -> None:
        self.times.append(now)
        for stage, values in self.stages.items():
            if stage in timings:
                values.append(timings[stage])

    def add_stages(self, timings: dict[str, float]) -> None:
        """Timings measured outside ``add``'s frame (its conversion back), counted for no new frame."""
        for stage, value in timings.items():
            if stage in self.stages:
                self.stages[stage].append(value)

    def fps(self, now: float) -> float:
        recent = [t for t in self.times if now - t <= _FPS_SECONDS]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0])

    def ms(self) -> dict[str, float]:
        return {s: float(np.mean(v)) for s, v in self.stages.items() if v}


def write_status(path: Path, payload: dict[str, Any]) -> None:
    """Replace ``path`` with ``payload`` as JSON in one rename (readers never see half a file).

    Not ``core.io.atomic``: this status file is rewritten every second from the frame
    thread, where its fsyncs would show as frame-time spikes, and losing it costs nothing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)
