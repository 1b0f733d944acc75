"""Real-pixel motion clips made from real hand photos, tracked by real MediaPipe Hands.

A moving crop window over a HaGRID photo (``../shared/data/hands/hagrid_people``: real people at
home or in an office) makes the person's hand travel across the output frame: left, right, up,
down, on a circle, or hardly at all (idle: still, drifting, or wandering a little). Speed,
amplitude and the still frames before and after vary per clip (1-4 s at 25 or 30 fps). Each
frame is an OpenCV affine warp of the photo (the pixels are the photo's, resampled), then
``HandTracker`` in video mode finds the hand in it, as it would on a webcam.

Gesture names are in the **user view** (the mirrored preview the user watches): ``swipe_left``
moves the hand towards the left of the mirrored preview, which is +x in the raw frame.

People are split by HaGRID ``user_id``: ``make_sets`` gives a train set and a test set whose
photos come from disjoint people. Results are cached (arrays in ``.npz``, no pickle) under
``data/cache/motion_clips/``.

    .venv/bin/python -m bench.common.motion_clips --per-class 10 --test-per-class 10
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.io.images import read_image  # noqa: E402
from core.motion.clip import Clip, ClipError  # noqa: E402
from core.motion.track import track_frames  # noqa: E402
from core.skeletons import HAND_21  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "hands"
HAGRID = SHARED / "hagrid_people"
CACHE = ROOT / "data" / "cache" / "motion_clips"
GESTURES = ("swipe_left", "swipe_right", "swipe_up", "swipe_down", "circle", "idle")
VERSION = 2  # bump when the clips change, so the cache is rebuilt
OUT_SIZE = (384, 288)  # output frame (width, height): a webcam frame scaled down, MediaPipe reads 224 px anyway


@dataclass(frozen=True)
class Photo:
    path: Path
    person: str
    box: tuple[float, float, float, float]  # the hand's box in photo pixels: x0, y0, x1, y1


@dataclass(frozen=True)
class Plan:
    """One clip to make; every random choice is drawn from ``seed``."""

    gesture: str
    seed: int
    fps: float = 25.0


def hagrid_photos(min_side: float = 40.0) -> list[Photo]:
    """HaGRID photos with a known person, one hand MediaPipe finds, and a gesture hand of ``min_side`` px or more."""
    found = json.loads((HAGRID / "mediapipe_hands_found.json").read_text())
    photos = []
    for line in (HAGRID / "metadata.jsonl").read_text().splitlines():
        meta = json.loads(line)
        if "user_id" not in meta or found.get(meta["file"]) != 1 or meta["labels"][0] == "no_gesture":
            continue
        width, height = meta["size"]
        x, y, w, h = meta["bboxes"][0]
        box = (x * width, y * height, (x + w) * width, (y + h) * height)
        if min(w * width, h * height) >= min_side:
            photos.append(Photo(HAGRID / meta["file"], meta["user_id"], box))
    return photos


def _ease(u: np.ndarray) -> np.ndarray:
    return (1 - np.cos(np.pi * np.clip(u, 0, 1))) / 2  # a hand speeds up, then slows down


def hand_path(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2) hand centre in the raw output frame (fractions of width, height) and (T,) seconds."""
    rng = np.random.default_rng(plan.seed)
    before, after = rng.uniform(0.2, 1.0), rng.uniform(0.2, 0.8)
    moving = rng.uniform(1.0, 2.0) if plan.gesture == "circle" else rng.uniform(0.5, 1.4)
    if plan.gesture == "idle":
        moving = rng.uniform(0.8, 2.5)
    frames = int(round((before + moving + after) * plan.fps))
    t = np.arange(frames) / plan.fps
    u = _ease((t - before) / moving)
    centre = np.array([0.5, 0.5]) + rng.uniform(-0.08, 0.08, 2)
    if plan.gesture.startswith("swipe_"):
        axis = {"swipe_left": (1, 0), "swipe_right": (-1, 0), "swipe_up": (0, -1), "swipe_down": (0, 1)}[plan.gesture]
        amplitude = rng.uniform(0.3, 0.55)  # of the frame's side
        direction = np.array(axis, dtype=float)
        slant = rng.uniform(-0.08, 0.08) * direction[::-1]  # not quite straight
        path = centre + np.outer(u - 0.5, direction * amplitude + slant)
    elif plan.gesture == "circle":
        radius, turn = rng.uniform(0.12, 0.22), rng.choice([-1.0, 1.0]) * rng.uniform(0.95, 1.15)
        start = rng.uniform(0, 2 * np.pi)
        angle = start + turn * 2 * np.pi * u
        path = centre + radius * np.stack([np.cos(angle) * 0.75, np.sin(angle)], axis=1)  # 4:3 frame: round on screen
        path -= radius * np.array([np.cos(start) * 0.75, np.sin(start)])
    else:  # idle: still, a slow drift, or a small aimless wander
        kind = rng.integers(3)
        drift = rng.uniform(-0.04, 0.04, 2) * (kind == 1)
        wander = rng.uniform(0.01, 0.04) * (kind == 2)
        phases = rng.uniform(0, 2 * np.pi, 2)
        path = centre + np.outer(t / t[-1], drift) + wander * np.sin(2 * np.pi * 0.7 * t[:, None] + phases)
    tremor = rng.normal(0, 0.002, path.shape)  # a held hand is never perfectly still
    return path + tremor, t


