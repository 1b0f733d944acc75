"""Assemble MediaPipe Tasks' hand bundles from the installed mediapipe wheel (issues 46 and 55).

The Tasks API's hand model is a zip of two TFLite files, packed by the wheel's ``create_model_asset_bundle``
(docs/capacity.md, "The spike that preceded it"), so nothing is downloaded:

- ``hand_landmarker.task``: mediapipe==0.10.21's ``palm_detection_full.tflite`` and ``hand_landmark_full.tflite``,
  which carry the metadata tasks-vision needs;
- ``hand_landmarker_lite.task``: the wheel's lite pair, for a tab whose frames are too slow (frontend/src/pace.js).
  ``palm_detection_lite.tflite`` ships without metadata (tasks-vision refuses it: no input normalization), so
  the full palm model's metadata and labels file are written onto it; the two take and give tensors of the same
  names and shapes (1×192×192×3 in; 1×2016×18 boxes and 1×2016×1 scores out), which is checked first.

    .venv/bin/python frontend/scripts/make_task.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import mediapipe
from mediapipe.tasks.metadata import schema_py_generated as tflite_schema
from mediapipe.tasks.python.metadata import metadata
from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import create_model_asset_bundle

WHEEL = Path(mediapipe.__file__).parent
# The names HandLandmarker looks for inside a bundle, and the wheel's files that fill them.
BUNDLES = {
    "hand_landmarker.task": {
        "hand_detector.tflite": "modules/palm_detection/palm_detection_full.tflite",
        "hand_landmarks_detector.tflite": "modules/hand_landmark/hand_landmark_full.tflite",
    },
    "hand_landmarker_lite.task": {
        "hand_detector.tflite": "modules/palm_detection/palm_detection_lite.tflite",
        "hand_landmarks_detector.tflite": "modules/hand_landmark/hand_landmark_lite.tflite",
    },
}
# A model without metadata, and the wheel's model of the same inputs and outputs whose metadata it gets.
METADATA_FROM = {
    "modules/palm_detection/palm_detection_lite.tflite": "modules/palm_detection/palm_detection_full.tflite"
}


def tensor_signature(model: bytes) -> list[tuple[str, str, tuple[int, ...], int]]:
    """Each input and output tensor of the model's first subgraph: (in/out, name, shape, TFLite type)."""
    graph = tflite_schema.Model.GetRootAsModel(model, 0).Subgraphs(0)

    def tensors(kind: str, count: int, index) -> list:  # noqa: ANN001 - the subgraph's Inputs or Outputs
        return [(kind, t.Name().decode(), tuple(int(n) for n in t.ShapeAsNumpy()), t.Type())
                for t in (graph.Tensors(index(i)) for i in range(count))]  # fmt: skip

    return tensors("in", graph.InputsLength(), graph.Inputs) + tensors("out", graph.OutputsLength(), graph.Outputs)


def with_metadata_of(model: bytes, donor: bytes) -> bytes:
    """``model`` with ``donor``'s metadata and associated files; ValueError if their tensors differ."""
    if tensor_signature(model) != tensor_signature(donor):
        raise ValueError(f"tensors differ: {tensor_signature(model)} against {tensor_signature(donor)}")
    populator = metadata.MetadataPopulator.with_model_buffer(bytearray(model))
    populator.load_metadata_and_associated_files(bytearray(donor))
    populator.populate()
    return bytes(populator.get_model_buffer())


def wheel_model(source: str) -> bytes:
    model = (WHEEL / source).read_bytes()
    donor = METADATA_FROM.get(source)
    return with_metadata_of(model, (WHEEL / donor).read_bytes()) if donor else model


def make_tasks(out_dir: Path) -> list[Path]:
    """Write every bundle of BUNDLES into ``out_dir`` (each replaced whole) and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, members in BUNDLES.items():
        target, part = out_dir / name, out_dir / f"{name}.part"
        create_model_asset_bundle({member: wheel_model(source) for member, source in members.items()}, str(part))
        part.replace(target)
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_task.py OUT_DIR")
    for path in make_tasks(Path(sys.argv[1])):
        print(f"wrote {path}")
