"""Labelled keypoints from the permissively licensed photos in ``../shared/data/hands``.

Each photo's label comes from its dataset's own folder or label file, mapped to a
starter class (``core.gestures.catalog.DEFAULT_CLASSES``), to ``OTHER`` (a hand sign that is
none of them: the rejection set) or to nothing (ambiguous shapes, left out).

HaGRID's ``hagrid_people`` and ``hagrid_crops`` come through ``core.starter.hagrid``.
Never used: ``hagrid_380`` (the test set of people we did not train on),
``keypoints_gt`` (evaluation only) and ``video/`` (the held-out person of
``bench/people/learning_curve.py``).

MediaPipe runs once per photo with up to ``MAX_HANDS`` hands and the zoomed-out
search (``TrackerConfig.zoom_out_photos``: crops and close-ups whose hand fills the
frame); the results are cached in ``DEFAULT_CACHE``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.gestures.features import user_view_points
from core.keypoints.cache import detect_in_photos
from core.skeletons import HAND_21
from core.starter.dataset import OTHER
from core.starter.hagrid import FOLDERS as HAGRID_FOLDERS
from core.starter.hagrid import HagridPhoto, hagrid_photos, pick_hand
from core.types import Keypoints

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO / "data" / "cache" / "starter_hands.npz"  # made with MAX_HANDS and zoom_out=True
MAX_HANDS = 4  # more than two hands in a photo: several people (counted apart by evaluate-images)
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
EXCLUDED = ("hagrid_380", "keypoints_gt", "video")

# sign_digits: ASL digits. 1 = ☝, 5 = ✋, 9 = the F hand shape (thumb and index in a
# ring, three fingers up) = 👌. 0 (an O) and the rest are other signs.
DIGITS = {1: "pointing_up", 5: "open_palm", 9: "ok"} | {d: OTHER for d in (0, 2, 3, 4, 6, 7, 8)}
# fingers: finger counts, YOLO class ids in label files.
FINGER_NAMES = ("five", "four", "one", "three", "two")
FINGERS = {"one": "pointing_up", "five": "open_palm", "two": OTHER, "three": OTHER, "four": OTHER}
# asl_letters: S and A are fists (A with the thumb alongside), D is ☝ with the thumb
# on the middle finger, F is 👌, G points sideways (👉 or 👈 by its direction).
# Left out as ambiguous: B (a flat hand, thumb folded: between ✋ and "four"), the
# fist-like E, M, N, T and the ring-shaped O.
LETTERS = {"S": "fist", "A": "fist", "D": "pointing_up", "F": "ok", "G": "pointing_sideways"} | {
    c: OTHER for c in "CHIJKLPQRUVWXYZ"
}


def letters(z_pointing: bool = False, l_out: bool = False, fist_letters: bool = False) -> dict[str, str]:
    """``LETTERS`` with the fourth pass's trial labels (measured, not shipped: see the model card).

    ``z_pointing``: Z is 👉/👈 by its direction, as G: its hand shape is the index alone,
    pointing while it draws the letter (P is not: its middle finger is held out too).
    ``l_out``: L (the index up, thumb out at 90°) is left out as ambiguous: ``fingers``
    labels the same shape "one", a ☝.
    ``fist_letters``: E, M, N, T are 👊 where they meet the fist rule (``FIST_LETTERS``), else left out.
    """
    out = dict(LETTERS) | ({c: FIST_IF_CURLED for c in FIST_LETTERS} if fist_letters else {})
    if z_pointing:
        out["Z"] = "pointing_sideways"
    if l_out:
        del out["L"]
    return out


RPS = {"rock": "fist", "paper": "open_palm", "scissors": OTHER}
# ASL E, M, N and T fold all four fingers over the thumb (E: fingertips on it; M, N, T: the thumb
# under three, two or one finger): from the camera a fist. They are 👊 where their keypoints meet
# the fist rule (``fist_like``) and left out where they do not (``resolve_fists``).
FIST_LETTERS = "EMNT"
FIST_IF_CURLED = "fist_if_curled"  # a label resolved by ``resolve_fists``: 👊 or left out


@dataclass(frozen=True)
class LabelledPoints:
    """Keypoints with labels and where each came from.

    Attributes:
        points: (N, 21, 3) float32, **user view** (``core.gestures.features.user_view_points``
            with depth: pixels, x mirrored, z = MediaPipe's z × image width).
        labels: N class names (a starter class or ``OTHER``).
        sources: N short source names, e.g. "rps/rock".
        handedness: N person's-hand labels ("Left", "Right", "Unknown").
        people: N person ids where the data set gives one ("user:<HaGRID user_id>"), else "".
    """

    points: npt.NDArray[np.float32]
    labels: list[str]
    sources: list[str]
    handedness: list[str]
    people: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: npt.NDArray[np.bool_] | npt.NDArray[np.int64]) -> LabelledPoints:
        idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        return LabelledPoints(
            self.points[idx],
            [self.labels[i] for i in idx],
            [self.sources[i] for i in idx],
            [self.handedness[i] for i in idx],
            [self.people[i] for i in idx],
        )

    @staticmethod
    def concat(parts: list[LabelledPoints]) -> LabelledPoints:
        parts = [p for p in parts if len(p)]
        if not parts:
            return LabelledPoints(np.zeros((0, HAND_21.num_joints, 3), np.float32), [], [], [], [])
        return LabelledPoints(
            np.concatenate([p.points for p in parts]).astype(np.float32),
            [x for p in parts for x in p.labels],
            [x for p in parts for x in p.sources],
            [x for p in parts for x in p.handedness],
            [x for p in parts for x in p.people],
        )


def shared_hands_dir(shared: str | os.PathLike[str] | None = None) -> Path:
    """``<shared>/hands``; default ``$HANDTEACH_SHARED`` or ``../shared/data`` beside the checkout."""
    base = shared or os.environ.get("HANDTEACH_SHARED") or REPO.parent / "shared" / "data"
    return Path(base) / "hands"


def _photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)


def _finger_label(photo: Path) -> str | None:
    """Class of a ``fingers`` photo from its YOLO label file; None when missing or mixed."""
    label_file = photo.parent.parent / "labels" / (photo.stem + ".txt")
    if not label_file.exists():
        return None
    ids = {line.split()[0] for line in label_file.read_text().splitlines() if line.strip()}
    if len(ids) != 1 or not ids.pop().isdigit():
        return None
    index = int(next(iter({line.split()[0] for line in label_file.read_text().splitlines() if line.strip()})))
    return FINGERS.get(FINGER_NAMES[index]) if index < len(FINGER_NAMES) else None


def labelled_photos(hands_dir: Path, asl: dict[str, str] = LETTERS) -> list[tuple[Path, str, str]]:
    """(photo, label, source) of every photo used, in a fixed order; photos without a label are skipped.
    ``asl``: the label of each ``asl_letters`` letter (``letters()``)."""
    items: list[tuple[Path, str, str]] = []
    for name, label in RPS.items():
        items += [(p, label, f"rps/{name}") for p in _photos(hands_dir / "rps" / name)]
    for digit, label in DIGITS.items():
        items += [
            (p, label, f"sign_digits/{digit}") for p in _photos(hands_dir / "sign_digits" / "Dataset" / str(digit))
        ]
    for photo in _photos(hands_dir / "fingers"):
        label = _finger_label(photo)
        if label is not None:
            items.append((photo, label, "fingers"))
    for photo in _photos(hands_dir / "asl_letters"):
        letter = photo.name[0].upper()
        if letter in asl:
            items.append((photo, asl[letter], f"asl_letters/{letter}"))
    return items


def _pointing_direction(points: npt.NDArray[np.float32]) -> str:
    """👉 or 👈 for a sideways index finger: the sign of x from the index MCP to its tip (user view)."""
    return "pointing_right" if points[8, 0] - points[5, 0] > 0 else "pointing_left"


def extended_fingers(points: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(N, 4) which of index..pinky look extended in the image: nearly straight (tip-to-MCP
    at least 80% of the finger's length) and with the tip farther from the wrist than the PIP."""
    xy = points[:, :, :2].astype(np.float64)
    out = []
    for mcp in (5, 9, 13, 17):
        length = sum(np.linalg.norm(xy[:, mcp + k + 1] - xy[:, mcp + k], axis=1) for k in range(3))
        straight = np.linalg.norm(xy[:, mcp + 3] - xy[:, mcp], axis=1) > 0.8 * length
        far = np.linalg.norm(xy[:, mcp + 3] - xy[:, 0], axis=1) > np.linalg.norm(xy[:, mcp + 1] - xy[:, 0], axis=1)
        out.append(straight & far)
    return np.stack(out, axis=1)


FOLD_REACH = 0.55  # a folded thumb's tip lies this close (palm lengths) to an index, middle or ring knuckle


def curled_fingers(points: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(N, 4) which of index..pinky are curled: the fingertip nearer the wrist than the finger's
    PIP joint, in 3D (x, y and MediaPipe's depth), so a fist seen knuckles-forward counts too."""
    p = points.astype(np.float64)
    dist = lambda j: np.linalg.norm(p[:, j] - p[:, 0], axis=1)  # noqa: E731
    return np.stack([dist(tip) < dist(tip - 2) for tip in (8, 12, 16, 20)], axis=1)


def thumb_folded(points: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(N,) the thumb tip lies within ``FOLD_REACH`` palm lengths (wrist to middle MCP, 3D) of the
    MCP or PIP joint of the index, middle or ring finger: across, alongside or under the fingers,
    not held out (👍, 👎, "call")."""
    p = points.astype(np.float64)
    palm = np.maximum(np.linalg.norm(p[:, 9] - p[:, 0], axis=1), 1e-9)
    reach = np.min([np.linalg.norm(p[:, 4] - p[:, j], axis=1) for j in (5, 6, 9, 10, 13, 14)], axis=0)
    return reach < FOLD_REACH * palm


def fist_like(points: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(N,) **the fist rule**: all four fingers curled (``curled_fingers``) and the thumb folded
    (``thumb_folded``). Measured on the second-pass set: HaGRID fist 96%, rps rock 100%, ASL A 93%,
    S 100% meet it; HaGRID like 2%, dislike 6%, call 2%, mute 4%, ASL X 6%, digit 0 6%; HaGRID
    ``no_gesture`` hands 10%."""
    return curled_fingers(points).all(axis=1) & thumb_folded(points)


RESTING_TILT = 75.0  # a no_gesture fist leaning further than this from upright hangs at rest: other


def hand_tilt(points: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """(N,) degrees from upright of the wrist → middle MCP line on screen (positive: leaning right)."""
    v = points[:, 9, :2].astype(np.float64) - points[:, 0, :2]
    return np.degrees(np.arctan2(v[:, 0], -v[:, 1]))


def resolve_fists(data: LabelledPoints, no_gesture: str = "fist") -> LabelledPoints:
    """The fist rule applied to labels: ``FIST_IF_CURLED`` rows (ASL E, M, N, T) become 👊 where
    ``fist_like``, else are left out. HaGRID ``no_gesture`` hands (the relaxed other hand) that are
    ``fist_like`` and held within ``RESTING_TILT`` of upright become, by ``no_gesture``, "fist" (👊,
    source "<folder>/no_gesture+fist"), "out" (left out) or "other" (an other sign, as before);
    those hanging further (91 of the 108 fist-like ones: the resting hand, which Live should not
    call 👊) stay other signs."""
    if no_gesture not in ("fist", "out", "other"):
        raise ValueError(f"no_gesture must be fist, out or other, got {no_gesture!r}")
    fist = fist_like(data.points) & (np.abs(hand_tilt(data.points)) <= RESTING_TILT)
    keep = np.ones(len(data), dtype=bool)
    labels, sources = list(data.labels), list(data.sources)
    for i, (label, source) in enumerate(zip(data.labels, data.sources, strict=True)):
        if label == FIST_IF_CURLED:
            labels[i] = "fist"
            keep[i] = bool(fist[i])
        elif source.endswith("/no_gesture") and fist[i] and no_gesture != "other":
            labels[i], sources[i] = "fist", f"{source}+fist"
            keep[i] = no_gesture == "fist"
    out = LabelledPoints(data.points, labels, sources, data.handedness, data.people)
    return out.subset(keep)


def consistent_labels(data: LabelledPoints, pointing_rule: bool = False) -> npt.NDArray[np.bool_]:
    """(N,) False for photos whose keypoints contradict their label (label noise of web data sets,
    or MediaPipe failures): ✋ needs four extended fingers, ☝ the index and at most one other,
    👊 none, 👌 two of middle, ring and pinky; "fingers" photos of other counts need one.
    ``pointing_rule`` (with ``letters(z_pointing=True)``): 👉 and 👈 as ☝."""
    ext = extended_fingers(data.points)
    count = ext.sum(axis=1)
    one_finger = ext[:, 0] & (ext[:, 1:].sum(axis=1) <= 1)
    rules = {
        "open_palm": count == 4,
        "pointing_up": one_finger,
        **({"pointing_right": one_finger, "pointing_left": one_finger} if pointing_rule else {}),
        "fist": count == 0,
        "ok": ext[:, 1:].sum(axis=1) >= 2,
    }
    labels, sources = np.array(data.labels), np.array(data.sources)
    ok = np.ones(len(data), dtype=bool)
    for label, rule in rules.items():
        ok &= (labels != label) | rule
    return ok & ~((sources == "fingers") & (labels == OTHER) & (count == 0))


def all_real_samples(
    hands_dir: Path,
    cache_file: Path = DEFAULT_CACHE,
    on_progress: Callable[[int, int], None] | None = None,
    asl: dict[str, str] = LETTERS,
) -> tuple[LabelledPoints, int]:
    """Keypoints of every labelled photo with a hand (MediaPipe, cached), unfiltered, and how many had none.

    ASL "G" photos are labelled 👉 or 👈 by where the finger points; flipped copies
    in that dataset simply land in the other class. HaGRID photos give the gesturing
    hand (``core.starter.hagrid.pick_hand``).
    """
    items: list[tuple[Path, str, str, HagridPhoto | None]] = [
        (p, lab, s, None) for p, lab, s in labelled_photos(hands_dir, asl)
    ]
    for folder in HAGRID_FOLDERS:
        items += [(h.path, h.label, h.source, h) for h in hagrid_photos(hands_dir, folder)]
    if not items:
        raise FileNotFoundError(f"no labelled photos under {hands_dir}")
    found = detect_in_photos([p for p, _, _, _ in items], cache_file, MAX_HANDS, on_progress, zoom_out=True)
    points, labels, sources, handed, people = [], [], [], [], []
    for hands, (_, label, source, hagrid) in zip(found, items, strict=True):
        hand = (pick_hand(hands, hagrid) if hagrid is not None else max(hands, key=Keypoints.extent)) if hands else None
        if hand is None:
            continue
        pts = user_view_points(hand, use_depth=True)
        if label == "pointing_sideways":
            label = _pointing_direction(pts)
        points.append(pts)
        labels.append(label)
        sources.append(source)
        handed.append(hand.handedness)
        people.append(hagrid.person if hagrid is not None else "")
    data = LabelledPoints(
        np.array(points, np.float32).reshape(-1, HAND_21.num_joints, 3), labels, sources, handed, people
    )
    return data, len(items) - len(data)
