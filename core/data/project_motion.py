"""A motion project meets the motion engine here: clips from video files, training, the saved model, spotting.

The engine (``core.motion``) knows nothing of the store, and the store (``core.data.clips``) nothing of
models; the CLI and the pages call these functions. Keypoints of every file pass through the same
One Euro filter as the webcam's (``core.keypoints.smoothing.steadied``), so a model learns from the
kind of paths it will see live. A project's motion model lives in ``projects/<name>/motion/``
(``MotionModel.save``: replaced whole or not at all), or on a shared store in the database (``core.data.saved_models.model_files``).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.clips import StoredClip, add_clips, project_clips
from core.data.imports.extract import RefusedError, usable_files
from core.data.saved_models.model_files import current_folder
from core.data.saved_models.project_folders import project_folder
from core.data.sql.schema import StoreError
from core.data.store import Store
from core.io.limits import LimitError, check_clip_length, check_upload_bytes
from core.io.progress import FrameCounter, Progress, planned_frames
from core.io.video import MediaError, MediaLimitError, iter_frames, media_kind, video_info
from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.keypoints.smoothing import SmoothingConfig, steadied
from core.motion.clip import Clip, ClipError
from core.motion.features import MOTION_MIRRORS
from core.motion.spotting import SpotConfig, SpotEvent, Spotter
from core.motion.track import follow, read_clip
from core.skeletons import skeleton_named
from core.types import RGBImage

if TYPE_CHECKING:
    from core.gestures.early_stop import EpochStats
    from core.motion.model import MotionModel
    from core.motion.train import MotionTrainConfig, MotionTrainResult

MOTION_FOLDER = "motion"
# core.motion.model.CONFIG_FILE, named here too: asking whether a project has a model (the sidebar, on every
# page) must not import torch and scikit-learn, which the app's warm-up thread may be importing meanwhile.
MODEL_FILE = "motion.json"
CLIP_ERRORS = (MediaError, ClipError, LimitError)  # what makes one file unusable as a clip


def require_motion(store: Store, project: str) -> None:
    if not store.project_is_motion(project):
        raise StoreError(f"project {project!r} holds single-frame gestures, not motion gestures: "
                         "create a motion project (`projects create NAME --motion`)")  # fmt: skip


def motion_model_dir(store: Store, project: str) -> Path:
    """The project's motion model folder; not created here (saving creates it). On a shared store, this server's
    copy of the current one (``core.data.saved_models.model_files``)."""
    if store.shared:
        return current_folder(store, project, MOTION_FOLDER)
    return store.project_dir(project, create=False) / MOTION_FOLDER


def has_motion_model(store: Store, project: str) -> bool:
    return (motion_model_dir(store, project) / MODEL_FILE).exists()


def load_motion_model(store: Store, project: str) -> MotionModel | None:
    """The project's saved motion model, or None before its first training."""
    from core.motion.model import MotionModel, MotionModelError

    directory = motion_model_dir(store, project)
    if not (directory / MODEL_FILE).exists():
        return None
    model = MotionModel.load(directory)
    skeleton = store.project_skeleton(project)
    if model.skeleton != skeleton:
        raise MotionModelError(f"{directory}: a model of {model.skeleton.name} keypoints in the {skeleton.name} "
                               f"project {project!r}; train again")  # fmt: skip
    return model


def project_mirrors(store: Store, project: str) -> dict[str, str]:
    """Which class a mirrored clip becomes: the built-in pairs (swipe_left ↔ swipe_right) and the classes' own."""
    classes = store.list_classes(project)
    names = {c.name for c in classes}
    mirrors = {a: b for a, b in MOTION_MIRRORS.items() if a in names and b in names}
    for c in classes:
        if c.mirror:
            mirrors[c.name], mirrors[c.mirror] = c.mirror, c.name
    return mirrors


