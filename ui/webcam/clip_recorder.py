"""Record motion clips from the webcam: a countdown, then N takes of a few seconds with a pause between.

``ClipRecorder.on_frame`` runs in the WebRTC worker thread (never ``st.*``): it draws the countdown,
the take number and the pause on the selfie view, collects the take's followed hand (steadied by the
stream's pipeline) with the frame times, and at the end of each take hands the clip to a writer
thread, so a slow database never holds up the video. The page reads ``status()``.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from core.data.clips import StoredClip, add_clip
from core.data.counts import plural
from core.data.store import Store
from core.motion.clip import clip_from_keypoints
from core.motion.track import follow
from core.skeletons import Skeleton
from core.types import Keypoints, RGBImage
from ui.webcam.overlay import draw_badge, draw_countdown

PAUSE_COLOUR = (90, 90, 90)


@dataclass(frozen=True)
class TakePlan:
    """What to record: ``takes`` clips of ``seconds`` each into ``class_name``, after ``countdown`` s, ``pause`` s apart."""

    project: str
    class_name: str
    skeleton: Skeleton
    takes: int = 5
    seconds: float = 2.0
    countdown: float = 3.0
    pause: float = 1.5

    def __post_init__(self) -> None:
        if not 1 <= self.takes <= 50:
            raise ValueError(f"takes must be 1 to 50, got {self.takes}")
        if not 0.5 <= self.seconds <= 10.0:
            raise ValueError(f"a take lasts 0.5 to 10 s (the clip limit), got {self.seconds}")


@dataclass(frozen=True)
class TakeStatus:
    active: bool
    take: int  # 1-based take being recorded or next, 0 during the countdown
    takes: int
    phase: str  # "countdown", "recording", "pause", "done", "stopped"
    stored: int
    problems: tuple[str, ...]  # one line per take that could not be a clip

    @property
    def text(self) -> str:
        """The status in words for the page, e.g. "Recording take 2 of 5 · 1 clip stored"."""
        doing = {
            "countdown": "Get ready: the first take starts after the countdown",
            "recording": f"Recording take {self.take} of {self.takes}",
            "pause": f"A short pause after take {self.take} of {self.takes}",
            "done": f"All {self.takes} takes done",
            "stopped": "Stopped",
        }.get(self.phase, self.phase)
        return f"{doing} · {plural(self.stored, 'clip')} stored"


@dataclass
class ClipRecorder:
    plan: TakePlan
    store: Store
    writer: ThreadPoolExecutor
    started: float | None = None  # stream time of the first frame seen
    _frames: list[Keypoints | None] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)
    _size: tuple[int, int] = (640, 480)
    _take: int = 0
    _previous: Keypoints | None = None
    _stopped: bool = False
    _stop_asked: bool = False
    _done: bool = False
    _stored: int = 0
    _problems: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _phase(self, t: float) -> tuple[str, int, float]:
        """(phase, 1-based take, seconds left in the phase) at stream time ``t``."""
        plan = self.plan
        elapsed = t - (self.started if self.started is not None else t)
        if elapsed < plan.countdown:
            return "countdown", 0, plan.countdown - elapsed
        cycle = plan.seconds + plan.pause
        k, into = divmod(elapsed - plan.countdown, cycle)
        if k >= plan.takes:
            return "done", plan.takes, 0.0
        if into < plan.seconds:
            return "recording", int(k) + 1, plan.seconds - into
        return "pause", int(k) + 1, cycle - into

    def on_frame(self, hands: list[Keypoints], t: float, canvas: RGBImage) -> None:
        """One frame of the stream at stream time ``t`` s: draw the phase, collect the take's hand."""
        if self._stopped or self._done:
            return
        if self._stop_asked:  # asked by the page: keep the take so far, on this thread that owns it
            if self._frames:
                self._finish_take()
            self._stopped = True
            return
        if self.started is None:
            self.started = t
        phase, take, left = self._phase(t)
        if phase != "recording" and self._frames:
            self._finish_take()  # the take's last frame has passed
        if phase == "countdown":
            draw_countdown(canvas, max(1, math.ceil(left)))
        elif phase == "recording":
            self._take = take
            found = follow([h for h in hands if h.skeleton == self.plan.skeleton], self._previous)
            self._previous = found or self._previous
            self._frames.append(found)
            self._times.append(t)
            self._size = (canvas.shape[1], canvas.shape[0])
            draw_badge(canvas, f"REC take {take}/{self.plan.takes}  {left:.1f} s")
        elif phase == "pause":
            draw_badge(canvas, f"pause - take {take + 1}/{self.plan.takes} next", PAUSE_COLOUR, dot=False)
        else:
            self._done = True

    def _finish_take(self) -> None:
        frames, times, take = self._frames, self._times, self._take
        self._frames, self._times, self._previous = [], [], None
        self.writer.submit(self._store_take, frames, times, take)

    def _store_take(self, frames: list[Keypoints | None], times: list[float], take: int) -> None:
        source = f"webcam take {take}"
        try:
            clip = clip_from_keypoints(frames, times, self.plan.skeleton, self._size, self.plan.class_name, source)
            add_clip(self.store, self.plan.project, StoredClip(clip, "webcam"))
        except ValueError as exc:  # ClipError (too short, hand missing), StoreError: said on the page
            with self._lock:
                self._problems.append(str(exc))
        else:
            with self._lock:
                self._stored += 1

    def stop(self) -> None:
        """Stop at the next frame; the take in progress is kept if it can be a clip."""
        self._stop_asked = True

    def status(self) -> TakeStatus:
        if self.started is None:
            phase, take = "countdown", 0
        elif self._stopped or self._stop_asked:
            phase, take = "stopped", self._take
        elif self._done:
            phase, take = "done", self.plan.takes
        else:
            phase, take = self._phase(self._times[-1] if self._times else self.started)[:2]
        with self._lock:
            return TakeStatus(phase not in ("stopped", "done"), take, self.plan.takes, phase, self._stored,
                              tuple(self._problems))  # fmt: skip
