"""The hands of a webcam frame about to become a sample, found afresh, looking for one hand more than asked.

The stream's tracker follows only the hands asked for: looking for an extra hand on
every frame costs MediaPipe a palm detection per frame (about twice the time). Only
the few frames that become samples (5 a second by default) need the extra search,
and an image-mode search also gives them the keypoints an uploaded photo would get.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.types import Keypoints, RGBImage


class SampleFinder:
    """A static-image keypoint source kept between searches, rebuilt when its settings change.

    Used from the stream's writer thread only (one search at a time), beside the frame thread.
    """

    def __init__(self, make_source: Callable[[TrackerConfig], Any]) -> None:
        self._make_source = make_source  # the stream's: its backend, or a test's fake tracker
        self._source: Any = None
        self._key: tuple[TrackerConfig, KeypointBackend] | None = None

    def find(self, rgb: RGBImage, max_hands: int, model_complexity: int, backend: KeypointBackend) -> list[Keypoints]:
        """The hands of (H, W, 3) RGB ``rgb``, pixel space of that frame, at most ``max_hands``."""
        config = TrackerConfig(static_image_mode=True, max_num_hands=max_hands, model_complexity=model_complexity)
        if self._source is None or self._key != (config, backend):
            self.close()
            self._source, self._key = self._make_source(config), (config, backend)
        return list(self._source.process(rgb))

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()
        self._source = self._key = None
