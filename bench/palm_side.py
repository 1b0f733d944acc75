"""Research for issue #44: can pixels tell which side of a hand faces the camera, where keypoints cannot?

``webcam_people``'s p05 taught ``pen``, a 👍 shown with the back of the hand, beside a plain 👍 of the other
hand. MediaPipe calls every pen frame a left hand and every 👍 frame a right hand (scores 0.97–0.99), and its
keypoints, depth included, make pen the mirror image of 👍: a model that lets the other hand make a taught
gesture cannot tell them apart. This bench measures two pixel cues on the shipped CPM's backbone features of
each hand's stored-sample crop (``bench.fewshot_pixels.PixelFeatures``, 672 numbers a crop):

1. **palm or back**, learned from the only labelled pairs in ``../shared``: HaGRID's ``stop``/``stop_inverted``,
   ``peace``/``peace_inverted`` and ``two_up``/``two_up_inverted`` crops (the inverted ones show the back of the
   hand), each crop also flipped left-right (the side shown stays). A logistic regression, scored on each pair
   held out in turn, then applied to every ``webcam_people`` take: the share of its frames called "back".
2. **nearness to the person's own crops**: the median distance (standardised features) of a gesture's later
   frames to the first 10 frames of a taught gesture, for p05 (pen untaught) and p03 (whose later block is
   his other hand).

    python bench/palm_side.py [--per-class 300]
Last line: JSON with the held-out accuracies, the per-take "back" shares and the distances.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fewshot_people import webcam_people  # noqa: E402
from bench.fewshot_pixels import PixelFeatures  # noqa: E402
from bench.openset import split_of  # noqa: E402
from bench.shared_sets import CACHE, largest, photos  # noqa: E402
from core.gestures.nearest import squared_distances  # noqa: E402
from core.io.crops import crop_with_transform  # noqa: E402
from core.io.images import read_image  # noqa: E402
from core.keypoints.cache import detect_in_photos  # noqa: E402
from core.starter.sources import MAX_HANDS  # noqa: E402

PAIRS = ("stop", "peace", "two_up")  # HaGRID classes with an "_inverted" twin: the back of the hand
NEARNESS = {  # person: (later block of, first 10 frames of)
    "p05_vsh2607": [("thumbs_up", "thumbs_up"), ("pen", "thumbs_up"), ("open_palm", "thumbs_up"), ("pen", "pen")],
    "p03_hatemoos": [("thumbs_up", "thumbs_up"), ("ok", "thumbs_up"), ("ok", "ok")],
}


def hagrid_features(extract: PixelFeatures, per_class: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, 672) features, (n,) 1 for the back of the hand, (n,) the pair's name: each crop and its flip."""
    rows, back, pair = [], [], []
    for name in PAIRS:
        for inverted in (0, 1):
            paths = photos("hagrid_crops", "images", name + "_inverted" * inverted)[:per_class]
            found = detect_in_photos(paths, CACHE, MAX_HANDS, zoom_out=True)
            crops = []
            for path, hands in zip(paths, found, strict=True):
                if hands:
                    crop = crop_with_transform(read_image(path), largest(hands)).image
                    crops += [crop, np.ascontiguousarray(crop[:, ::-1])]
            rows.append(extract(np.stack(crops)))
            back += [inverted] * len(crops)
            pair += [name] * len(crops)
            print(f"  {name + '_inverted' * inverted}: {len(crops) // 2} crops", flush=True)
    return np.concatenate(rows), np.array(back), np.array(pair)


def classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))


def nearest_median(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.median(np.sqrt(squared_distances(a, b).min(axis=1))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=300, help="HaGRID crops read per class")
    args = parser.parse_args()
    extract = PixelFeatures()
    x, back, pair = hagrid_features(extract, args.per_class)
    held_out = {}
    for name in PAIRS:
        model = classifier().fit(x[pair != name], back[pair != name])
        held_out[name] = round(float((model.predict(x[pair == name]) == back[pair == name]).mean()), 3)
        print(f"palm or back, {name} pair held out: {held_out[name]:.3f} right")
    model = classifier().fit(x, back)
    takes, splits = {}, {}
    for take in webcam_people():
        crops = [crop_with_transform(read_image(p), h).image for h, p in zip(take.hands, take.frames, strict=True)]
        key = f"{take.person.split('/')[-1]}|{take.label}"
        takes[key], splits[key] = extract(np.stack(crops)), split_of(take)
    called_back = {key: round(float((model.predict_proba(f)[:, 1] > 0.5).mean()), 3) for key, f in takes.items()}
    print("\nshare of frames called 'back of the hand', per take")
    for key, value in called_back.items():
        print(f"  {key:34s} {value:.3f}")
    everything = np.concatenate(list(takes.values()))
    mean, spread = everything.mean(0), everything.std(0) + 1e-6
    near = {}
    print("\nmedian distance of a gesture's later frames to a taught gesture's first 10 (standardised features)")
    for person, pairs in NEARNESS.items():
        for later, first in pairs:
            a = (takes[f"{person}|{later}"][splits[f"{person}|{later}"][1] :] - mean) / spread
            b = (takes[f"{person}|{first}"][:10] - mean) / spread
            key = f"{person}: later {later} to first {first}"
            near[key] = round(nearest_median(a, b), 1)
            print(f"  {person}: later {later:10s} to first 10 of {first:10s} {near[key]:.1f}")
    print(json.dumps({"held_out_pair_accuracy": held_out, "called_back": called_back, "nearness": near}))


if __name__ == "__main__":
    main()
