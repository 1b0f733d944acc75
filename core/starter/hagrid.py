"""HaGRID photos of many people (``hagrid_people``, ``hagrid_crops``) as labelled starter photos.

HaGRID shows thousands of people gesturing at a phone or webcam in their own rooms:
the variety of people, hands, lights and viewpoints the older sources lack. Its
gesture classes map to starter classes; its other signs and ``no_gesture`` (the
relaxed other hand) are real "unknown" hands (``OTHER``).

``hagrid_380`` is never read here: it is the test set of people no model trains on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.starter.dataset import OTHER
from core.types import Keypoints

FOLDERS = ("hagrid_people", "hagrid_crops")
CLASSES = {"like": "thumbs_up", "dislike": "thumbs_down", "one": "pointing_up", "ok": "ok", "fist": "fist",
           "palm": "open_palm", "stop": "open_palm", "stop_inverted": "open_palm"}  # fmt: skip
# stop_inverted is HaGRID's stop seen from the back (fingers up, measured: median 1° from
# vertical on the crops), the same raised hand as rps "paper": taught as "other" it made
# the backs of raised hands "unknown" (rps paper 164/712 right with rps left out).
# Real other signs (the other *_inverted ones are back views of other signs):
OTHER_SIGNS = ("call", "mute", "rock", "peace", "peace_inverted", "three", "three2", "four", "two_up",
               "two_up_inverted", "no_gesture")  # fmt: skip


@dataclass(frozen=True)
class HagridPhoto:
    """One labelled HaGRID photo.

    Attributes:
        path: the image file.
        label: a starter class or ``OTHER``.
        source: "<folder>/<HaGRID class>", e.g. "hagrid_people/like".
        person: "user:<HaGRID user_id>" where the metadata gives one; for a crop "photo:<HaGRID id>";
            else "" (a person who may appear in other photos).
        box: the gesturing hand's box, normalised (x, y, w, h) from the top-left; None when not given.
    """

    path: Path
    label: str
    source: str
    person: str
    box: tuple[float, float, float, float] | None


def _label(hagrid_class: str) -> str | None:
    if hagrid_class in CLASSES:
        return CLASSES[hagrid_class]
    return OTHER if hagrid_class in OTHER_SIGNS else None


def hagrid_photos(hands_dir: Path, folder: str) -> list[HagridPhoto]:
    """The labelled photos of ``hands_dir/folder`` (one of ``FOLDERS``), sorted by file; [] when absent."""
    meta = hands_dir / folder / "metadata.jsonl"
    if not meta.is_file():
        return []
    out = []
    for line in meta.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        label = _label(str(row.get("label", "")))
        path = hands_dir / folder / str(row.get("file", ""))
        if label is None or not path.is_file():
            continue
        boxes, names = row.get("bboxes") or [], row.get("labels") or []
        box = next((tuple(b) for b, n in zip(boxes, names, strict=False) if n == row["label"]), None)
        # a crop's photo stands for its person: crops are nearly all of different people (SOURCE.md)
        person = f"user:{row['user_id']}" if row.get("user_id") else ""
        if not person and folder == "hagrid_crops":
            person = f"photo:{row.get('hagrid_id', path.stem)}"
        out.append(HagridPhoto(path, label, f"{folder}/{row['label']}", person, box))  # type: ignore[arg-type]
    return sorted(out, key=lambda p: str(p.path))


def pick_hand(hands: list[Keypoints], photo: HagridPhoto) -> Keypoints | None:
    """The gesturing hand among those MediaPipe found in ``photo``.

    * A crop holds one hand: the largest.
    * A full photo with a box: the hand whose keypoint centre lies in the box (grown by
      half on each side), nearest its centre; None when no hand does.
    * A full photo without a box: the hand held highest (smallest mean y). A person
      gesturing at a camera raises the gesturing hand; the other one rests lower.
    """
    if not hands:
        return None
    if photo.source.startswith("hagrid_crops"):
        return max(hands, key=Keypoints.extent)
    if photo.box is None:
        return min(hands, key=lambda h: float(h.normalised[:, 1].mean()))
    x, y, w, h = photo.box
    centre = np.array([x + w / 2, y + h / 2])
    best, best_d = None, np.inf
    for hand in hands:
        c = hand.normalised[:, :2].mean(axis=0)
        inside = abs(c[0] - centre[0]) <= w and abs(c[1] - centre[1]) <= h
        d = float(np.linalg.norm(c - centre))
        if inside and d < best_d:
            best, best_d = hand, d
    return best
