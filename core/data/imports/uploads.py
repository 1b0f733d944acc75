"""Uploaded files into the store: images/videos → samples (bad files skipped and listed), videos → a motion
project's clips, a CSV → samples. The job functions of Record's uploads (``core.jobs.sample_tasks``) call these
in a worker process; ``ui.samples.uploads`` annotates Live's file.

Uploads arrive as (file name, bytes); they are written under a temporary folder with
their own (sanitised) names, so every error names the file the user picked.
"""

from __future__ import annotations

import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.classes.quotas import check_file
from core.data.csv_files import csv_io
from core.data.imports.extract import ExtractConfig, ExtractReport, iter_file_samples
from core.data.store import Sample, Store
from core.io.limits import LimitError, check_upload_bytes
from core.io.progress import FrameCounter, Progress, Stopped, planned_frames
from core.io.video import MediaError, media_kind
from core.keypoints.backend import KeypointBackend


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
    account = store.viewer.account_id if store.viewer is not None else None
    for upload in files:  # a student's file bigger than what they may still store: refused before it is read
        check_file(store, account, upload.name, len(upload.data))
        check_file(store, account, upload.name, 0, max(0, upload.data.count(b"\n") - 1))  # its rows, about
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


def upload_clips(store: Store, project: str, class_name: str, uploads: Sequence[UploadedFile],
                 on_progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> tuple[int, list[str], bool]:  # fmt: skip
    """Each uploaded video becomes one clip of ``class_name``: (clips stored, ``<file>: <problem>`` of those refused,
    whether ``cancel`` stopped it: then nothing is stored). ``on_progress``: frames done of all the videos'."""
    from core.data.project_motion import extract_clips  # the motion engine: only for a motion project's uploads

    refused: list[str] = []
    with tempfile.TemporaryDirectory(prefix="handteach-clips-") as tmp:
        folder = str(Path(tmp)) + "/"  # errors name the file as the user picked it, not its temporary copy
        paths, taken = [], set()
        for upload in uploads:
            try:
                paths.append(write_upload(upload, Path(tmp), taken))
            except MediaError as exc:
                refused.append(str(exc))
        if not paths:
            return 0, refused, False
        try:
            report = extract_clips(store, project, class_name, paths, on_progress=on_progress, cancel=cancel)
        except ValueError as exc:  # no file made a clip: nothing stored
            return 0, refused + [r.replace(folder, "") for r in str(exc).split("\nerror: ")], False
    return len(report.clip_ids), refused + [r.replace(folder, "") for r in report.refused], report.cancelled