def train_motion_project(store: Store, project: str, config: MotionTrainConfig | None = None,
                         on_epoch: Callable[[EpochStats], None] | None = None,
                         cancel: threading.Event | None = None) -> MotionTrainResult:  # fmt: skip
    """Train on the project's clips and save the model into the project (unless cancelled)."""
    from core.motion.train import MotionTrainConfig, train_motion

    require_motion(store, project)
    identity = store.project_identity(project)  # before the clips: the model goes into this project or nowhere
    clips = project_clips(store, project)
    if not clips:
        raise ValueError(f"project {project!r} has no clips yet: record some, or "
                         f"`python -m core extract -i CLIP.mp4 --label NAME -p {project}`")  # fmt: skip
    result = train_motion(clips, config or MotionTrainConfig(), project_mirrors(store, project), on_epoch, cancel)
    if not result.cancelled:
        with project_folder(store, project, identity) as (_, folder):  # ProjectReplacedError: replaced meanwhile
            result.model.save(folder / MOTION_FOLDER)
    return result


def _fps(path: Path) -> float:
    fps = video_info(path).fps
    return fps if fps > 0 else 30.0  # read_clip's rule for a file without a frame rate


class ClipsCancelled(Exception):
    """``extract_clips`` was cancelled between two frames (internal: it stores nothing and says so)."""


def _counted(detect: Callable[[RGBImage], list], counter: FrameCounter) -> Callable[[RGBImage], list]:
    """``detect`` counting each frame into ``counter``; ``ClipsCancelled`` before a frame once it is cancelled
    (the clip reader has no other way out of a file)."""

    def counted(rgb: RGBImage) -> list:
        if counter.cancelled:
            raise ClipsCancelled
        found = detect(rgb)
        counter()
        return found

    return counted


def read_video_clip(path: Path, backend: KeypointBackend, label: str | None = None,
                    smoothing: SmoothingConfig | None = None, counter: FrameCounter | None = None) -> Clip:  # fmt: skip
    """One video file as one steadied clip; ``MediaError`` / ``LimitError`` / ``ClipError`` naming the file.
    ``counter`` hears of each frame (``ClipsCancelled`` once it is cancelled)."""
    if media_kind(path) != "video":
        raise MediaError(path, "a motion gesture is a video (one file, one clip), not a photo")
    info = video_info(path)  # too long: refused from the header, before MediaPipe starts
    try:
        check_clip_length(path, info.frames, info.frames / _fps(path))
    except LimitError as exc:
        raise MediaLimitError(path, exc.problem) from None
    source = backend.source(TrackerConfig(max_num_hands=1))
    try:
        detect = steadied(source.process, _fps(path), smoothing)
        detect = detect if counter is None else _counted(detect, counter)
        return read_clip(path, detect, skeleton_named(backend.skeleton), label)
    except ClipError as exc:
        raise ClipError(path, exc.problem) from None  # the path as given, not only its name
    finally:
        source.close()


@dataclass
class ClipExtractReport:
    """What ``extract_clips`` stored and refused."""

    class_name: str
    added_class: bool
    clip_ids: list[int] = field(default_factory=list)
    frames: int = 0
    refused: list[str] = field(default_factory=list)  # "<file>: <problem>" of each file skipped
    cancelled: bool = False  # stopped by ``cancel``: nothing stored

    def summary(self) -> str:
        refused = f"; {len(self.refused)} files refused (listed as errors)" if self.refused else ""
        return f"stored {len(self.clip_ids)} clips ({self.frames} frames) of {self.class_name!r}{refused}"


class ClipsRefusedError(RefusedError[ValueError]):
    """No file of an extraction made a clip; one ``<file>: <problem>`` line per file."""


