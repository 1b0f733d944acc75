"""Recording samples from a live stream: countdown, then N samples per second for a few seconds.

A ``Recorder`` is driven by the frame callback (``on_frame``, one thread) and read by the
page (``status``, any thread). Only frames whose hands pass ``core.data.imports.extract.usable_hands``
become samples; the others are counted by reason. Samples are written by a background
writer in small batches, so the frame thread never waits for SQLite.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from core.data.imports.extract import ExtractConfig, make_sample, usable_hands
from core.data.store import Sample, Store
from core.gestures.catalog import shown_name
from core.keypoints.pose import sample_person
from core.types import Keypoints
from ui.webcam.overlay import draw_badge, draw_countdown

RGBImage = npt.NDArray[np.uint8]
_BATCH = 8  # samples per store transaction while recording


@dataclass(frozen=True)
class RecordPlan:
    """What to record. The target is fixed when recording starts, so another tab cannot change it."""

    project: str
    class_name: str
    rate: float = 5.0  # samples per second
    duration: float = 3.0  # seconds of capture after the countdown
    countdown: int = 3  # seconds of 3-2-1 before capture starts
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    backend: str = "mediapipe"  # the project's keypoint backend, stored with every sample
    skeleton: str = "hand"  # "body": one person a sample, legs in view (core.keypoints.pose.sample_person)

    def __post_init__(self) -> None:
        if not 0 < self.rate <= 30:
            raise ValueError(f"samples per second must be in (0, 30], got {self.rate}")
        if not 0 < self.duration <= 120:
            raise ValueError(f"duration must be in (0, 120] seconds, got {self.duration}")
        if not 0 <= self.countdown <= 10:
            raise ValueError(f"countdown must be 0..10 seconds, got {self.countdown}")


@dataclass(frozen=True)
class RecordStatus:
    """A snapshot for the page."""

    plan: RecordPlan
    phase: str  # "countdown", "recording", "saving", "done", "stopped"
    countdown_left: int
    seconds_left: float
    captured: int  # samples made from accepted frames
    stored: int  # samples written to the store
    attempts: int  # frames looked at (accepted + rejected)
    rejected: dict[str, int]
    error: str | None
    ident: int  # unique per recording, so the page reacts to each one once
    take: int  # 1, 2, … within the stream session: "take 3" on the page
    restarted: tuple[int, int] | None = None  # (take, samples captured) of the running take this one stopped

    @property
    def finished(self) -> bool:
        return self.phase in ("done", "stopped")

    @property
    def running(self) -> bool:
        """Counting down, capturing or saving: a second take must wait."""
        return self.phase in ("countdown", "recording", "saving")


_ids = iter(range(1, 1 << 62))


class Recorder:
    """One recording of one class (see the module docstring)."""

    def __init__(self, plan: RecordPlan, store: Store, writer: ThreadPoolExecutor, now: float | None = None,
                 take: int = 1, restarted: tuple[int, int] | None = None) -> None:  # fmt: skip
        self.plan = plan
        self.ident = next(_ids)
        self.take = take
        self.restarted = restarted
        self._store, self._writer = store, writer
        self._lock = threading.RLock()  # re-entrant: a finished future runs its callback at once
        self._start = time.monotonic() if now is None else now
        self._next_capture = self._start + plan.countdown
        self._phase = "countdown" if plan.countdown else "recording"
        self._pending: list[Sample] = []
        self._captured, self._stored, self._attempts = 0, 0, 0
        self._rejected: Counter[str] = Counter()
        self._error: str | None = None
        self._left = (float(plan.countdown), plan.duration)

    @property
    def active(self) -> bool:
        """Counting down or capturing (frames still matter)."""
        return self._phase in ("countdown", "recording")

    # -- frame thread -------------------------------------------------------------------

    def on_frame(self, rgb: RGBImage, hands: list[Keypoints], canvas: RGBImage, now: float | None = None,
                 find_hands: Callable[[RGBImage], list[Keypoints]] | None = None) -> None:  # fmt: skip
        """Advance with one frame: maybe capture hands of ``rgb``; draw the countdown/REC badge on ``canvas``.

        Without ``find_hands`` a capture stores the tracker's ``hands``. With it, a capture
        runs ``find_hands`` on a copy of the frame (a fuller search) on the writer thread,
        so the frame thread never waits for it; that thread then makes and stores the sample.
        """
        now = time.monotonic() if now is None else now
        if self._phase in ("saving", "done", "stopped"):
            return
        elapsed = now - self._start
        if elapsed < self.plan.countdown:
            self._left = (self.plan.countdown - elapsed, self.plan.duration)
            draw_countdown(canvas, math.ceil(self.plan.countdown - elapsed))
            draw_badge(canvas, f"get ready: {shown_name(self.plan.class_name)}", colour=(40, 40, 40), dot=False)
            return
        recorded = elapsed - self.plan.countdown
        if recorded >= self.plan.duration:
            self._finish("done")
            return
        with self._lock:
            self._phase, self._left = "recording", (0.0, self.plan.duration - recorded)
        if now >= self._next_capture:
            self._next_capture = max(self._next_capture + 1.0 / self.plan.rate, now - 0.5 / self.plan.rate)
            if find_hands is None:
                self._capture(rgb, hands)
            else:
                frame = rgb.copy()  # the caller may reuse its buffer
                self._writer.submit(lambda: self._capture(frame, find_hands(frame))).add_done_callback(self._failed)
        draw_badge(
            canvas,
            f"REC {shown_name(self.plan.class_name)}  {self.plan.duration - recorded:.1f}s  {self._captured} samples",
        )

    def _capture(self, rgb: RGBImage, hands: list[Keypoints]) -> None:
        if self.plan.skeleton == "body":
            usable, reason, _ = sample_person(hands, "webcam")
        else:
            usable, reason = usable_hands(hands, self.plan.extract)
        with self._lock:
            self._attempts += 1
            if reason:
                self._rejected[reason] += 1
                return
        samples = [
            make_sample(rgb, hand, self.plan.class_name, "webcam", "", None, self.plan.backend) for hand in usable
        ]
        with self._lock:
            self._captured += len(samples)
            self._pending.extend(samples)
            if len(self._pending) >= _BATCH:
                self._flush()

    def _failed(self, future: Future) -> None:
        if future.exception() is not None:
            with self._lock:
                self._error = f"looking for hands failed: {future.exception()}"

    def _flush(self) -> None:
        """Hand pending samples to the writer. Lock held."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        future = self._writer.submit(self._store.add_samples, self.plan.project, batch)
        future.add_done_callback(self._written)

    def _written(self, future: Future[list[int]]) -> None:
        with self._lock:
            if future.exception() is not None:
                self._error = f"saving samples failed: {future.exception()}"
            else:
                self._stored += len(future.result())

    def _finish(self, phase: str) -> None:
        with self._lock:
            if self._phase in ("saving", "done", "stopped"):
                return
            self._phase, self._left = "saving", (0.0, 0.0)
        # The writer runs one task at a time, in order: the searches still queued, then this
        # flush, then the writes it queues, then the phase change. "done" means all is stored.
        self._writer.submit(self._flush_then, phase).add_done_callback(self._failed)

    def _flush_then(self, phase: str) -> None:
        with self._lock:
            self._flush()
        self._writer.submit(self._set_phase, phase)

    def _set_phase(self, phase: str) -> None:
        with self._lock:
            self._phase = phase

    def stop(self) -> None:
        """End early (Stop button, stream ended); samples captured so far are kept."""
        self._finish("stopped")

    # -- any thread ---------------------------------------------------------------------

    def status(self) -> RecordStatus:
        with self._lock:
            return RecordStatus(
                plan=self.plan,
                phase=self._phase,
                countdown_left=math.ceil(self._left[0]),
                seconds_left=max(0.0, self._left[1]),
                captured=self._captured,
                stored=self._stored,
                attempts=self._attempts,
                rejected=dict(self._rejected),
                error=self._error,
                ident=self.ident,
                take=self.take,
                restarted=self.restarted,
            )
