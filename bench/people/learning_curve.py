"""Learning curve on a person the starter model never saw: accuracy vs. samples per class.

The person: ``hands/video/asl_hand.25fps.mp4`` (Apache-2.0, tfjs-models test data), one
person finger-spelling against a plain wall, 325 frames, never used for the starter
set. No other shared data set has many samples of one person: sign_digits has one
photo per digit per student (its file numbers run in steps of one photo per digit),
and the rps, fingers and asl_letters file names do not say who is in them.

Frames are labelled by hand-checked ranges (transitions between letters left out):
the fist poses (A/S) are the default class ``fist``, D (index up) is ``pointing_up``,
and K, I, E and O become the user's own new classes — so the curve covers both
adapting a default class and adding new ones, in the default project (the six other
default classes stay unrecorded: the starter data supplies them).

Test frames come from a later moment than the pool the samples are drawn from (as
if recorded): E and the fist occur more than once, so their first occurrences are the
pool and the last one the test set; K, I, D and O occur once, so each segment's first
half is the pool and its second half (after a 2-frame gap) the test set. Consecutive
frames are alike, so those four are the easier part of the test. Keypoints come from MediaPipe in
video (tracking) mode, as Live and Record use it; features with depth, as recorded
samples have. Sizes beyond a class's pool use the whole pool (the table says how many).

    python bench/people/learning_curve.py [--repeats 3] [--sizes 1 2 3 5 10 20 50] [--no-baseline]
Last line: JSON with the curve with and without the starter data.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.shared_sets import require_shared  # noqa: E402
from core.data.project import feature_config_for  # noqa: E402
from core.gestures.catalog import DEFAULT_CLASSES  # noqa: E402
from core.gestures.features import hand_features  # noqa: E402
from core.io.video import iter_frames  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.starter import load_starter_set  # noqa: E402
from core.starter.curve import SIZES, CurvePoint, learning_curve  # noqa: E402

# (first frame, last frame, class, role), checked on contact sheets of the video; role:
# "pool" (samples are drawn from it), "test", or "split" (first half pool, second half test).
SEGMENTS = (
    (0, 9, "fist", "pool"), (13, 46, "k", "split"), (56, 82, "i", "split"), (96, 124, "e", "pool"),
    (132, 165, "pointing_up", "split"), (172, 200, "e", "test"), (212, 252, "o", "split"),
    (260, 292, "fist", "pool"), (300, 324, "fist", "test"),
)  # fmt: skip
NEW_CLASSES = ("k", "i", "e", "o")
GAP = 2  # frames left out between a segment's pool half and its test half


def person_samples(video: Path):  # noqa: ANN201 - (hands, labels, test mask)
    """Hands of the labelled frames, their labels, and the test mask (see ``SEGMENTS``)."""
    with HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1)) as tracker:
        found = {i: tracker.process(rgb) for i, rgb in iter_frames(video)}
    hands, labels, test = [], [], []
    for first, last, label, role in SEGMENTS:
        middle = (first + last) / 2
        for frame in range(first, last + 1):
            if not found.get(frame) or (role == "split" and abs(frame - middle) < GAP / 2):
                continue
            hands.append(found[frame][0])
            labels.append(label)
            test.append(role == "test" or (role == "split" and frame > middle))
    return hands, labels, np.array(test)


def others_still_work(x: np.ndarray, labels: list[str], test: np.ndarray, classes: list[str], mirror: dict,
                      config) -> dict[str, object]:  # noqa: ANN001  # fmt: skip
    """Train once on 10 samples per class of this person (with the starter data), then score HaGRID
    photos of other people: the classes this person never recorded must still work, and other signs
    must still be rejected. Same cached MediaPipe keypoints as bench/people/starter_accuracy.py."""
    from bench.common.shared_sets import CACHE, largest
    from bench.people.starter_accuracy import KNOWN
    from core.keypoints.cache import detect_in_photos
    from core.starter import StarterOptions, train_with_starter
    from core.starter.sources import MAX_HANDS

    y = np.array(labels)
    rows = np.concatenate([np.flatnonzero((y == name) & ~test)[:10] for name in sorted(set(labels))])
    model = train_with_starter(x[rows], y[rows].tolist(), classes, mirror, config, load_starter_set(),
                               options=StarterOptions(min_samples_per_class=1)).classifier  # fmt: skip
    images = require_shared() / "hagrid_380" / "images"
    out: dict[str, object] = {}
    for folder, label in {
        **KNOWN,
        **dict.fromkeys(("call", "mute", "rock", "peace", "three", "two_up"), "unknown"),
    }.items():
        photos = sorted((images / folder).glob("*.jpg"))
        hands = [largest(h) for h in detect_in_photos(photos, CACHE, MAX_HANDS, zoom_out=True) if h]
        shown = [model.predict_hand(h).label for h in hands]
        out[folder] = round(float(np.mean([s == label for s in shown])), 4)
    return out


def show(title: str, points: list[CurvePoint]) -> None:
    print(f"\n{title}")
    print(f"{'n/class':>8s} {'accuracy':>9s} {'argmax':>7s} {'train s':>8s}  samples used per class")
    for p in points:
        used = ", ".join(f"{k} {v}" for k, v in p.used.items())
        print(f"{p.samples_per_class:8d} {p.accuracy:9.4f} {p.accuracy_argmax:7.4f} {p.seconds:8.2f}  {used}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="random draws of the samples per size (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-baseline", action="store_true", help="skip the curve without starter data")
    args = parser.parse_args()
    hands, labels, test = person_samples(require_shared() / "video" / "asl_hand.25fps.mp4")
    config = feature_config_for(hands)
    x = np.stack([hand_features(h, config) for h in hands]).astype(np.float32)
    classes = [c.name for c in DEFAULT_CLASSES] + list(NEW_CLASSES)
    mirror = {c.name: c.mirror_partner for c in DEFAULT_CLASSES} | {c: c for c in NEW_CLASSES}
    counts = {name: (int(np.sum((np.array(labels) == name) & ~test)), int(np.sum((np.array(labels) == name) & test)))
              for name in sorted(set(labels))}  # fmt: skip
    print(f"{len(hands)} labelled frames with a hand; (pool, test) per class: {counts}; depth: {config.use_depth}")
    run = lambda starter: learning_curve(x, labels, test, classes, mirror, config, starter, args.sizes,  # noqa: E731
                                         args.repeats, on_point=lambda p: print(f"  n={p.samples_per_class}: "
                                         f"{p.accuracy:.4f}", flush=True))  # fmt: skip
    with_starter = run(load_starter_set())
    show("with the starter data", with_starter)
    without = [] if args.no_baseline else run(None)
    if without:
        show("without the starter data (the same trainer, an empty starter set)", without)
    hagrid = others_still_work(x, labels, test, classes, mirror, config)
    print(
        "\nafter 10 samples per class of this person, HaGRID photos of other people (share right; "
        "for the other signs: share answered unknown):"
    )
    print("  " + ", ".join(f"{k} {v:.2f}" for k, v in hagrid.items()))
    print(json.dumps({"person": "video/asl_hand.25fps.mp4", "pool_test_per_class": counts, "repeats": args.repeats,
                      "hagrid_after_10": hagrid,
                      "with_starter": [asdict(p) for p in with_starter],
                      "without_starter": [asdict(p) for p in without]}))  # fmt: skip


if __name__ == "__main__":
    main()
