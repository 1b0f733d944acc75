"""MediaPipe, the CPM and the ResNet-deconv side by side: PCK@0.2 on the same crops of people none trained on,
on hand-labelled keypoints, and milliseconds a crop.

    .venv/bin/python bench/networks/keypoints.py [--cpm DIR] [--resdeconv DIR ...] [--label-cache FILE] [--runs N] [--files N]

Rows of ``bench/networks/cpm_people.py`` (``hagrid_380``, held-out ``hagrid_people`` by ``user_id``, ``slovo_clips``
frames, the old held-out photos) score each network against MediaPipe's labels on the standard crop of the
teacher's keypoint box (MediaPipe is the teacher there, so it has no row of its own); ``keypoints_gt`` scores all
three against human labels on the annotated boxes (``eval-keypoints``' code). ``ms a crop``: one hand's estimate
from a box (crop warp + network, with each network's ``flip_test`` as its config says; one onnxruntime thread),
the median of ``--runs`` on a real frame; MediaPipe's is its landmark model on the annotated crops.

Prints a table, then as its last line one JSON object: {network: {row: pck_0.2, ..., "ms": ..., "params": ...}}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.networks.cpm_people import HANDS, gt_hands, rows, score_row  # noqa: E402
from core.cpm import checkpoint  # noqa: E402
from core.cpm.config import DEFAULT_LABEL_CACHE  # noqa: E402
from core.cpm.estimator import CPMEstimator  # noqa: E402
from core.cpm.evaluation.eval_keypoints import evaluate_keypoints  # noqa: E402
from core.io.video import read_image  # noqa: E402
from core.resdeconv import DEFAULT_DIR as RESDECONV_DIR  # noqa: E402

FRAME = HANDS / "video" / "hands.jpg"  # a real photo with a hand, for the timing


def time_crop(ckpt: str, runs: int) -> float:
    """Median ms of one ``estimate`` from a box on a real photo."""
    estimator = CPMEstimator(ckpt)
    rgb = read_image(FRAME)
    height, width = rgb.shape[:2]
    box = (width * 0.3, height * 0.3, width * 0.6, height * 0.7)
    for _ in range(10):
        estimator.estimate(rgb, box)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        estimator.estimate(rgb, box)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpm", default=str(checkpoint.DEFAULT_DIR), metavar="DIR", help="CPM weights ('': none)")
    parser.add_argument("--resdeconv", nargs="+", default=[str(RESDECONV_DIR)], metavar="DIR",
                        help="ResNet-deconv weights (several: one column each, e.g. the ablation's runs)")  # fmt: skip
    parser.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), metavar="FILE")
    parser.add_argument("--runs", type=int, default=200, help="timed estimates per network (0: no timing)")
    parser.add_argument("--files", type=int, default=None, metavar="N",
                        help="only the first N files of each row and N labelled hands of each keypoints_gt set, "
                        "labelled where the cache lacks them (default: every file)")  # fmt: skip
    parser.add_argument("--skip-mediapipe", action="store_true", help="no MediaPipe column (keypoints_gt only)")
    args = parser.parse_args()
    networks = {
        **({"cpm": args.cpm} if args.cpm else {}),
        **{f"resnet-deconv {Path(d).name}": d for d in args.resdeconv},
    }
    gt = gt_hands(args.files)
    results: dict[str, dict[str, float]] = {}
    if not args.skip_mediapipe:
        r = evaluate_keypoints(gt, "mediapipe", "gt")
        results["mediapipe"] = {
            "keypoints_gt": r["pck_0.2"],
            "keypoints_gt_found": r["detected"],
            "ms": r["ms_per_hand"],
        }
    for name, ckpt in networks.items():
        model = checkpoint.load(ckpt)
        out: dict[str, float] = {"params": float(sum(p.numel() for p in model.parameters()))}
        for row, (inputs, keep) in rows().items():
            out[row] = score_row(model, inputs, keep, Path(args.label_cache), False, args.files)["pck_0.2"]
        out["keypoints_gt"] = evaluate_keypoints(gt, "cpm", "gt", ckpt)["pck_0.2"]
        if args.runs:
            out["ms"] = time_crop(ckpt, args.runs)
        results[name] = out
        print(f"scored {name} ({ckpt})", file=sys.stderr)
    columns = ["params", *rows(), "keypoints_gt", "ms"]
    print(f"{'network':34}" + "".join(f"{c[:22]:>24}" for c in columns))
    for name, out in results.items():
        cells = []
        for c in columns:
            value = out.get(c)
            text = "—" if value is None else f"{value / 1e3:.0f}k" if c == "params" else f"{value:.3f}"
            cells.append(f"{text:>24}")
        print(f"{name:34}" + "".join(cells))
    print(json.dumps({n: {k: round(v, 4) for k, v in out.items()} for n, out in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
