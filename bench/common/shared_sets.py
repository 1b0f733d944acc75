"""Labelled photo sets built from ../shared/data/hands, for benchmarks.

Labels come from each dataset's own folders; keypoints from MediaPipe (static
mode, complexity 1, up to four hands, the zoomed-out search for hands that fill the
frame), cached in the starter build's cache so a second run does not detect again.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from core.keypoints.cache import detect_in_photos
from core.starter.sources import DEFAULT_CACHE, MAX_HANDS
from core.types import Keypoints

REPO = Path(__file__).resolve().parents[2]
HANDS = Path(os.environ.get("HANDTEACH_SHARED", REPO.parent / "shared" / "data")) / "hands"
CACHE = DEFAULT_CACHE  # made with MAX_HANDS and zoom_out=True: always detect with those
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def require_shared() -> Path:
    if not HANDS.is_dir():
        sys.exit(f"real hand data not found at {HANDS} (expected ../shared/data beside the checkout)")
    return HANDS


def photos(*parts: str) -> list[Path]:
    return sorted(p for p in require_shared().joinpath(*parts).rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)


def rps_and_digits() -> list[tuple[Path, str]]:
    """Rock/paper/scissors (backs of hands, green background) and ASL digits 0–9 (218 people)."""
    items = [(p, name) for name in ("rock", "paper", "scissors") for p in photos("rps", name)]
    items += [(p, f"digit_{d}") for d in range(10) for p in photos("sign_digits", "Dataset", str(d))]
    return items


# kinivi's own four classes (its keypoint_classifier_label.csv), from three real sources of many people
KINIVI_FOUR = {
    "Open": [("rps", "paper"), ("sign_digits", "Dataset", "5"), ("hagrid_crops", "images", "palm")],
    "Close": [("rps", "rock"), ("hagrid_crops", "images", "fist")],
    "Pointer": [("sign_digits", "Dataset", "1"), ("hagrid_crops", "images", "one")],
    "OK": [("sign_digits", "Dataset", "9"), ("hagrid_crops", "images", "ok")],
}


def kinivi_four() -> list[tuple[Path, str]]:
    """kinivi's classes Open, Close, Pointer, OK: rps, ASL digits 5/1/9 (the F shape) and HaGRID crops."""
    return [(p, label) for label, folders in KINIVI_FOUR.items() for parts in folders for p in photos(*parts)]


def largest(hands: list[Keypoints]) -> Keypoints:
    """The main hand of a photo: the largest keypoint box."""
    return max(hands, key=Keypoints.extent)


def first_of_each(items: list[tuple[Path, str]], n: int | None) -> list[tuple[Path, str]]:
    """The first ``n`` photos of each label, in ``items``' order (all: None): a benchmark's smallest run."""
    seen: dict[str, int] = {}
    kept = []
    for path, label in items:
        seen[label] = seen.get(label, 0) + 1
        if n is None or seen[label] <= n:
            kept.append((path, label))
    return kept


def labelled_hands(items: list[tuple[Path, str]]) -> tuple[list[Keypoints], list[str], int]:
    """The largest hand of each photo with its label, and how many photos had no hand."""
    found = detect_in_photos([p for p, _ in items], CACHE, MAX_HANDS, zoom_out=True)
    hands = [(largest(h), label) for h, (_, label) in zip(found, items, strict=True) if h]
    return [h for h, _ in hands], [label for _, label in hands], len(items) - len(hands)
