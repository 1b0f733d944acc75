"""Prototype for issue #30: do pixel features from the CPM's backbone help a person's model?

``bench/fewshot.py``'s HaGRID recorded people (their frames are JPEGs on disk), taught from the first
k frames of each take, tested on the last half. Each frame's hand is cropped as samples store it
(``hand_crop``, 192 px), resized to the CPM's 128 px input and run through the shipped CPM (torch,
BatchNorm folded): the backbone output (64 × 16 × 16) global-average-pooled (64) and 2 × 2 pooled
(256), and the last stage's 22 belief maps 4 × 4 pooled (352). Teaching crops also get two turned
copies (±15° about the crop's centre). Methods, per person, on the same people:

* ``defaults`` / ``no-starter``: as ``bench/fewshot.py`` (keypoints only).
* ``<head>-only``: a logistic regression on one head's standardised features (argmax, no "unknown"):
  ``pixels`` (the crop as stored, every column), ``hand`` (all but the hand's keypoint hull, grown by
  12 px, painted grey), ``context`` (the hand painted grey: only the background, a control),
  ``beliefs`` and ``context-beliefs`` (the belief columns only).
* ``concat``: a logistic regression on [standardised keypoint features, standardised pixel features].
* ``<base>+<head> w=…``: late fusion, ``(1 - w) · p_base + w · p_head`` over the base model's classes;
  shown below the base model's threshold is "unknown", as the product shows.
* "second photo": accuracy on the test frames of a user's second photo of a gesture (a real later moment).

    python bench/fewshot_pixels.py [--people N] [--k 10] [--weights 0.3 0.5]
Last line: JSON with every method's summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fewshot import lesson, people_of, score, summary  # noqa: E402
from bench.fewshot_people import Take  # noqa: E402
from bench.fewshot_teach import CONFIG, STARTER_NAMES, Lesson, starter_set  # noqa: E402
from bench.shared_sets import REPO  # noqa: E402
from core.gestures.training import TrainConfig, train_classifier  # noqa: E402
from core.io.crops import crop_with_transform, points_to_crop  # noqa: E402
from core.io.images import read_image  # noqa: E402
from core.starter import StarterOptions, train_with_starter  # noqa: E402
from core.types import UNKNOWN_LABEL  # noqa: E402

PIXEL_CACHE = REPO / "data" / "cache" / "fewshot_pixels.npz"
TURNS = (-15.0, 15.0)  # degrees: the turned copies of each teaching crop


class PixelFeatures:
    """The shipped CPM's backbone and last-stage beliefs, pooled: (N, 192, 192, 3) crops → (N, 672)."""

    def __init__(self) -> None:
        import torch

        from core.cpm.checkpoint import load
        from core.cpm.model import fused_for_inference

        self.torch = torch
        self.model = fused_for_inference(load())
        self.size = self.model.cfg.input_size

    def __call__(self, crops: np.ndarray) -> np.ndarray:
        torch = self.torch
        small = np.stack([cv2.resize(c, (self.size, self.size), interpolation=cv2.INTER_AREA) for c in crops])
        x = torch.from_numpy(small).permute(0, 3, 1, 2).float()
        pool = torch.nn.functional.adaptive_avg_pool2d
        with torch.no_grad():
            m = self.model
            f = m.features((x - m.mean) / m.std)  # (N, 64, 16, 16)
            beliefs = m.stages[0](f)
            for stage in m.stages[1:]:
                beliefs = stage(torch.cat([f, beliefs], dim=1))
            parts = [f.mean(dim=(2, 3)), pool(f, 2).flatten(1), pool(beliefs, 4).flatten(1)]
        return torch.cat(parts, dim=1).numpy().astype(np.float32)


def turned(crop: np.ndarray, angle: float) -> np.ndarray:
    side = crop.shape[0]
    matrix = cv2.getRotationMatrix2D((side / 2 - 0.5, side / 2 - 0.5), angle, 1.0)
    return cv2.warpAffine(crop, matrix, (side, side), borderMode=cv2.BORDER_CONSTANT)


def crop_of(path: Path, hand, angle: float, part: str) -> np.ndarray:
    """The stored-sample crop of a frame's hand (192 px), turned by ``angle``. ``part`` "mask": the hand (its
    keypoints' hull, grown by 12 px) painted grey, only the context left (a control for the background);
    "hand": everything but that hull painted grey (the hand's pixels only)."""
    crop = crop_with_transform(read_image(path), hand)
    image = crop.image.copy()
    if part:
        hull = cv2.convexHull(np.round(points_to_crop(hand.pixel, crop.matrix)).astype(np.int32))
        inside = np.zeros(image.shape[:2], np.uint8)
        cv2.fillConvexPoly(inside, hull, 255)
        cv2.polylines(inside, [hull], True, 255, thickness=24)
        image[(inside > 0) if part == "mask" else (inside == 0)] = 128
    return turned(image, angle) if angle else image


