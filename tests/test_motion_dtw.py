"""core.motion.dtw: the alignment cost and the template classifier on real hand shapes."""

from __future__ import annotations

import numpy as np
from motionmaker import keypoint_clip

from core.motion.dtw import DTWClassifier, dtw_distances


def test_a_sequence_is_nearer_to_itself_shifted_in_time_than_to_another() -> None:
    t = np.linspace(0, 1, 32)
    ramp = np.stack([t, np.zeros(32)], axis=1).astype(np.float32)
    late = np.stack([np.clip(t * 1.4 - 0.4, 0, 1), np.zeros(32)], axis=1).astype(np.float32)  # same path, later
    up = np.stack([np.zeros(32), t], axis=1).astype(np.float32)
    costs = dtw_distances(ramp, np.stack([ramp, late, up]), band=8)
    assert costs[0] == 0.0 and costs[1] < 0.25 * costs[2]


def test_templates_and_their_mirror_images_classify_new_clips() -> None:
    model = DTWClassifier(
        [keypoint_clip(k, start=s) for k in ("swipe_left", "swipe_right", "circle") for s in (0, 100)]
    )
    assert model.classes == ["circle", "swipe_left", "swipe_right"]
    assert len(model.templates) == 12  # 6 clips and their 6 mirror images
    for kind in ("swipe_left", "swipe_right", "circle"):
        prediction = model.predict_clip(keypoint_clip(kind, start=250, frames=40, amplitude=420))
        assert prediction.label == kind and abs(sum(prediction.probabilities.values()) - 1) < 1e-5
