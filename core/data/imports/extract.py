"""Images and videos → stored samples: every Nth frame, only frames with a usable hand."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from core.data.store import Sample, Store
from core.gestures.catalog import validate_name
from core.io.crops import encode_jpeg, hand_crop
from core.io.progress import FrameCounter
from core.io.video import MediaError, expand_inputs, iter_frames, media_kind
from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.keypoints.pose import NO_PERSON, sample_person
from core.types import Keypoints

_Refusal = TypeVar("_Refusal", bound=ValueError)

# Why a frame did not become a sample; the Record page shows these counts.
NO_HAND = "no hand"
TOO_MANY_HANDS = "more hands than asked for"
LOW_CONFIDENCE = "low confidence"


@dataclass(frozen=True)
class ExtractConfig:
    """How frames are turned into samples."""

    every_n: int = 5  # video: keep one frame in N (consecutive frames are near-duplicates)
    hands_per_frame: int = 1  # frames with more hands are rejected, so a sample's label is never ambiguous
    min_score: float = 0.5  # handedness confidence below this rejects the frame
    model_complexity: int = 1


@dataclass
class ExtractReport:
    """What an extraction stored and what it rejected."""

    stored: int = 0
    frames: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    sample_ids: list[int] = field(default_factory=list)
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)  # files used only in part, e.g. "clip.mp4: the video ends after ..."
    refused: list[str] = field(default_factory=list)  # "<file>: <problem>" of each input skipped as unusable
    class_name: str = ""  # the class as stored ("ok" for a label typed "OK")
    added_class: bool = False  # the class was created for this extraction

    @property
    def no_hand(self) -> int:
        return self.rejected[NO_HAND]

    @property
    def no_person(self) -> int:
        """Frames where a body project found no one (``core.keypoints.pose.NO_PERSON``)."""
        return self.rejected[NO_PERSON]

    def summary(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.rejected.items())) or "none"
        notes = "".join(f"\nwarning: {note}" for note in self.notes)
        refused = f"; {len(self.refused)} files refused (listed as errors)" if self.refused else ""
        return f"stored {self.stored} samples from {self.frames} frames; rejected: {reasons}{refused}{notes}"


def usable_hands(hands: list[Keypoints], config: ExtractConfig) -> tuple[list[Keypoints], str | None]:
    """The hands to store from one frame, or (``[]``, reason) when the frame is rejected."""
    if not hands:
        return [], NO_HAND
    if len(hands) > config.hands_per_frame:
        return [], TOO_MANY_HANDS
    if min(h.score for h in hands) < config.min_score:
        return [], LOW_CONFIDENCE
    return hands, None


def make_sample(rgb: npt.NDArray[np.uint8], hand: Keypoints, class_name: str, source_kind: str, source_name: str,
                frame: int | None, backend: str = "mediapipe") -> Sample:  # fmt: skip
    """A sample with a JPEG hand crop for the gallery and the CPM; ``backend`` found its keypoints."""
    return Sample(
        hand=hand,
        class_name=class_name,
        source_kind=source_kind,
        source_name=source_name,
        frame=frame,
        crop_jpeg=encode_jpeg(hand_crop(rgb, hand)),
        backend=backend,
    )


def iter_file_samples(path: Path, class_name: str, config: ExtractConfig, report: ExtractReport,
                      backend: KeypointBackend | None = None,
                      counter: FrameCounter | None = None) -> Iterator[Sample]:  # fmt: skip
    """Samples found in one image or video (keypoints from ``backend``, default MediaPipe); rejections go to ``report``.

    ``counter`` hears of each frame done, and its cancel event ends the file before the next frame
    (``report.cancelled``)."""
    kind = media_kind(path)
    backend = backend or KeypointBackend()
    tracker_config = TrackerConfig(
        static_image_mode=kind == "image",
        zoom_out_photos=kind == "image",  # close-ups the palm detector misses
        max_num_hands=config.hands_per_frame + 1,  # one more, so a second hand is seen and the frame rejected
        model_complexity=config.model_complexity,
    )
    source = backend.source(tracker_config)
    try:
        every_n = config.every_n if kind == "video" else 1
        for index, rgb in iter_frames(path, every_n=every_n, on_note=report.notes.append):
            if counter is not None and counter.cancelled:
                report.cancelled = True
                return
            report.frames += 1
            if backend.skeleton == "body":  # one person a sample: the largest, legs in view (core.keypoints.pose)
                where = path.name if kind == "image" else f"{path.name} frame {index}"
                hands, reason, note = sample_person(source.process(rgb), where)
                report.notes += [note] if note else []
            else:
                hands, reason = usable_hands(source.process(rgb), config)
            if reason:
                report.rejected[reason] += 1
            for hand in hands:
                frame = index if kind == "video" else None
                yield make_sample(rgb, hand, class_name, kind, path.name, frame, backend.name)
            if counter is not None:
                counter()
    finally:
        source.close()


def check_readable(path: Path) -> None:
    """Raise ``MediaError`` naming ``path`` unless it decodes: an image fully, a video's first frame."""
    next(iter_frames(path, max_frames=1), None)


