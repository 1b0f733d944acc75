"""People recording their gestures: the takes ``bench/people/fewshot.py`` teaches from and tests on.

A *take* is one person's frames of one gesture in recording order. Four sources, each a set of
people nobody trained the starter on:

* ``webcam_people``: ``../shared/data/hands/webcam_people/<person>/<gesture>/`` photos (subfolders
  too) in file-name order, numbers read as numbers (or ``<person>/<gesture>.mp4``), when the folder
  is present: people at their own webcams.
* ``asl_video``: the finger-spelling person of ``hands/video/asl_hand.25fps.mp4`` (never in the
  starter set), frames labelled by ``bench/learning_curve.SEGMENTS``: the fist (three separate
  times), ☝ (D) and the letters K, I, E, O as the person's own classes. Real "later": the fist and
  E come back after other letters.
* ``kinivi_people``: people who logged their own gestures at their own webcams with kinivi's
  tool (its ``keypoint.csv``: one row per frame while a key is held, in recording order),
  transcribed from public GitHub repositories into ``data/cache/kinivi_people/<owner>__<repo>/``
  (``bench/common/kinivi_people_sources.json`` names each repository, commit and the rows' places; the
  rows are not in git): per class the first 20 rows of its first run (``teach.csv``) and about 30
  rows of the last half of its rows (``later.csv``), values cut to 4 decimals; where transcribed,
  ``record.csv`` holds positions 20–59 of the first run (never past its middle), so a lesson can spread its
  samples as Record does (``bench/people/fewshot.py --teach-every``). ``bench/common/kinivi_people_check.py`` checks every row. 2D keypoints only
  (kinivi logs x, y), so these people's projects have no depth. Real later frames of real
  strangers; not in ``../shared``, so the bench reads them when the folder is there.
* ``hagrid_recorded``: every HaGRID ``hagrid_people`` user with photos of two or more gestures
  (76 people, their own rooms). A photo is one moment; its take is a recording made from it with
  real pixels: a 320 px view around the hand's box that starts still (small drift, sensor noise)
  and then turns the hand in the image plane (up to ±35°) and in depth (a perspective warp of up to
  ±40° yaw, ±30° pitch), moves and zooms, as a person's hand does over a session. Every frame goes
  through MediaPipe (static photos, as ``extract`` reads them), so the keypoints vary as a
  detector's do. Where a user has two photos of a gesture (10 pairs), the take is both, one after
  the other: taught from the first photo's frames, tested on the second's, a real second moment.
  The hand's shape stays that of one photo: the warps show views a short take does not, not the
  re-formed fingers of a later attempt, which only ``asl_video``, the photo pairs and
  ``webcam_people`` show. Frames are cached under ``data/cache/fewshot/``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from bench.common.shared_sets import REPO, largest, require_shared
from core.gestures.catalog import DEFAULT_CLASSES
from core.keypoints.cache import detect_in_photos
from core.starter.hagrid import CLASSES as HAGRID_STARTER
from core.types import Keypoints

CACHE_DIR = REPO / "data" / "cache" / "fewshot"
CACHE_FILE = REPO / "data" / "cache" / "fewshot_hands.npz"
FRAMES = 40  # frames a photo's take holds
SIDE = 320  # px of a made frame
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".webm", ".mkv"}
# A gesture folder of webcam_people may be named by class, emoji or HaGRID class.
_NAMES = {c.name: c.name for c in DEFAULT_CLASSES} | {c.emoji.replace("\ufe0f", ""): c.name for c in DEFAULT_CLASSES}
STARTER_CLASSES = {c.name for c in DEFAULT_CLASSES}
_NAMES |= dict(HAGRID_STARTER) | {"thumbs_up": "thumbs_up", "palm": "open_palm", "rock_fist": "fist"}


@dataclass(frozen=True)
class Take:
    """One person's frames of one gesture, in recording order (frames without a hand left out)."""

    person: str
    label: str
    hands: list[Keypoints]
    source: str
    frames: tuple[Path, ...] = ()  # the photo each hand was found in, where the take is made of photo files
    test_start: int | None = None  # where the later frames begin, when the take says (else its second half)