def extract_clips(store: Store, project: str, class_name: str, paths: Iterable[str | Path],
                  smoothing: SmoothingConfig | None = None, on_progress: Progress | None = None,
                  create_class: bool = True, cancel: threading.Event | None = None) -> ClipExtractReport:  # fmt: skip
    """One clip per video file into ``class_name`` of a motion project, all in one transaction.

    Files that cannot be clips (not a video, too short, the hand missing in most frames, too long)
    are listed in ``refused``; when none can, nothing changes and ``ClipsRefusedError`` (or the one
    file's own error) is raised. ``on_progress(frames done, frames planned)`` after each frame; ``cancel``
    set: it stops before the next frame, stores nothing and returns a report with ``cancelled``.
    """
    require_motion(store, project)
    files, errors = usable_files(paths)
    refused: list[ValueError] = list(errors)
    backend = KeypointBackend.of_project(store, project)
    clips: list[Clip] = []
    counter = FrameCounter(sum(planned_frames(path) for path in files), on_progress, cancel)
    for path in files:
        try:
            clips.append(read_video_clip(path, backend, class_name, smoothing, counter))
        except CLIP_ERRORS as exc:
            refused.append(exc)
        except ClipsCancelled:
            return ClipExtractReport(class_name.strip(), False, refused=[str(e) for e in refused], cancelled=True)
    if not clips:
        raise refused[0] if len(refused) == 1 else ClipsRefusedError(refused)
    stored_name = store.class_named(project, class_name)
    ids = add_clips(store, project, [StoredClip(c, "video", backend.name) for c in clips], create_classes=create_class)
    report = ClipExtractReport(stored_name or class_name.strip(), stored_name is None, ids)
    report.frames, report.refused = sum(c.num_frames for c in clips), [str(e) for e in refused]
    return report


def read_clip_labels(csv_path: Path) -> list[tuple[Path, str]]:
    """``file,label`` rows of a CSV (a header line first); paths absolute or relative to the CSV's folder."""
    check_upload_bytes(csv_path, csv_path.stat().st_size)  # before reading it
    try:
        text = csv_path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{csv_path}: not a UTF-8 text file") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows or [c.strip().lower() for c in rows[0]] != ["file", "label"]:
        got = ",".join(rows[0]) if rows else "nothing"
        raise ValueError(f"{csv_path}: the first line must be the header 'file,label', got {got!r}")
    pairs = []
    for number, row in enumerate(rows[1:], 2):
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"{csv_path}: line {number}: expected 'file,label', got {','.join(row)!r}")
        path = Path(row[0].strip())
        pairs.append((path if path.is_absolute() else csv_path.parent / path, row[1].strip()))
    if not pairs:
        raise ValueError(f"{csv_path}: no clips listed below the header")
    return pairs


def spot_video(path: Path, model: MotionModel, backend: KeypointBackend, smoothing: SmoothingConfig | None = None,
               config: SpotConfig | None = None, output: Path | None = None) -> list[SpotEvent]:  # fmt: skip
    """The gestures found in a video, as the live page finds them (one event each, when it ends).

    With ``output``, the video is also written there annotated (``core.motion.annotate``: skeleton, trail,
    the gesture named when it fires), frame by frame while it is read.
    """
    from core.io.writers import write_video
    from core.motion.annotate import MotionAnnotator

    config = config or SpotConfig()
    fps = _fps(path)
    spotter = Spotter(model, config)
    source = backend.source(TrackerConfig(max_num_hands=1))
    annotator = MotionAnnotator()
    events: list[SpotEvent] = []
    last = -1

    def frames() -> Iterator[RGBImage]:
        nonlocal last
        previous = None
        detect = steadied(source.process, fps, smoothing)
        for index, rgb in iter_frames(path):
            last = index
            found = follow([k for k in detect(rgb) if k.skeleton == model.skeleton], previous)
            previous = found or previous
            if (event := spotter.push(found, index / fps)) is not None:
                events.append(event)
            yield annotator.draw(rgb, found, index / fps, event) if output is not None else rgb

    try:
        if output is None:
            for _ in frames():
                pass
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            write_video(output, frames(), fps)
    finally:
        source.close()
    return events + spotter.finish(last / fps, fps)  # the video may end mid-gesture
