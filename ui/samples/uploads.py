"""Uploaded files: images/videos → samples (bad files skipped and listed), and annotated copies for download.

Uploads arrive as (file name, bytes); they are written under a temporary folder with
their own (sanitised) names, so every error names the file the user picked.
"""

from __future__ import annotations

import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from core.data import csv_io
from core.data.extract import ExtractConfig, ExtractReport, iter_file_samples
from core.data.store import Sample, Store
from core.io.limits import LimitError, check_upload_bytes
from core.io.progress import FrameCounter, Progress, Stopped, planned_frames
from core.io.video import MediaError, media_kind
from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig

if TYPE_CHECKING:
    from core.gestures.classifier import GestureClassifier


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


_MAX_NAME_CHARS = 100  # a file name may take 255 bytes: room for the suffix and a "-N" of unique_name
_MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """A plain file name for an uploaded ``name``: its last path part (a browser may send a path), without
    control characters or leading dots, cut to a length every filesystem takes; ``..``, ``.`` or nothing
    left becomes ``upload`` (keeping a real extension), so a name can never leave the upload folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().lstrip(".").strip()
    stem, suffix = (base.rsplit(".", 1)[0], "." + base.rsplit(".", 1)[1]) if "." in base else (base, "")
    if not suffix[1:].isalnum() or len(suffix) > 12:
        stem, suffix = base, ""
    stem = stem[:_MAX_NAME_CHARS]
    while len(stem.encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem or "upload") + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """``safe_name`` of an uploaded ``name``, made unique among ``taken`` (which gains it).

    ``a.jpg`` twice becomes ``a.jpg`` and ``a-2.jpg``, so two uploads of one name never overwrite each other.
    """
    base = safe_name(name)
    stem, suffix, n = Path(base).stem, Path(base).suffix, 1
    while base in taken:
        n += 1
        base = f"{stem}-{n}{suffix}"
    taken.add(base)
    return base


def write_upload(upload: UploadedFile, folder: Path, taken: set[str]) -> Path:
    """Write one upload into ``folder`` under a ``unique_name`` and check its size and type (size first, before the
    copy goes to disk); ``MediaError`` names the file as the user picked it. ``taken``: the names used in ``folder``."""
    path = folder / unique_name(upload.name, taken)
    try:
        check_upload_bytes(upload.name, len(upload.data))  # before a copy goes to disk
    except LimitError as exc:
        raise MediaError(upload.name, exc.problem) from None
    path.write_bytes(upload.data)
    try:
        media_kind(path)
        if not upload.data:
            raise MediaError(path, "the file is empty (0 bytes)")
    except MediaError as exc:
        raise MediaError(upload.name, exc.problem) from None
    return path


def write_uploads(files: Sequence[UploadedFile], folder: Path) -> list[Path]:
    """Write uploads into ``folder`` and check their types; raises ``MediaError`` naming the first bad one."""
    taken: set[str] = set()
    return [write_upload(upload, folder, taken) for upload in files]


@dataclass
class UploadReport(ExtractReport):
    """An ``ExtractReport`` of the usable files, and the files skipped: (name as uploaded, problem)."""

    failed: list[tuple[str, str]] = field(default_factory=list)
    photos: int = 0  # of ``frames``, the photos (one frame each); the rest are video frames

    def frames_text(self) -> str:
        """What the frames were, in words: "10 photos", "150 video frames", "3 photos and 150 video frames"."""
        photos = f"{self.photos} photo{'s' if self.photos != 1 else ''}"
        video = self.frames - self.photos
        video_frames = f"{video} video frame{'s' if video != 1 else ''}"
        return photos if not video else video_frames if not self.photos else f"{photos} and {video_frames}"

    def failed_text(self) -> str:
        """ "Skipped 2 files: notes.txt: unsupported file type '.txt' (…); b.jpg: …" (empty when none)."""
        if not self.failed:
            return ""
        listed = "; ".join(f"{name}: {problem}" for name, problem in self.failed)
        return f"Skipped {len(self.failed)} file{'s' if len(self.failed) != 1 else ''}: {listed}"


def import_uploads(store: Store, project: str, class_name: str, files: Sequence[UploadedFile],
                   config: ExtractConfig | None = None, on_progress: Progress | None = None,
                   cancel: threading.Event | None = None) -> UploadReport:  # fmt: skip
    """Find hands in uploaded images/videos and store them as ``class_name`` samples in one transaction.

    A file that is unsupported, empty or unreadable is skipped and listed in
    ``UploadReport.failed`` with its problem; the samples of the other files are
    stored (one bad photo among twenty does not cost the other nineteen). Frames
    without a usable hand are counted in the report. ``on_progress(frames done, frames planned)``
    after each frame; ``cancel`` set: it stops before the next frame and stores nothing (``report.cancelled``).
    """
    if class_name not in {c.name for c in store.list_classes(project)}:
        raise ValueError(f"project {project!r} has no class {class_name!r}")
    config = config or ExtractConfig()
    report = UploadReport()
    samples: list[Sample] = []
    backend = KeypointBackend.of_project(store, project)
    with tempfile.TemporaryDirectory(prefix="handteach-upload-") as tmp:
        written, failed = _written(files, Path(tmp), config.every_n)
        counter = FrameCounter(sum(planned for _, _, planned in written), on_progress, cancel)
        for number, path, _ in written:
            frames, rejected = report.frames, report.rejected.copy()
            try:
                samples.extend(list(iter_file_samples(path, class_name, config, report, backend, counter)))
                report.photos += int(media_kind(path) == "image" and report.frames > frames)
            except MediaError as exc:  # the file counts for nothing: its frames and rejections are taken back
                report.frames, report.rejected = frames, rejected
                failed.append((number, exc.problem))
            if report.cancelled:
                return report  # stopped: nothing stored
    report.failed = [(files[number].name, problem) for number, problem in sorted(failed)]  # in the order uploaded
    if samples:
        report.sample_ids = store.add_samples(project, samples)
        report.stored = len(report.sample_ids)
    return report


def _written(files: Sequence[UploadedFile], folder: Path, every_n: int) -> tuple[list[tuple[int, Path, int]],
                                                                                list[tuple[int, str]]]:  # fmt: skip
    """((number, its file in ``folder``, the frames it will give by its header) of each usable upload,
    (number, problem) of each unusable one); numbers are places in ``files``."""
    taken: set[str] = set()
    written, failed = [], []
    for number, upload in enumerate(files):
        try:
            path = write_upload(upload, folder, taken)
            written.append((number, path, planned_frames(path, every_n)))
        except MediaError as exc:
            failed.append((number, exc.problem))
    return written, failed


def _looks_like_labels(path: Path) -> bool:
    """A kinivi label file: one name per line, no numbers (keypoint rows start with a label id and 42 numbers)."""
    lines = [line for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines() if line.strip()]
    return bool(lines) and all("," not in line for line in lines)


def import_csv_uploads(store: Store, project: str, files: Sequence[UploadedFile], on_progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> csv_io.ImportReport | None:  # fmt: skip
    """Import one handteach CSV, or a kinivi ``keypoint.csv`` with its ``keypoint_classifier_label.csv``.

    All or nothing: a ``csv_io.CsvFormatError`` or ``ValueError`` names the uploaded file
    (and line) at fault, and nothing is stored then. Unknown class names become classes.
    ``on_progress(rows done, rows)``; ``cancel`` set: None, nothing stored.
    """
    if not files:
        raise ValueError("no file was given")
    if len(files) > 2:
        raise ValueError(f"expected one handteach CSV or a kinivi pair (keypoints + labels), got {len(files)} files")
    with tempfile.TemporaryDirectory(prefix="handteach-csv-") as tmp:
        taken: set[str] = set()
        paths = []
        for upload in files:
            path = Path(tmp) / unique_name(upload.name, taken)
            path.write_bytes(upload.data)
            paths.append(path)
        names = {path: upload.name for path, upload in zip(paths, files, strict=True)}
        try:
            if len(paths) == 1:
                if _looks_like_labels(paths[0]) or _first_cell_is_number(paths[0]):
                    raise ValueError(
                        f"{files[0].name} looks like half of a kinivi pair: upload keypoint.csv and "
                        "keypoint_classifier_label.csv together"
                    )
                return csv_io.import_handteach(store, project, paths[0], on_progress=on_progress, cancel=cancel)
            labels = [path for path in paths if _looks_like_labels(path)]
            if len(labels) != 1:
                raise ValueError(
                    f"of {files[0].name} and {files[1].name}, exactly one should be the label file "
                    "(one gesture name per line)"
                )
            keypoints = next(path for path in paths if path != labels[0])
            return csv_io.import_kinivi(store, project, keypoints, labels[0], on_progress=on_progress, cancel=cancel)
        except Stopped:
            return None
        except csv_io.CsvFormatError as exc:
            name = names.get(exc.path, exc.path.name)
            raise csv_io.CsvFormatError(Path(name), exc.line, exc.problem) from None


def _first_cell_is_number(path: Path) -> bool:
    first = path.read_text(encoding="utf-8-sig", errors="replace").split(",", 1)[0].strip()
    return first.isdigit()


@dataclass
class AnnotatedUpload:
    """An uploaded file with the skeleton and predictions drawn on it."""

    name: str
    kind: str  # "image" or "video"
    data: bytes  # PNG for images, H.264 MP4 for videos
    mime: str
    records: list[dict] = field(default_factory=list)  # one per frame, see core.gestures.inference.frame_record

    @property
    def download_name(self) -> str:
        return f"{Path(self.name).stem}.annotated.{'png' if self.kind == 'image' else 'mp4'}"


def annotate_upload(upload: UploadedFile, classifier: GestureClassifier | None, model_complexity: int = 1,
                    every_n: int = 1, backend: KeypointBackend | None = None, on_progress: Progress | None = None,
                    cancel: threading.Event | None = None) -> AnnotatedUpload | None:  # fmt: skip
    """Run the recogniser over an uploaded image or video (``MediaError`` naming the file if unusable).

    ``backend`` finds the keypoints (default MediaPipe): the project's, as its model learned on it.
    ``on_progress(frames done, frames planned)`` after each frame (a video is then encoded for the browser);
    ``cancel`` set: it stops before the next frame and returns None (nothing half-done is kept).
    """
    from core.gestures.inference import annotate_file  # imports torch: only when a file is annotated

    with tempfile.TemporaryDirectory(prefix="handteach-annotate-") as tmp:
        (path,) = write_uploads([upload], Path(tmp))
        kind = media_kind(path)
        photo = kind == "image"
        config = TrackerConfig(
            static_image_mode=photo, zoom_out_photos=photo, max_num_hands=2, model_complexity=model_complexity
        )
        output = Path(tmp) / ("annotated.png" if kind == "image" else "annotated-mp4v.mp4")
        try:
            counter = FrameCounter(planned_frames(path, every_n), on_progress, cancel)
            source = (backend or KeypointBackend()).source(config)
            try:
                records = list(annotate_file(path, source, classifier, output, every_n=every_n, counter=counter))
            finally:
                source.close()
        except MediaError as exc:
            raise MediaError(upload.name, exc.problem) from None
        if counter.cancelled:
            return None
        if kind == "image":
            return AnnotatedUpload(upload.name, kind, output.read_bytes(), "image/png", records)
        h264 = Path(tmp) / "annotated.mp4"
        transcode_h264(output, h264, cancel=cancel)
        if counter.cancelled:
            return None
        return AnnotatedUpload(upload.name, kind, h264.read_bytes(), "video/mp4", records)


def transcode_h264(source: Path, target: Path, crf: int = 23, cancel: threading.Event | None = None) -> int:
    """Re-encode a video as H.264/yuv420p MP4 (what browsers play; OpenCV writes mp4v). Returns frames written;
    ``cancel`` set: it stops before the next frame (the file is then incomplete)."""
    import av

    count = 0
    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "faststart"}) as out:
        vin = inp.streams.video[0]
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        width, height = vin.codec_context.width // 2 * 2, vin.codec_context.height // 2 * 2
        vout = out.add_stream("libx264", rate=Fraction(rate).limit_denominator(1001))
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.options = {"crf": str(crf), "preset": "veryfast"}
        time_base = 1 / Fraction(rate).limit_denominator(1001)
        for frame in inp.decode(vin):
            if cancel is not None and cancel.is_set():
                break
            picture = frame.reformat(width=width, height=height, format="yuv420p")
            picture.pts, picture.time_base = count, time_base
            out.mux(vout.encode(picture))
            count += 1
        out.mux(vout.encode(None))
    if count == 0 and not (cancel is not None and cancel.is_set()):
        raise MediaError(source, "no frames to transcode")
    return count
