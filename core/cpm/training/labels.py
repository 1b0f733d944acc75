"""Teacher labels: MediaPipe Hands (static mode, model_complexity=1) on every image/video frame.

Labels are cached in one JSON file keyed by the SHA-256 of each file's bytes, so a
second training run (or one interrupted half-way, or one on a fresh copy of the same
data) does not run MediaPipe again on files it has already seen; a changed file gets
a new key and is labelled afresh. (Why this is not ``core.keypoints.cache``: see there.)

With ``zoom_out`` an image (or frame) where MediaPipe finds no hand is labelled again,
framed by a border of its own edge pixels: MediaPipe's palm detector misses many hands
that fill the frame (close-ups), and its landmark model labels them well once the palm is
found. Those hands say which border found them, so a reference can keep to the hands
MediaPipe finds in the whole image.

Files under a ``padded`` input (tight hand crops such as ``hagrid_crops``) are labelled
framed by ``PAD`` × their longest side of edge pixels on each side, always: MediaPipe
misses a hand that fills the whole image (93 % of HaGRID's crops are found padded). Their
cache key says so, and their frames carry the pad, so training crops see what the teacher saw.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from core.cpm.config import DEFAULT_LABEL_CACHE
from core.io.atomic import write_text
from core.io.crops import box_iou, keypoint_box
from core.io.digest import file_sha256
from core.io.video import expand_inputs, iter_frames, media_kind, read_image

if TYPE_CHECKING:
    from core.keypoints.landmarks import HandTracker
    from core.types import Keypoints

PAD = 0.5  # border on each side of a padded input's images, × the image's longest side (hagrid_crops' README)
CACHE_VERSION = 2  # 2: keyed by content; 1: by path, mtime and size (re-keyed on load while the files match)
# where PAD finds no hand in a stored sample crop, these borders are tried in turn (0: as it is): on 369 HaGRID
# crops of a cpm project they found 13 of PAD's 16 misses, 1-4 px from MediaPipe's keypoints on the photo mostly
SAMPLE_CROP_BORDERS = (0.0, 0.25, 1.0)
TEACHER = "mediapipe-hands static_image_mode=True model_complexity=1 max_num_hands=2"


@dataclass(frozen=True)
class LabelledHand:
    """One teacher hand: keypoints (21, 2) float32 in pixels of its image/frame."""

    keypoints: npt.NDArray[np.float32]
    handedness: str  # the person's real hand, as core.keypoints.landmarks reports it
    score: float  # MediaPipe's handedness score
    zoom_out: float = 0.0  # 0: found in the image as it is; else the border (× longest side) that found it


@dataclass(frozen=True)
class LabelledFrame:
    """The teacher's hands in one image (frame = -1) or one video frame."""

    path: Path
    frame: int
    hands: tuple[LabelledHand, ...]
    pad: float = 0.0  # >0: labelled framed by this border (× longest side) of edge pixels; keypoints stay in image px


def file_key(path: Path) -> str:
    """Cache key: the SHA-256 of the file's bytes, so a copied or touched file keeps its labels
    and a changed one gets a new key."""
    return f"sha256:{file_sha256(path)}"


def _old_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}"


def _rekey_version_1(entries: dict[str, dict[str, list]]) -> dict[str, dict[str, list]]:
    """Version-1 entries whose file is unchanged (same path, mtime and size), keyed by content."""
    rekeyed = {}
    for key, entry in entries.items():
        path = Path(entry.get("path", ""))
        if path.is_file() and _old_key(path) == key:
            rekeyed[file_key(path)] = entry
    return rekeyed


def _load_cache(cache_path: Path) -> tuple[dict[str, dict[str, list]], bool]:
    """(entries, whether the file is in the current format)."""
    if not cache_path.exists():
        return {}, False
    data = json.loads(cache_path.read_text())
    if data.get("teacher") != TEACHER:
        return {}, False  # labels from another teacher are not ours to reuse
    if data.get("version") == 1:
        return _rekey_version_1(data["entries"]), False
    return (data["entries"], True) if data.get("version") == CACHE_VERSION else ({}, False)


def _save_cache(cache_path: Path, entries: dict[str, dict[str, list]]) -> None:
    # atomic: an interrupted save never leaves half a file
    write_text(cache_path, json.dumps({"version": CACHE_VERSION, "teacher": TEACHER, "entries": entries}))


def _hand_record(hand: Keypoints) -> list:
    pixel = np.round(hand.pixel.astype(np.float64), 2).tolist()
    return [pixel, hand.handedness, round(float(hand.score), 4)]


def _frames_of(path: Path, video_every_n: int):
    if media_kind(path) == "video":
        yield from iter_frames(path, video_every_n)
    else:
        yield -1, read_image(path)


def find_in_tight_crop(tracker: HandTracker, rgb: npt.NDArray[np.uint8]) -> list[Keypoints]:
    """MediaPipe's hands in a tight hand crop (H, W, 3) RGB, framed by ``PAD`` of its edge pixels first; keypoints
    in ``rgb``'s px. MediaPipe's palm detector misses most hands that fill the image; framed, it finds them.

    Also labels a project's stored sample crops (``teacher_keypoints``): framed, MediaPipe found 39 of 40 HaGRID
    hands in their 192 px crops (margin 0.25), as they are 31.
    """
    return tracker.find_zoomed_out(rgb, (PAD,))[1]


