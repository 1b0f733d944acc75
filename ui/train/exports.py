"""Downloads as bytes: the trained model as ONNX on MediaPipe landmarks, the dataset as handteach CSV or kinivi CSV files (zip)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.data.csv_files.csv_io import export_handteach, export_kinivi
from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.classifier import GestureClassifier
from core.gestures.onnx_export import export_onnx


def onnx_bytes(classifier: GestureClassifier, gestures: Sequence[GestureClass] = ()) -> bytes:
    """The file ``python -m core export-onnx`` writes (MediaPipe landmarks in, docs/export.md), through a
    temporary file; ``gestures``: the project's classes, for the metadata's emoji and mirror partners."""
    with tempfile.TemporaryDirectory(prefix="handteach-onnx-") as tmp:
        return export_onnx(classifier, Path(tmp) / "model.onnx", gestures).read_bytes()


@dataclass(frozen=True)
class OnnxDownload:
    """The ONNX button's words: the project's own model, or before any training the built-in starter model
    (it was offered as ``my-gestures.onnx`` with nothing saying it was not trained on the project)."""

    label: str
    file_name: str
    note: str  # "" for the project's own model


def onnx_download(classifier: GestureClassifier | None, project: str) -> OnnxDownload:
    from core.starter.model import is_shipped_starter

    if classifier is not None and is_shipped_starter(classifier):
        return OnnxDownload(
            "⬇ Starter model (ONNX)",
            "handteach-starter-model.onnx",
            "Not trained yet: the model to download is the built-in starter model (the default gestures, from "
            "other people's hands), not one trained on your samples. Train to download your own.",
        )
    return OnnxDownload("⬇ Model (ONNX)", f"{project}.onnx", "")


def handteach_csv_bytes(store: Store, project: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="handteach-csv-") as tmp:
        path = Path(tmp) / f"{project}.csv"
        export_handteach(store, project, path)
        return path.read_bytes()


def kinivi_zip_bytes(store: Store, project: str) -> bytes:
    """``keypoint.csv`` and ``keypoint_classifier_label.csv`` (the kinivi layout) in one zip."""
    with tempfile.TemporaryDirectory(prefix="handteach-kinivi-") as tmp:
        keypoints, labels = Path(tmp) / "keypoint.csv", Path(tmp) / "keypoint_classifier_label.csv"
        export_kinivi(store, project, keypoints, labels)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(keypoints, keypoints.name)
            archive.write(labels, labels.name)
        return buffer.getvalue()
