"""How belief maps become keypoints: the refined peak against the mean of the beliefs, per set of weights.

    .venv/bin/python bench/networks/decode.py [--checkpoint DIR ...] [--write] [--label-cache FILE] [--files N]

Each decode (``core.cpm.heatmaps.decode``: ``power`` 0 the peak refined by a parabola; ``power`` p the mean
cell under ``belief ** p``, over the whole map or within ``radius`` cells of the peak) is scored on the four
teacher rows of ``bench/networks/cpm_people.py`` (``hagrid_380``, held-out ``hagrid_people``, ``slovo_clips`` frames,
the old held-out photos; PCK@0.2 against MediaPipe on people the weights never saw) and on ``keypoints_gt``
(human labels). The **choice** is the decode with the highest mean over the four teacher rows (earlier in
``DECODES`` on a tie): ``keypoints_gt`` is printed beside it, never used to choose. ``--write`` stores the
choice in each checkpoint's ``config.json`` (``decode_power``, ``decode_radius``); the weights stay as they are.

Prints a table per checkpoint, then as its last line one JSON object: {checkpoint: {"choice": name,
"rows": {decode: {row: pck_0.2}}}}. Only the teacher labels already cached are read (``--label-cache``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.networks.cpm_people import gt_hands, rows, score_row  # noqa: E402
from core.cpm import checkpoint  # noqa: E402
from core.cpm.config import DEFAULT_LABEL_CACHE  # noqa: E402
from core.cpm.evaluation.eval_keypoints import evaluate_keypoints  # noqa: E402
from core.resdeconv import DEFAULT_DIR as RESDECONV_DIR  # noqa: E402

# name → (power, radius)
DECODES: dict[str, tuple[float, int]] = {
    "peak": (0.0, 0),
    "mean p1": (1.0, 0),
    "mean p1.5": (1.5, 0),
    "mean p2": (2.0, 0),
    "mean p3": (3.0, 0),
    "mean p1 r2": (1.0, 2),
    "mean p2 r3": (2.0, 3),
    "mean p2 r4": (2.0, 4),
    "mean p3 r4": (3.0, 4),
    "mean p3 r5": (3.0, 5),
}


def read_as(model: object, power: float, radius: int) -> object:
    """``model`` with its config reading the maps by ``power`` and ``radius`` (the weights untouched)."""
    model.cfg = dataclasses.replace(model.cfg, decode_power=power, decode_radius=radius)
    return model


def score_decodes(ckpt: str, label_cache: Path, files: int | None = None) -> dict[str, dict[str, float]]:
    """{decode: {row: PCK@0.2}} of the weights in ``ckpt`` read with each of ``DECODES``; ``files``: only the
    first files of each row (labelled where the cache lacks them) and hands of each keypoints_gt set."""
    gt = gt_hands(files)
    model = checkpoint.load(ckpt)
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="decode-") as tmp:
        for name, (power, radius) in DECODES.items():
            folder = checkpoint.save(
                read_as(model, power, radius), Path(tmp) / name.replace(" ", "_")
            )  # eval-keypoints reads a folder
            scores = {
                row: score_row(model, i, keep, label_cache, True, files)["pck_0.2"] for row, (i, keep) in rows().items()
            }
            scores["keypoints_gt"] = evaluate_keypoints(gt, "cpm", "gt", folder)["pck_0.2"]
            out[name] = {k: round(v, 4) for k, v in scores.items()}
            print(f"  {name:12} " + " ".join(f"{v:.4f}" for v in out[name].values()), file=sys.stderr, flush=True)
    return out


def choose(scores: dict[str, dict[str, float]]) -> str:
    """The decode with the highest mean over the teacher rows (the first such in ``DECODES``)."""
    teacher = list(rows())
    return max(scores, key=lambda name: (round(sum(scores[name][r] for r in teacher) / len(teacher), 6),
                                         -list(DECODES).index(name)))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", nargs="+", default=[str(checkpoint.DEFAULT_DIR), str(RESDECONV_DIR)],
                        metavar="DIR", help="weights folders (default: the shipped CPM and ResNet-deconv)")  # fmt: skip
    parser.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), metavar="FILE")
    parser.add_argument("--write", action="store_true", help="store each folder's choice in its config.json")
    parser.add_argument("--files", type=int, default=None, metavar="N",
                        help="only the first N files of each row (labelled where the cache lacks them) and N hands "
                        "of each keypoints_gt set: a quick run (default: every cached file)")  # fmt: skip
    args = parser.parse_args()
    teacher = list(rows())
    results = {}
    for ckpt in args.checkpoint:
        print(f"{ckpt}:", file=sys.stderr)
        scores = score_decodes(ckpt, Path(args.label_cache), args.files)
        best = choose(scores)
        print(f"\n{ckpt}")
        print(f"{'decode':12} " + "".join(f"{r[:22]:>24}" for r in [*teacher, "teacher mean", "keypoints_gt"]))
        for name, row in scores.items():
            mean = sum(row[r] for r in teacher) / len(teacher)
            cells = [row[r] for r in teacher] + [mean, row["keypoints_gt"]]
            print(f"{name:12} " + "".join(f"{v:>24.4f}" for v in cells) + ("   <- chosen" if name == best else ""))
        if args.write:
            power, radius = DECODES[best]
            checkpoint.save(read_as(checkpoint.load(ckpt), power, radius), ckpt)
            print(f"wrote decode_power {power:g}, decode_radius {radius} into {ckpt}/config.json")
        results[ckpt] = {"choice": best, "rows": scores}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