def teacher_keypoints(
    tracker: HandTracker, rgb: npt.NDArray[np.uint8], own: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32] | None:
    """MediaPipe's (21, 2) float32 keypoints, in the pixels of the stored crop ``rgb`` (S, S, 3), of the hand the
    sample's own keypoints ``own`` ((21, 2) crop px, from a network) outline; None when no hand it finds overlaps them.

    The crop is labelled framed (``find_in_tight_crop``): its hand fills two thirds of it, too tight for MediaPipe's
    palm detector; where that finds none, as it is or framed by ``SAMPLE_CROP_BORDERS``. Of several hands, the one
    whose box overlaps ``own``'s most (then the nearest the crop's centre): the crop was cut around that hand, and a
    hand beside it is another one. Keypoints from a network may be off, but they outline the hand they followed.
    """
    own_box = keypoint_box(own)
    centre = np.array(rgb.shape[1::-1], np.float64) / 2
    best: tuple[float, float, npt.NDArray[np.float32]] | None = None
    for hand in find_in_tight_crop(tracker, rgb) or tracker.find_zoomed_out(rgb, SAMPLE_CROP_BORDERS)[1]:
        box = keypoint_box(hand.pixel)
        overlap = box_iou(box, own_box)
        offset = float(np.hypot((box[0] + box[2]) / 2 - centre[0], (box[1] + box[3]) / 2 - centre[1]))
        if overlap > 0 and (best is None or (-overlap, offset) < best[:2]):
            best = (-overlap, offset, hand.pixel)
    return None if best is None else best[2].astype(np.float32)


def _label_padded(tracker: HandTracker, path: Path) -> dict:
    """The cache entry of a tight crop: ``find_in_tight_crop`` on the image (keypoints in the image's px)."""
    hands = find_in_tight_crop(tracker, read_image(path))
    return {"path": str(path), "pad": PAD, "frames": {"-1": [_hand_record(h) for h in hands]}}


def _label_file(tracker: HandTracker, path: Path, entry: dict | None, video_every_n: int, zoom_out: bool) -> dict:
    """The cache entry of one file, reading its frames once: MediaPipe's hands per frame (kept from ``entry``
    when there is one) and, with ``zoom_out``, ``"zoomed_out"``: [border, hands] for each frame with none."""
    frames = dict(entry["frames"]) if entry else {}
    zoomed: dict[str, list] = {}
    needs_frames = entry is None or (zoom_out and not all(frames.values()))
    for index, rgb in _frames_of(path, video_every_n) if needs_frames else ():
        key = str(index)
        if entry is None:
            frames[key] = [_hand_record(h) for h in tracker.process(rgb)]
        if zoom_out and not frames.get(key, True):
            border, hands = tracker.find_zoomed_out(rgb)
            zoomed[key] = [border, [_hand_record(h) for h in hands]]
    labelled = {**(entry or {"path": str(path)}), "frames": frames}
    return {**labelled, "zoomed_out": zoomed} if zoom_out else labelled


def label_media(
    inputs: list[str | Path],
    cache_path: Path = DEFAULT_LABEL_CACHE,
    video_every_n: int = 5,
    on_progress: Callable[[int, int], None] | None = None,
    zoom_out: bool = False,
    padded: tuple[str | Path, ...] = (),
) -> list[LabelledFrame]:
    """Teacher labels for every image and every ``video_every_n``-th video frame under ``inputs``.

    Returns one ``LabelledFrame`` per image/frame, including those with no hand
    (empty ``hands``), in file order. With ``zoom_out``, frames with no hand in the
    whole image get the hands a zoomed-out view finds (``LabelledHand.zoom_out`` > 0).
    Images under a ``padded`` folder are labelled framed by ``PAD`` (``LabelledFrame.pad``).
    """
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    files = list(dict.fromkeys(expand_inputs(inputs)))  # a folder given twice is labelled once
    entries, current = _load_cache(cache_path)
    pads = [Path(p).resolve() for p in padded]
    is_padded = {p: any(p.resolve().is_relative_to(d) for d in pads) for p in files}
    # a padded crop has its own key: the same bytes labelled unpadded are another entry
    keys = {p: file_key(p) + (f"|pad{PAD}" if is_padded[p] else "") for p in files}
    todo = [
        p
        for p in files
        if keys[p] not in entries or (zoom_out and not is_padded[p] and "zoomed_out" not in entries[keys[p]])
    ]
    if todo:
        config = TrackerConfig(static_image_mode=True, max_num_hands=2, model_complexity=1)
        with HandTracker(config) as tracker:
            for done, path in enumerate(todo, 1):
                entries[keys[path]] = (
                    _label_padded(tracker, path)
                    if is_padded[path]
                    else _label_file(tracker, path, entries.get(keys[path]), video_every_n, zoom_out)
                )
                if done % 250 == 0:
                    _save_cache(cache_path, entries)
                if on_progress:
                    on_progress(done, len(todo))
    if todo or (entries and not current):
        _save_cache(cache_path, entries)
    return [frame for path in files for frame in _frames_from_entry(path, entries[keys[path]], zoom_out)]


def _frames_from_entry(path: Path, entry: dict, zoom_out: bool) -> list[LabelledFrame]:
    out = []
    zoomed = entry.get("zoomed_out", {}) if zoom_out else {}
    for index, hands in entry["frames"].items():
        border, records = (0.0, hands) if hands or index not in zoomed else zoomed[index]
        parsed = tuple(
            LabelledHand(np.asarray(xy, dtype=np.float32), handed, score, border) for xy, handed, score in records
        )
        out.append(LabelledFrame(path, int(index), parsed, float(entry.get("pad", 0.0))))
    return out


def cached_files(inputs: list[str | Path], cache_path: Path = DEFAULT_LABEL_CACHE) -> list[Path]:
    """The files under ``inputs`` the cache already holds unpadded labels for (nothing is labelled)."""
    entries, _ = _load_cache(cache_path)
    return [p for p in dict.fromkeys(expand_inputs(inputs)) if file_key(p) in entries]