def usable_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[MediaError]]:
    """The media files of ``paths`` (folders expanded) that decode, and an error for each input that does not.

    Checked before anything is stored, so one bad photo among many is listed and skipped
    instead of costing the others, and a run where every input is bad changes nothing.
    """
    files: list[Path] = []
    refused: list[MediaError] = []
    for item in paths:
        try:
            found = expand_inputs([item])
        except MediaError as exc:
            refused.append(exc)
            continue
        for path in found:
            try:
                check_readable(path)
            except MediaError as exc:
                refused.append(exc)
            else:
                files.append(path)
    return list(dict.fromkeys(files)), refused


class RefusedError(ValueError, Generic[_Refusal]):
    """Every input of an extraction was unusable; one ``<file>: <problem>`` line per input."""

    def __init__(self, errors: list[_Refusal]) -> None:
        self.errors = errors
        super().__init__("\nerror: ".join(str(exc) for exc in errors))  # the CLI prefixes the first line


class InputsRefusedError(RefusedError[MediaError]):
    """No image or video of a sample extraction was usable."""


def extract_to_store(store: Store, project: str, class_name: str, paths: Iterable[str | Path],
                     config: ExtractConfig | None = None,
                     on_progress: Callable[[int, int, ExtractReport], None] | None = None,
                     cancel: threading.Event | None = None, create_class: bool = False,
                     create_project: bool = False) -> ExtractReport:  # fmt: skip
    """Find hands in images, folders and videos and store them as samples of ``class_name``.

    Every input is checked (exists, supported type, decodes) before anything is stored:
    bad ones are skipped and listed in ``ExtractReport.refused``; when none is usable,
    the one's ``MediaError`` (several: ``InputsRefusedError``) is raised and nothing
    changes. ``class_name`` matches a class regardless of case. The samples are kept in
    memory (a JPEG crop and the keypoints: about 12 kB each) and written in **one**
    transaction at the end, together with ``create_class``'s class and ``create_project``'s
    project (a new hand project), so a full disk, a lock or an interruption stores either all of
    them or nothing, and two extractions creating the same class both land in it. A cancel
    (``cancel`` set) stores what was found until then.
    """
    config = config or ExtractConfig()
    files, refused = usable_files(paths)
    if not files and refused:
        raise refused[0] if len(refused) == 1 else InputsRefusedError(refused)
    report = ExtractReport(refused=[str(exc) for exc in refused])
    exists = store.has_project(project)
    if not exists and not create_project:
        store.project_skeleton(project)  # NotFoundError naming the project
    stored_name = store.class_named(project, class_name) if exists else None
    if stored_name is None and not create_class:
        raise ValueError(f"project {project!r} has no class {class_name!r}; add it first")
    report.added_class = stored_name is None
    stored_name = stored_name or validate_name(class_name, "class name")
    report.class_name = stored_name
    backend = KeypointBackend.of_project(store, project) if exists else KeypointBackend()
    samples: list[Sample] = []
    for number, path in enumerate(files, start=1):
        try:
            for sample in iter_file_samples(path, stored_name, config, report, backend):
                samples.append(sample)
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
        except MediaError as exc:  # damaged past its first frame: the samples before the damage are kept
            report.refused.append(str(exc))
        if on_progress is not None:
            on_progress(number, len(files), report)
        if report.cancelled:
            break
    if samples:
        report.sample_ids = store.add_samples(project, samples, create_classes=create_class,
                                              create_project=create_project)  # fmt: skip
    report.stored = len(report.sample_ids)
    report.added_class = report.added_class and report.stored > 0
    return report