def recording_order(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``frame_2.jpg`` before ``frame_10.jpg`` (and ``take1/…`` before ``take2/…``):
    a recorder that does not pad its frame numbers would otherwise teach from frames 1, 10, 100, …"""
    parts = re.split(r"(\d+)", path.as_posix().lower())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def class_name(folder: str) -> str:
    """The class a gesture folder stands for: a starter class by name, emoji or HaGRID name, else its own name."""
    key = folder.strip().replace("\ufe0f", "")
    return _NAMES.get(key, _NAMES.get(key.lower(), key.lower()))


def webcam_people(root: Path | None = None, max_people: int | None = None) -> list[Take]:
    """Takes of ``webcam_people`` (see the module docstring), of its first ``max_people`` people (all: None);
    [] when the folder is absent. MediaPipe reads only their photos (a fresh checkout has no keypoint cache)."""
    root = root or require_shared() / "webcam_people"
    if not root.is_dir():
        return []
    takes = []
    for person in sorted(p for p in root.iterdir() if p.is_dir())[:max_people]:
        for entry in sorted(person.iterdir()):
            if entry.is_dir():
                photos = sorted((p for p in entry.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES),
                                key=lambda p: recording_order(p.relative_to(entry)))  # fmt: skip
                found = detect_in_photos(photos, CACHE_FILE, 2, zoom_out=True)
                hands = [largest(h) for h in found if h]
                frames = tuple(p for p, h in zip(photos, found, strict=True) if h)
            elif entry.suffix.lower() in VIDEO_SUFFIXES:
                hands, frames = _video_hands(entry), ()
            else:
                continue
            if hands:
                takes.append(Take(f"webcam/{person.name}", class_name(entry.stem), hands, "webcam_people", frames))
    return takes


KINIVI_PEOPLE = REPO / "data" / "cache" / "kinivi_people"


def kinivi_people(root: Path = KINIVI_PEOPLE, two_hand_logs: bool = False) -> list[Take]:
    """Takes of ``kinivi_people`` (see the module docstring): taught from ``teach.csv``, tested on ``later.csv``.
    A person whose first rows of a gesture alternate between two hands is left out (and said so),
    unless ``two_hand_logs``."""
    from core.data.csv_files.csv_io import kinivi_hand, read_kinivi
    from core.data.csv_files.two_hands import TwoHandCheck

    takes = []
    for folder in sorted(p for p in root.glob("*") if (p / "source.json").is_file()):
        source = json.loads((folder / "source.json").read_text(encoding="utf-8"))
        labels = folder / "labels.csv"
        labels.write_text("\n".join(source["labels"]) + "\n", encoding="utf-8")
        teach_points, teach_names = read_kinivi(folder / "teach.csv", labels)
        later_points, later_names = read_kinivi(folder / "later.csv", labels)
        record_points, record_names = (
            read_kinivi(folder / "record.csv", labels) if (folder / "record.csv").is_file() else ([], [])
        )
        person: list[Take] = []
        for name in dict.fromkeys(teach_names):
            first = [kinivi_hand(p) for p, n in zip(teach_points, teach_names, strict=True) if n == name]
            # positions 20.. of the same first run, where transcribed: what a Record-shaped lesson spreads over
            first += [kinivi_hand(p) for p, n in zip(record_points, record_names, strict=True) if n == name]
            later = [kinivi_hand(p) for p, n in zip(later_points, later_names, strict=True) if n == name]
            if later:
                # as ``import`` names classes: a starter gesture's name in any case joins it ("OK" is 👌)
                label = name.strip().lower() if name.strip().lower() in STARTER_CLASSES else name.strip()
                person.append(
                    Take(f"kinivi/{folder.name}", label, first + later, "kinivi_people", test_start=len(first))
                )
        # kinivi's logger writes a row for every hand under the key held; handteach's Record drops frames with a
        # second hand (ExtractConfig.hands_per_frame), so such rows are not what a person would have taught it
        check = TwoHandCheck()
        for points, name in zip(teach_points, teach_names, strict=True):
            check.add(name, points)
        two_hands = check.alternating()
        if two_hands and not two_hand_logs:
            print(
                f"left out kinivi/{folder.name}: its first rows of {', '.join(two_hands)} alternate between two hands"
            )
            continue
        takes += person
    return takes


def _video_hands(video: Path) -> list[Keypoints]:
    from core.io.video import iter_frames
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    with HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1)) as tracker:
        return [found[0] for _, rgb in iter_frames(video) if (found := tracker.process(rgb))]


def asl_video_person() -> list[Take]:
    """The finger-spelling person's takes: each class's labelled frames in time order."""
    from bench.people.learning_curve import SEGMENTS
    from core.io.video import iter_frames
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    video = require_shared() / "video" / "asl_hand.25fps.mp4"
    with HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1)) as tracker:
        found = {i: tracker.process(rgb) for i, rgb in iter_frames(video)}
    frames: dict[str, list[Keypoints]] = defaultdict(list)
    for first, last, label, _role in SEGMENTS:
        frames[label] += [found[i][0] for i in range(first, last + 1) if found.get(i)]
    return [Take("asl_video", label, hands, "asl_video") for label, hands in frames.items()]


def hagrid_users() -> dict[str, list[tuple[Path, str, tuple[float, float, float, float]]]]:
    """HaGRID users with photos of two or more gestures: user → [(photo, class, box)] sorted by file."""
    folder = require_shared() / "hagrid_people"
    users: dict[str, list] = defaultdict(list)
    for line in (folder / "metadata.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if not row.get("user_id"):
            continue
        box = next((b for b, n in zip(row["bboxes"], row["labels"], strict=False) if n == row["label"]), None)
        if box is not None:
            users[row["user_id"]].append((folder / row["file"], class_name(row["label"]), tuple(box)))
    return {u: sorted(v) for u, v in sorted(users.items()) if len({c for _, c, _ in v}) >= 2}


def hagrid_recorded_people(max_people: int | None = None) -> list[Take]:
    """Takes of the ``hagrid_recorded`` people (see the module docstring), made and detected once, then cached."""
    users = list(hagrid_users().items())[:max_people]
    plan: list[tuple[str, str, list[Path]]] = []
    for user, photos in users:
        by_class: dict[str, list[Path]] = defaultdict(list)
        for index, (photo, label, box) in enumerate(photos):
            seed = int(user[:8], 16) + index
            by_class[label] += recording_frames(photo, box, CACHE_DIR / user[:12] / f"{label}_{index}", seed)
        plan += [(f"hagrid/{user[:8]}", label, paths) for label, paths in by_class.items()]
    every = [p for _, _, paths in plan for p in paths]
    found = dict(zip(every, detect_in_photos(every, CACHE_FILE, 2, zoom_out=True), strict=True))
    takes = []
    for person, label, paths in plan:
        kept = [p for p in paths if found[p]]
        takes.append(Take(person, label, [largest(found[p]) for p in kept], "hagrid_recorded", tuple(kept)))
    return takes


def recording_frames(photo: Path, box: tuple[float, float, float, float], folder: Path, seed: int) -> list[Path]:
    """``FRAMES`` JPEG frames of a take made from ``photo`` (see the module docstring); made once."""
    paths = [folder / f"{t:03d}.jpg" for t in range(FRAMES)]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    image = cv2.imread(str(photo))
    height, width = image.shape[:2]
    x, y, w, h = box
    centre = np.array([(x + w / 2) * width, (y + h / 2) * height])
    half = 1.3 * max(w * width, h * height, 40.0)  # the view: 2.6 hand boxes wide
    source = np.float32([centre + half * np.array(c) for c in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
    rng = np.random.default_rng(seed)
    path = _camera_path(rng)
    for t, target in enumerate(paths):
        frame = cv2.warpPerspective(image, _homography(source, *path[t]), (SIDE, SIDE), borderMode=cv2.BORDER_REPLICATE)
        noisy = frame.astype(np.float32) * path[t][5] + rng.normal(0, 3.0, frame.shape)
        cv2.imwrite(str(target), np.clip(noisy, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 88])
    return paths


def _camera_path(rng: np.random.Generator) -> np.ndarray:
    """(FRAMES, 6) per frame: in-plane angle °, yaw °, pitch °, zoom, shift (fraction of the view), brightness.

    The first quarter is a still hand (drift of a degree or two, sensor noise); then the hand eases
    towards a turned, tilted, moved pose drawn for this take and part of the way back."""
    still = FRAMES // 4
    ends = np.array([rng.uniform(15, 35) * rng.choice([-1, 1]), rng.uniform(15, 40) * rng.choice([-1, 1]),
                     rng.uniform(10, 30) * rng.choice([-1, 1]), rng.uniform(0.8, 1.2), rng.uniform(-0.12, 0.12)])  # fmt: skip
    out = np.zeros((FRAMES, 6))
    for t in range(FRAMES):
        phase = max(0.0, (t - still) / (FRAMES - still - 1))
        swing = np.sin(np.pi * 0.75 * phase) / np.sin(np.pi * 0.75)  # out to the pose at 2/3, 0.7 of it at the end
        drift = rng.normal(0, [1.0, 1.5, 1.5, 0.01, 0.005])
        out[t, :5] = np.array([0, 0, 0, 1, 0]) + swing * (ends - np.array([0, 0, 0, 1, 0])) + drift
        out[t, 5] = 1.0 + 0.08 * swing * np.sign(ends[0]) + rng.normal(0, 0.01)
    return out


def _homography(source: np.ndarray, angle: float, yaw: float, pitch: float, zoom: float, shift: float,
                _brightness: float) -> np.ndarray:  # fmt: skip
    """Source view corners → the frame, as a camera would see the view's plane turned by (yaw, pitch),
    rolled by ``angle``, zoomed and shifted."""
    corners = np.array([(-1, -1, 0), (1, -1, 0), (1, 1, 0), (-1, 1, 0)], np.float64)
    a, b, c = np.deg2rad([yaw, pitch, angle])
    turn_y = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    turn_x = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    points = corners @ (turn_x @ turn_y).T
    focal = 3.0  # a webcam's field of view at arm's length, in view half-widths
    projected = points[:, :2] * focal / (focal + points[:, 2:3])
    roll = np.array([[np.cos(c), -np.sin(c)], [np.sin(c), np.cos(c)]])
    placed = projected @ roll.T * zoom / 1.25 + shift  # 1/1.25: the whole view fits when turned
    target = np.float32((placed + 1) * SIDE / 2)
    return cv2.getPerspectiveTransform(np.float32(source), target)