def render(photo: Photo, rgb: np.ndarray, path: np.ndarray, hand_frac: float, angle_deg: float) -> list[np.ndarray]:
    """Frames where the photo's hand (``hand_frac`` of the frame height) sits at ``path``: one affine warp each."""
    width, height = OUT_SIZE
    x0, y0, x1, y1 = photo.box
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    scale = hand_frac * height / max(x1 - x0, y1 - y0)
    frames = []
    # Edge pixels repeated, not reflected: a reflected border shows a mirror copy of the hand, which
    # MediaPipe jumped to after losing the hand for a frame (8 of 150 clips had such a jump).
    for px, py in path:
        matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle_deg, scale)
        matrix[:, 2] += np.array([px * width, py * height]) - centre
        frames.append(cv2.warpAffine(rgb, matrix, OUT_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return frames


def make_clip(photo: Photo, plan: Plan, tracker_factory, rgb: np.ndarray | None = None) -> tuple[Clip, list]:
    """The clip (MediaPipe's keypoints of the rendered frames) and the frames themselves."""
    rng = np.random.default_rng(plan.seed + 1)
    path, times = hand_path(plan)
    rgb = read_image(photo.path) if rgb is None else rgb
    frames = render(photo, rgb, path, rng.uniform(0.28, 0.4), rng.uniform(-10, 10))
    with tracker_factory() as tracker:
        clip = track_frames(zip(times, frames, strict=True), tracker.process, HAND_21, plan.gesture,
                            f"{photo.path.name}:{plan.gesture}:{plan.seed}")  # fmt: skip
    return clip, frames


def video_tracker():
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    return HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1))


def split_people(photos: list[Photo], test_share: float = 0.5) -> tuple[list[Photo], list[Photo]]:
    """Photos split by person (a hash of the user id decides), so no person is in both."""

    def bucket(person: str) -> float:
        return int(hashlib.sha256(person.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF

    return [p for p in photos if bucket(p.person) >= test_share], [p for p in photos if bucket(p.person) < test_share]


def make_set(photos: list[Photo], per_class: int, seed: int, on_clip=None) -> list[tuple[Clip, str]]:
    """``per_class`` clips of each gesture, each from another photo where possible; (clip, person) pairs."""
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(len(photos)))
    out: list[tuple[Clip, str]] = []
    for g, gesture in enumerate(GESTURES):
        made = 0
        while made < per_class and order:
            photo = photos[order.pop()]
            plan = Plan(gesture, seed * 100_000 + g * 1000 + made * 7 + len(order), float(rng.choice([25.0, 30.0])))
            try:
                clip, _ = make_clip(photo, plan, video_tracker)
            except ClipError:
                continue  # MediaPipe lost this hand in most frames: another photo
            out.append((clip, photo.person))
            made += 1
            if on_clip:
                on_clip(clip)
    return out


def save_set(path: Path, items: list[tuple[Clip, str]]) -> None:
    clips = [c for c, _ in items]
    offsets = np.cumsum([0] + [c.num_frames for c in clips])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, points=np.concatenate([c.points for c in clips]), present=np.concatenate([c.present for c in clips]),
        timestamps=np.concatenate([c.timestamps for c in clips]), offsets=offsets,
        labels=np.array([c.label for c in clips]), people=np.array([p for _, p in items]),
        sources=np.array([c.source for c in clips]), sizes=np.array([c.image_size for c in clips]),
    )  # fmt: skip


def load_set(path: Path) -> list[tuple[Clip, str]]:
    with np.load(path, allow_pickle=False) as d:
        o = d["offsets"]
        return [
            (Clip(d["points"][o[i] : o[i + 1]], d["present"][o[i] : o[i + 1]], d["timestamps"][o[i] : o[i + 1]],
                  HAND_21, tuple(int(v) for v in d["sizes"][i]), str(d["labels"][i]), str(d["sources"][i])),
             str(d["people"][i]))
            for i in range(len(o) - 1)
        ]  # fmt: skip


def cached_sets(per_class: int = 10, test_per_class: int = 10, seed: int = 0, verbose: bool = True):
    """(train, test) lists of (clip, person), made once and cached; train and test people are disjoint."""
    key = f"v{VERSION}_train{per_class}_test{test_per_class}_seed{seed}"
    files = {name: CACHE / f"{key}_{name}.npz" for name in ("train", "test")}
    if all(f.exists() for f in files.values()):
        return load_set(files["train"]), load_set(files["test"])
    train_photos, test_photos = split_people(hagrid_photos())
    started = time.perf_counter()

    def progress(clip: Clip) -> None:
        if verbose:
            print(f"  {clip.source}: {clip.num_frames} frames, hand in {clip.present.mean():.0%} "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip

    train = make_set(train_photos, per_class, seed, progress)
    test = make_set(test_photos, test_per_class, seed + 1, progress)
    save_set(files["train"], train)
    save_set(files["test"], test)
    return train, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--test-per-class", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    train, test = cached_sets(args.per_class, args.test_per_class, args.seed)
    print(f"{'set':6} {'clips':>5} {'people':>6} {'frames':>7} {'hand found':>10}")
    for name, items in (("train", train), ("test", test)):
        clips = [c for c, _ in items]
        frames = sum(c.num_frames for c in clips)
        found = sum(int(c.present.sum()) for c in clips)
        print(f"{name:6} {len(clips):5d} {len({p for _, p in items}):6d} {frames:7d} {found / frames:10.1%}")
    shared = {p for _, p in train} & {p for _, p in test}
    print(json.dumps({"train_clips": len(train), "test_clips": len(test), "people_in_both": len(shared),
                      "seconds": round(time.perf_counter() - started, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
