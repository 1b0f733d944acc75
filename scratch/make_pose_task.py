"""Pack MediaPipe Tasks' pose bundle (``pose_landmarker.task``) for the Scratch editor's body-pose projects.

The Tasks API's PoseLandmarker reads a zip of two TFLite files, as HandLandmarker does (``make_task.py`` packs
those). The mediapipe 0.10.21 wheel's pose networks (``pose_detection.tflite``, ``pose_landmark_full.tflite``, the
ones ``core.keypoints.models`` converts for the server, checked by the same SHA-256) lack the metadata that tells
Tasks how to scale a float input ("requires specifying NormalizationOptions metadata"), so it is written into them
here with mediapipe's own metadata writer: the detector reads pixels scaled to [-1, 1], the landmark network to
[0, 1], as the wheel's legacy pose graph feeds them. Checked once against that legacy solution on yoga8's tree photos:
the same nose to 1e-3 of the frame. Nothing is downloaded: without mediapipe installed (Python 3.13, aarch64)
one line says the bundle is not made, and the editor's body-pose projects say so.

    .venv/bin/python scratch/make_pose_task.py OUT_DIR
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for core/ (run as a script by make)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "frontend" / "scripts"))

from make_task import write_bundle  # noqa: E402

from core.keypoints.models import SOURCES  # noqa: E402 - after the path above

BUNDLE = "pose_landmarker.task"
# PoseLandmarker's member names, each filled by a wheel model and the (mean, std) its input is normalised with
MEMBERS = {
    "pose_detector.tflite": ("pose_detection", 127.5, 127.5),
    "pose_landmarks_detector.tflite": ("pose_landmark_full", 0.0, 255.0),
}


class PoseBundleUnavailable(RuntimeError):
    """The bundle cannot be made here; the message says why in one line."""


def _wheel_model(name: str) -> bytes:
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise PoseBundleUnavailable("mediapipe is not installed here, so the Scratch editor's pose model is not made")
    source = next(s for s in SOURCES if s.name == name)
    path = Path(next(iter(spec.submodule_search_locations))).parent / source.wheel_path
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != source.sha256:
        raise PoseBundleUnavailable(f"{path} is not mediapipe 0.10.21's {name}: the pose model is not made")
    return data


def with_normalisation(model: bytes, mean: float, std: float) -> bytes:
    """``model`` with Tasks' image-input metadata: its pixels become (value - mean) / std."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info("handteach pose", "mediapipe 0.10.21's pose network with its input's scaling")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    return bytes(writer.populate()[0])


def make_pose_task(out_dir: Path) -> Path:
    """Write ``out_dir/pose_landmarker.task`` (replaced whole); ``PoseBundleUnavailable`` where it cannot."""
    members = {member: with_normalisation(_wheel_model(name), mean, std)
               for member, (name, mean, std) in MEMBERS.items()}  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    target, part = out_dir / BUNDLE, out_dir / f"{BUNDLE}.part"
    write_bundle(members, part)
    part.replace(target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_pose_task.py OUT_DIR")
    try:
        print(f"wrote {make_pose_task(Path(sys.argv[1]))}")
    except PoseBundleUnavailable as exc:
        print(f"{exc}: body-pose games say so on the Make page")
