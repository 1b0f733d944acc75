"""Pack MediaPipe Tasks' hand bundles for the browser path from the keypoint models ``make`` fetched.

The Tasks API's hand model is a zip of two TFLite files whose members are stored uncompressed at 4-byte offsets
(what mediapipe's ``create_model_asset_bundle`` writes), so nothing is downloaded and no mediapipe is imported:
the ``.tflite`` files are the mediapipe 0.10.21 wheel's, kept beside the ONNX models by ``make keypoint-models``
(``core.keypoints.models.browser_tflite``, each checked by its SHA-256):

- ``hand_landmarker.task``: ``palm_detection_full.tflite`` and ``hand_landmark_full.tflite``;
- ``hand_landmarker_lite.task``: the same palm detector and ``hand_landmark_lite.tflite``, for a tab whose frames
  are too slow (frontend/src/pace.js). The hand landmark model runs on every frame and the lite one takes about
  half the time of the full one; the wheel's lite palm detector saves a tenth of the palm's time (5.0 against
  5.6 ms a run on one CPU thread) and ships without the metadata tasks-vision needs, so the lite bundle keeps
  the full detector.

    .venv/bin/python frontend/scripts/make_task.py OUT_DIR
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for core/ (run as a script by make)

from core.keypoints.models import KeypointModelError, browser_tflite  # noqa: E402 - after the path above

# The names HandLandmarker looks for inside a bundle, and the models that fill them.
BUNDLES = {
    "hand_landmarker.task": {
        "hand_detector.tflite": "palm_detection_full",
        "hand_landmarks_detector.tflite": "hand_landmark_full",
    },
    "hand_landmarker_lite.task": {
        "hand_detector.tflite": "palm_detection_full",
        "hand_landmarks_detector.tflite": "hand_landmark_lite",
    },
}
ALIGNMENT = 4  # each member's bytes start at a multiple of this from the file's start: read in place, not copied
# zip's records (APPNOTE 4.3.7, 4.3.12, 4.3.16): stored members, no extra fields, no comments
LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
DOS_DATE = 0x5A21  # 2025-01-01: the same bytes from the same models on every make


def write_bundle(members: dict[str, bytes], path: Path) -> None:
    """A zip of ``members`` stored uncompressed, zero bytes before each local header so that its data starts at a
    multiple of ``ALIGNMENT``, as mediapipe's own writer does. (Padding the header's extra field instead, as
    zipalign does, is refused by MediaPipe's reader: "Unable to read associated file in zip archive".)"""
    body, directory = bytearray(), bytearray()
    for name, data in members.items():
        encoded, crc = name.encode(), zlib.crc32(data)
        body += b"\0" * (-(len(body) + LOCAL.size + len(encoded)) % ALIGNMENT)
        offset = len(body)
        body += LOCAL.pack(0x04034B50, 20, 0, 0, 0, DOS_DATE, crc, len(data), len(data), len(encoded), 0)
        body += encoded + data
        directory += CENTRAL.pack(0x02014B50, 20, 20, 0, 0, 0, DOS_DATE, crc, len(data), len(data), len(encoded),
                                  0, 0, 0, 0, 0, offset) + encoded  # fmt: skip
    end = END.pack(0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))


def make_tasks(out_dir: Path, models: Path | None = None) -> list[Path]:
    """Write every bundle of BUNDLES into ``out_dir`` (each replaced whole) and return their paths; ``models``: the
    keypoint models' folder (default ``core.keypoints.models.model_dir()``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, members in BUNDLES.items():
        target, part = out_dir / name, out_dir / f"{name}.part"
        write_bundle({member: browser_tflite(model, models) for member, model in members.items()}, part)
        part.replace(target)
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_task.py OUT_DIR")
    try:
        paths = make_tasks(Path(sys.argv[1]))
    except KeypointModelError as exc:
        sys.exit(str(exc))
    for path in paths:
        print(f"wrote {path}")
