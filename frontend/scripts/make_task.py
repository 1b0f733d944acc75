"""Assemble MediaPipe Tasks' ``hand_landmarker.task`` from the installed mediapipe wheel (issue 46).

The Tasks API's hand model is a zip of two TFLite files; mediapipe==0.10.21's own
``palm_detection_full.tflite`` and ``hand_landmark_full.tflite`` already carry the metadata it needs,
and the wheel's ``create_model_asset_bundle`` packs them (docs/deploy.md), so nothing is downloaded.

    .venv/bin/python frontend/scripts/make_task.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import create_model_asset_bundle

# The names HandLandmarker looks for inside the bundle, and the wheel's files that fill them.
MEMBERS = {
    "hand_detector.tflite": "modules/palm_detection/palm_detection_full.tflite",
    "hand_landmarks_detector.tflite": "modules/hand_landmark/hand_landmark_full.tflite",
}


def make_task(out_dir: Path) -> Path:
    """Write ``out_dir/hand_landmarker.task`` (replaced whole) and return its path."""
    root = Path(mediapipe.__file__).parent
    models = {name: (root / source).read_bytes() for name, source in MEMBERS.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    target, part = out_dir / "hand_landmarker.task", out_dir / "hand_landmarker.task.part"
    create_model_asset_bundle(models, str(part))
    part.replace(target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_task.py OUT_DIR")
    print(f"wrote {make_task(Path(sys.argv[1]))}")