def pixel_table(people: dict[str, list[Take]], k: int) -> tuple[dict[str, np.ndarray], float]:
    """Features of every frame's crop (key: path) and of the turned teaching crops (key: path|angle),
    cached; and the ms per crop measured for those computed now (nan when all were cached)."""
    table: dict[str, np.ndarray] = {}
    if PIXEL_CACHE.exists():
        with np.load(PIXEL_CACHE) as data:
            table = {key: data[key] for key in data.files}
    jobs: list[tuple[str, Path, object, float]] = []
    for takes in people.values():
        for take in takes:
            for i, (hand, path) in enumerate(zip(take.hands, take.frames, strict=True)):
                for tag in ("", "|mask", "|hand"):
                    keys = [(f"{path}{tag}", 0.0)] + ([(f"{path}{tag}|{a:g}", a) for a in TURNS] if i < k else [])
                    jobs += [(key, path, hand, a) for key, a in keys if key not in table]
    extractor, seconds, done = PixelFeatures(), 0.0, 0
    for start in range(0, len(jobs), 64):
        batch = jobs[start : start + 64]
        crops = [
            crop_of(path, hand, angle, next((t for t in ("mask", "hand") if f"|{t}" in key), ""))
            for key, path, hand, angle in batch
        ]
        began = time.perf_counter()
        rows = extractor(np.stack(crops))
        seconds += time.perf_counter() - began
        done += len(batch)
        table |= {key: row for (key, *_), row in zip(batch, rows, strict=True)}
        if start % 1280 == 0:
            print(f"  pixels {done}/{len(jobs)}  {1000 * seconds / done:.2f} ms a crop", flush=True)
    if jobs:
        np.savez(PIXEL_CACHE, **table)
    return table, (1000 * seconds / done if done else float("nan"))


