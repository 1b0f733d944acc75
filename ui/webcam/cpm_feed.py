"""The CPM panel's view of a webcam stream: the CPM's result for the first hand of recent frames."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.keypoints.backend import CPMHandSource
from core.types import Keypoints, RGBImage

if TYPE_CHECKING:
    from core.cpm.estimator import CPMEstimator, CPMResult

# The page redraws the CPM panel twice a second; more CPM passes than that would only be thrown away.
CPM_PANEL_INTERVAL = 0.2


class CPMFeed:
    """The backend's own CPM result when it is the CPM, else one CPM pass on MediaPipe's box.

    With MediaPipe as the backend the extra pass runs at most every ``CPM_PANEL_INTERVAL``
    seconds: still faster than the panel redraws, at a fraction of the cost per frame.
    Used from the frame thread only.
    """

    def __init__(self) -> None:
        self._estimator: CPMEstimator | None = None
        self._checkpoint: Path | None = None
        self._time = -1e9  # monotonic time of the last CPM pass
        # MediaPipe's keypoints of the hand the latest result was read in (the panel compares the two skeletons);
        # None when the keypoints are the network's own (a CPM or ResNet-deconv project)
        self.mediapipe: Keypoints | None = None

    def next(
        self, source: Any, rgb: RGBImage, hands: list[Keypoints], checkpoint: Path | None
    ) -> tuple[bool, CPMResult | None]:
        """(whether the panel's result changes, the new one): None when the hand has gone, so the
        panel says so instead of freezing; unchanged between the interval's passes."""
        if isinstance(source, CPMHandSource):
            cpm = source.last_results[0] if source.last_results else None
            self.mediapipe = None
            return cpm is not None or not hands, cpm
        now = time.monotonic()
        if not hands or now - self._time < CPM_PANEL_INTERVAL:
            if not hands:
                self.mediapipe = None
            return not hands, None
        self._time = now
        if self._estimator is None or self._checkpoint != checkpoint:  # other weights: loaded again
            from core.cpm.estimator import CPMEstimator  # torch: loaded only when the panel is first shown

            self._estimator, self._checkpoint = CPMEstimator(checkpoint), checkpoint
        cpm = self._estimator.estimate_hand(rgb, hands[0])
        self.mediapipe = hands[0]
        return cpm is not None, cpm
