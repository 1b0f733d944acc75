"""Held-out teacher labels as a COCO-style keypoint file, so ``eval-keypoints`` can score any backend on them.

The images are those ``train`` never trains on (``is_held_out``); the "ground truth"
is MediaPipe's static-mode keypoints on the whole image, and each hand's box is the
box of those keypoints. Scoring MediaPipe itself on crops of these boxes measures how
far it agrees with itself, the ceiling the CPM is compared against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.cpm.config import DEFAULT_LABEL_CACHE, CPMTrainConfig
from core.cpm.training.inputs import is_held_out
from core.cpm.training.labels import label_media
from core.io.crops import keypoint_box


def heldout_coco(
    inputs: list[str | Path],
    holdout: tuple[str, ...] = (),
    cache: Path = DEFAULT_LABEL_CACHE,
    val_fraction: float = 0.05,
) -> dict:
    """COCO-style dict (images with absolute file names, one annotation per teacher hand) of the held-out images."""
    cfg = CPMTrainConfig(holdout=holdout, val_fraction=val_fraction, label_cache=cache)
    frames = [
        f
        for f in label_media(list(inputs) + list(holdout), cache)
        if f.frame < 0 and f.hands and is_held_out(f.path, cfg)
    ]
    images, annotations = [], []
    for image_id, frame in enumerate(frames, 1):
        images.append({"id": image_id, "file_name": str(frame.path.resolve())})
        for hand in frame.hands:
            x0, y0, x1, y1 = keypoint_box(hand.keypoints)
            keypoints = np.concatenate([hand.keypoints, np.full((21, 1), 2.0, np.float32)], axis=1)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "keypoints": np.round(keypoints, 2).reshape(-1).tolist(),
                    "source": str(frame.path),
                }
            )
    return {
        "info": {"description": "MediaPipe Hands (static, complexity 1) keypoints on held-out images"},
        "images": images,
        "annotations": annotations,
    }