def pixel_lesson(takes: list[Take], k: int, table: dict[str, np.ndarray], tag: str = ""):
    """(teach pixels incl. turned copies, their labels, teach keypoint rows they go with, test pixels), in
    ``lesson``'s order."""
    teach, labels, rows, test = [], [], [], []
    row = 0
    for take in takes:
        n, paths = len(take.hands), take.frames
        for i, path in enumerate(paths[:k]):
            for key in [f"{path}{tag}"] + [f"{path}{tag}|{a:g}" for a in TURNS]:
                teach.append(table[key])
                labels.append(take.label)
                rows.append(row + i)
        row += min(k, n)
        test += [table[f"{p}{tag}"] for p in paths[max(k, n // 2) :]]
    return np.stack(teach), labels, np.array(rows), np.stack(test)


def standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-6
    return [(a - mean) / std for a in (train, *others)]


def logistic(x: np.ndarray, y: list[str], c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)


def base_model(name: str, taught: Lesson, seed: int):
    classes = taught.classes
    if name == "defaults":
        options = replace(StarterOptions(), min_samples_per_class=1)
        return train_with_starter(taught.teach_x, taught.teach_y, classes, taught.mirror_map(classes), CONFIG,
                                  starter_set(taught.source), replace(TrainConfig(), seed=seed), options).classifier  # fmt: skip
    config = replace(TrainConfig(), seed=seed, min_samples_per_class=2)
    return train_classifier(
        taught.teach_x, taught.teach_y, classes, taught.mirror_map(classes), CONFIG, config
    ).classifier


ALL, BELIEFS = slice(0, 672), slice(320, 672)  # columns of a crop's row: every pooled feature, the beliefs'
# name → (crop: as stored, hand only, context only; columns)
HEADS = {"pixels": ("", ALL), "hand": ("|hand", ALL), "context": ("|mask", ALL),
         "beliefs": ("", BELIEFS), "context-beliefs": ("|mask", BELIEFS)}  # fmt: skip


def person_answers(takes, k: int, table, seed: int, weights: list[float], c: float) -> dict[str, tuple[list, list]]:
    """method → (shown, argmax) per test frame of this person."""
    taught = lesson(takes, k)
    out: dict[str, tuple[list, list]] = {}
    probabilities = {}
    for head_name, (tag, columns) in HEADS.items():
        teach_p, labels, rows, test_p = pixel_lesson(takes, k, table, tag)
        teach_p, test_p = teach_p[:, columns], test_p[:, columns]
        assert len(test_p) == len(taught.test_y) and rows.max() < len(taught.teach_x)
        sp, tp = standardise(teach_p, test_p)
        head = logistic(sp, labels, c, seed)
        probabilities[head_name] = (list(head.classes_), head.predict_proba(tp))
        argmax = list(head.classes_[probabilities[head_name][1].argmax(axis=1)])
        out[f"{head_name}-only"] = (argmax, argmax)
        if head_name == "pixels":
            sk, tk = standardise(taught.teach_x[rows], taught.test_x)
            both = logistic(np.hstack([sk, sp]), labels, c, seed)
            argmax = list(both.predict(np.hstack([tk, tp])))
            out["concat"] = (argmax, argmax)
    for base in ("defaults", "no-starter"):
        model = base_model(base, taught, seed)
        p_base = model.predict_proba(taught.test_x)
        out[base] = ([p.label for p in model.predict(taught.test_x)], [model.classes[i] for i in p_base.argmax(1)])
        for head_name, (names, p_head) in probabilities.items():
            aligned = np.zeros_like(p_base)
            for j, name in enumerate(names):
                aligned[:, model.classes.index(name)] = p_head[:, j]
            for w in weights:
                fused = (1 - w) * p_base + w * aligned
                best = fused.argmax(axis=1)
                argmax = [model.classes[i] for i in best]
                shown = [a if fused[r, i] >= model.threshold else UNKNOWN_LABEL for r, (a, i) in enumerate(zip(argmax, best, strict=True))]  # fmt: skip
                out[f"{base}+{head_name} w={w:g}"] = (shown, argmax)
    return out


def second_photo(takes: list[Take], k: int) -> np.ndarray:
    """(m,) per test frame in ``lesson`` order: True where it is of another photo than the take's first."""
    out = []
    for take in takes:
        paths = take.frames
        out += [p.parent != paths[0].parent for p in paths[max(k, len(take.hands) // 2) :]]
    return np.array(out, bool)


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=None, help="at most this many HaGRID users (default all)")
    parser.add_argument("--only", nargs="*", default=None, help="these people only (e.g. hagrid/f3a716ab)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--weights", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--c", type=float, default=0.1, help="inverse L2 strength of the logistic heads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    people = people_of(["hagrid"], args.people)
    if args.only:
        people = {p: t for p, t in people.items() if p in args.only or p.split("/")[-1] in args.only}
    frames = sum(len(t.hands) for takes in people.values() for t in takes)
    print(f"{len(people)} people, {frames} frames with a hand, load {os.getloadavg()[0]:.1f}", flush=True)
    table, ms = pixel_table(people, args.k)
    print(f"pixel features: {ms:.2f} ms a crop (CPM forward, batches of 64, torch {torch_threads()} threads), "
          f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    shown_acc: dict[str, dict[str, float]] = defaultdict(dict)
    argmax_acc: dict[str, dict[str, float]] = defaultdict(dict)
    second: dict[str, list[bool]] = defaultdict(list)  # method → right or not, test frames of a second photo
    for n, (person, takes) in enumerate(people.items(), start=1):
        truth = lesson(takes, args.k).test_y
        other = second_photo(takes, args.k)
        for method, (shown, argmax) in person_answers(takes, args.k, table, args.seed, args.weights, args.c).items():
            shown_acc[method][person] = score(shown, truth)[0]
            argmax_acc[method][person] = score(argmax, truth)[0]
            second[method] += [s == t for s, t, o in zip(shown, truth, other, strict=True) if o]
        if n % 10 == 0:
            print(f"  {n}/{len(people)} people", flush=True)
    results = {}
    for method in shown_acc:
        row = summary(shown_acc[method]) | {
            "argmax_mean": round(float(np.mean(list(argmax_acc[method].values()))), 4),
            "argmax_worst": round(float(min(argmax_acc[method].values())), 4),
            "second_photo": round(float(np.mean(second[method])), 4) if second[method] else None,
            "second_photo_frames": len(second[method]),
            "per_person": {p: round(v, 4) for p, v in shown_acc[method].items()},
        }
        results[method] = row
        print(f"{method:>26s} k={args.k} worst {row['worst']:.3f} ({row['worst_person']})  p10 {row['p10']:.3f}  "
              f"mean {row['mean']:.3f}  under 97%: {row['people_under_97']}/{row['people']}  "
              f"argmax mean {row['argmax_mean']:.3f}  argmax worst {row['argmax_worst']:.3f}  "
              f"second photo {row['second_photo']} ({row['second_photo_frames']})")  # fmt: skip
    print(json.dumps({"people": len(people), "frames": frames, "k": args.k, "ms_per_crop": round(ms, 3),
                      "starter_names": len(STARTER_NAMES), "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
