"""How long Train's k-fold headline and learning curve take, and what they say, on real hands.

A person's project of ``--gestures`` gestures × ``--per-class`` samples: HaGRID photos of 10 gestures
(``hands/hagrid_380``: the starter's like/dislike/one/ok/fist/palm as its gestures, peace/call/rock/three as
the person's own), MediaPipe keypoints from the bench cache (``bench.common.shared_sets``). One training on all
samples (what Train saves first), then the folds (``core.gestures.crossval.cross_validate``) and the curve
(``fold_curve``, its last point reused from the folds), each trained as Train trains (the starter set unless
``--no-starter``), timed wall-clock.

    python bench/people/crossval.py [--per-class 8] [--gestures 10] [--no-starter]
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.shared_sets import CACHE, largest, require_shared  # noqa: E402
from core.data.project import feature_config_for, features_of  # noqa: E402
from core.data.project_accuracy import FOLD_MIN_SAMPLES  # noqa: E402
from core.gestures.catalog import DEFAULT_CLASSES  # noqa: E402
from core.gestures.crossval import cross_validate, fold_curve  # noqa: E402
from core.gestures.figure import curve_text, figure_text, span_text  # noqa: E402
from core.gestures.training import TrainConfig, train_classifier  # noqa: E402
from core.keypoints.cache import detect_in_photos  # noqa: E402
from core.starter import load_starter_set, train_with_starter  # noqa: E402
from core.starter.fit import StarterOptions  # noqa: E402
from core.starter.sources import MAX_HANDS  # noqa: E402

FOLDERS = {"like": "thumbs_up", "dislike": "thumbs_down", "one": "pointing_up", "ok": "ok", "fist": "fist",
           "palm": "open_palm", "peace": "peace", "call": "call", "rock": "rock", "three": "three"}  # fmt: skip
OWN = ("peace", "call", "rock", "three")


def project(gestures: int, per_class: int):  # noqa: ANN201 - (features, labels, classes, mirror map, config)
    images = require_shared() / "hagrid_380" / "images"
    hands, labels = [], []
    for folder, label in list(FOLDERS.items())[:gestures]:
        found = detect_in_photos(sorted((images / folder).glob("*.jpg")), CACHE, MAX_HANDS, zoom_out=True)
        picked = [largest(h) for h in found if h][:per_class]
        hands, labels = hands + picked, labels + [label] * len(picked)
    config = feature_config_for(hands)
    classes = list(dict.fromkeys(labels))
    mirror = {c.name: c.mirror_partner for c in DEFAULT_CLASSES} | {name: name for name in OWN}
    return features_of(hands, config), labels, classes, mirror, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=8)
    parser.add_argument("--gestures", type=int, default=10, choices=range(2, 11))
    parser.add_argument("--no-starter", action="store_true")
    args = parser.parse_args()
    x, labels, classes, mirror, features = project(args.gestures, args.per_class)
    config = TrainConfig()
    folds_config = replace(config, min_samples_per_class=FOLD_MIN_SAMPLES)
    starter = None if args.no_starter else load_starter_set()

    def fit(xf, yf, cfg=folds_config):  # noqa: ANN001, ANN202 - as core.data.project_accuracy.fold_fit trains
        if starter is None:
            return train_classifier(xf, yf, classes, mirror, features, cfg).classifier
        options = StarterOptions(min_samples_per_class=FOLD_MIN_SAMPLES)
        return train_with_starter(xf, yf, classes, mirror, features, starter, cfg, options).classifier

    load = os.getloadavg()[0]
    started = time.perf_counter()
    fit(x, labels, config)
    one = time.perf_counter() - started
    cv = cross_validate(x, labels, fit)
    started = time.perf_counter()
    points = fold_curve(x, labels, fit, last=cv)
    curve = time.perf_counter() - started
    print(f"{len(labels)} samples, {len(classes)} gestures, starter {starter is not None}, load {load:.1f} → "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"one training on all: {one:.1f} s; {cv.folds} folds: {cv.seconds:.1f} s; curve (last point reused): "
          f"{curve:.1f} s")  # fmt: skip
    print(figure_text(cv.figure, cv.folds), span_text(cv.figure))
    print(curve_text(points))
    print(json.dumps({"samples": len(labels), "gestures": len(classes), "starter": starter is not None,
                      "one_training_s": round(one, 1), "folds": cv.folds, "folds_s": round(cv.seconds, 1),
                      "curve_s": round(curve, 1), "correct": cv.figure.correct, "low": round(cv.figure.low, 3),
                      "high": round(cv.figure.high, 3), "load": [round(load, 1), round(os.getloadavg()[0], 1)],
                      "curve": [[p.samples_per_class, p.figure.correct, p.figure.total] for p in points]}))  # fmt: skip


if __name__ == "__main__":
    main()
