"""PCK@0.2 of a CPM checkpoint against MediaPipe's labels on people it never saw, and on hand-labelled keypoints.

    .venv/bin/python bench/networks/cpm_people.py [--checkpoint DIR] [--cached-only] [--label-cache FILE]

Rows (issue 22): ``hagrid_380`` (all of it: never trained on), the held-out slice of ``hagrid_people``
(by ``user_id``, ``core.cpm.training.people``), the ``slovo_clips`` frames (every 5th), the old held-out
photos of the four training folders (their test/valid folders and 5 % by file name), and
``keypoints_gt`` (hand labels, annotated boxes). The teacher rows score the standard crop of the
teacher's keypoint box, cut the way training's validation cuts it (``core.cpm.training.validation``);
``keypoints_gt`` goes through ``eval-keypoints``' code. MediaPipe labels what the label cache lacks,
unless ``--cached-only`` (then a row scores the files already labelled and says how many).

Prints a table, then as its last line one JSON object: {row: {hands, pck_0.05, pck_0.1, pck_0.2, mean_error}}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.cpm import checkpoint  # noqa: E402
from core.cpm.config import DEFAULT_LABEL_CACHE, CPMTrainConfig  # noqa: E402
from core.cpm.evaluation.annotations import load_annotations  # noqa: E402
from core.cpm.evaluation.eval_keypoints import evaluate_keypoints  # noqa: E402
from core.cpm.training.dataset import build_base_crops  # noqa: E402
from core.cpm.training.inputs import is_held_out  # noqa: E402
from core.cpm.training.labels import cached_files, label_media  # noqa: E402
from core.cpm.training.people import is_held_out_person  # noqa: E402
from core.cpm.training.validation import validate  # noqa: E402
from core.io.video import expand_inputs  # noqa: E402

HANDS = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data")) / "hands"
OLD_FOLDERS = ("fingers", "asl_letters", "rps", "sign_digits/Dataset")
GT_FILES = ("freihand/test_freihand.json", "onehand10k/test_onehand10k.json", "panoptic/test_panoptic.json",
            "rhd/test_rhd.json", "coco/test_coco_wholebody.json", "interhand2.6m/test_interhand2.6m_data.json")  # fmt: skip


def rows() -> dict[str, tuple[list[Path], object]]:
    """Row name → (inputs, which of their files count)."""
    cfg = CPMTrainConfig()
    return {
        "hagrid_380": ([HANDS / "hagrid_380" / "images"], lambda p: True),
        "hagrid_people held out": ([HANDS / "hagrid_people" / "images"], lambda p: is_held_out_person(p) is True),
        "slovo_clips frames": ([HANDS / "slovo_clips" / "videos"], lambda p: True),
        "old held-out photos": ([HANDS / f for f in OLD_FOLDERS], lambda p: is_held_out(p, cfg)),
    }


def gt_hands(limit: int | None = None) -> list:
    """The hand-labelled hands of ``keypoints_gt``: the first ``limit`` of each file (all: None)."""
    return [h for f in GT_FILES for h in load_annotations(HANDS / "keypoints_gt" / f)[:limit]]


def score_row(
    model, inputs: list[Path], keep, cache: Path, cached_only: bool, limit: int | None = None
) -> dict[str, float]:
    """The row's PCK; ``limit``: only its first files that count, labelled where the cache lacks them (a quick run)."""
    if limit is not None:
        files = [p for p in expand_inputs(inputs) if keep(p)][:limit]
    else:
        files = [p for p in (cached_files(inputs, cache) if cached_only else inputs) if not cached_only or keep(p)]
    frames = [f for f in label_media(files, cache) if keep(f.path)]
    # the whole-image reference only, as validation keeps to
    frames = [dataclasses.replace(f, hands=tuple(h for h in f.hands if not h.zoom_out)) for f in frames]
    hands, _ = build_base_crops(frames, model.cfg.margin, negatives=False)
    val = validate(model, hands, [])
    return {"hands": float(len(hands)), "files": float(len({f.path for f in frames})), **val.metrics}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(checkpoint.DEFAULT_DIR), metavar="DIR")
    parser.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), metavar="FILE")
    parser.add_argument("--cached-only", action="store_true", help="score only files the label cache holds")
    args = parser.parse_args()
    model = checkpoint.load(args.checkpoint)
    results: dict[str, dict[str, float]] = {}
    print(f"checkpoint {args.checkpoint}")
    print(f"{'row':26} {'files':>6} {'hands':>6} {'PCK@0.05':>9} {'PCK@0.1':>8} {'PCK@0.2':>8} {'error':>6} {'s':>5}")
    for name, (inputs, keep) in rows().items():
        t0 = time.time()
        r = score_row(model, inputs, keep, Path(args.label_cache), args.cached_only)
        results[name] = r
        print(
            f"{name:26} {r['files']:6.0f} {r['hands']:6.0f} {r.get('pck_0.05', float('nan')):9.3f} "
            f"{r.get('pck_0.1', float('nan')):8.3f} {r.get('pck_0.2', float('nan')):8.3f} "
            f"{r.get('mean_error', float('nan')):6.3f} {time.time() - t0:5.0f}"
        )
    gt = gt_hands()
    r = evaluate_keypoints(gt, "cpm", "gt", args.checkpoint)
    results["keypoints_gt (annotated boxes)"] = {"hands": float(len(gt)), **r}
    print(
        f"{'keypoints_gt (gt boxes)':26} {'':>6} {len(gt):6d} {r['pck_0.05']:9.3f} {r['pck_0.1']:8.3f} "
        f"{r['pck_0.2']:8.3f} {r['mean_error']:6.3f}"
    )
    print(json.dumps({k: {m: round(v, 4) for m, v in r.items()} for k, r in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
