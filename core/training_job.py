"""Training in a background thread, for a UI that polls progress and may cancel."""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from core.features import FeatureConfig
from core.training import EpochStats, FloatArray, TrainConfig, TrainResult, train_classifier


class TrainingJob:
    """``train_classifier`` in a daemon thread, for a UI that polls and may cancel.

    The arguments are those of ``train_classifier``; features and labels are copied, so
    the caller may change its own arrays meanwhile. Progress arrives as ``EpochStats``
    in a thread-safe queue (``poll_events``); an exception in the thread is kept in
    ``error`` (and ``result`` stays None), never swallowed.
    """

    def __init__(
        self,
        X: FloatArray,
        labels: Sequence[str],
        classes: Sequence[str],
        mirror_map: Mapping[str, str],
        feature_config: FeatureConfig,
        config: TrainConfig | None = None,
    ) -> None:
        self._args = (np.array(X, dtype=np.float32), list(labels), list(classes), dict(mirror_map), feature_config)
        self.config = config or TrainConfig()
        self.result: TrainResult | None = None
        self.error: BaseException | None = None
        self.latest: EpochStats | None = None  # the newest progress, for a progress bar
        self._events: queue.SimpleQueue[EpochStats] = queue.SimpleQueue()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handteach-training", daemon=True)

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the run to stop after the current epoch; it still delivers the best weights so far."""
        self._cancel.set()

    @property
    def done(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends or ``timeout`` seconds pass; True when it has ended."""
        if self._thread.ident is None:
            raise RuntimeError("the training job was never started; call start() first")
        self._thread.join(timeout)
        return self.done

    def poll_events(self) -> list[EpochStats]:
        """The progress events that arrived since the last call, oldest first."""
        events = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def _progress(self, stats: EpochStats) -> None:
        self.latest = stats
        self._events.put(stats)

    def _run(self) -> None:
        try:
            self.result = train_classifier(*self._args, self.config, on_epoch=self._progress, cancel=self._cancel)
        except BaseException as exc:  # kept for the UI thread to show or re-raise
            self.error = exc
