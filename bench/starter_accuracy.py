"""Starter model on people it never saw: HaGRID photos → ``python -m core evaluate-images``.

Writes two labels CSVs next to the photos' folder list (in a temporary folder):

* ``known.csv``: HaGRID like → thumbs_up, dislike → thumbs_down, one → pointing_up,
  ok → ok, fist → fist, palm and stop → open_palm (140 photos);
* ``other.csv``: the signs that are none of the eight, labelled ``unknown``: call, mute,
  rock, peace, three, two_up (the issue's list, 120 photos) and, reported apart,
  four, three2, peace_inverted, two_up_inverted, stop_inverted, no_gesture.

and runs the CLI's ``evaluate-images`` on each, on a fresh data folder (so the default
project is untrained and the shipped starter model answers). ``--half dev|test``
restricts to images 0–9 or 10–19 of each class (design choices looked at dev only).

    python bench/starter_accuracy.py [--half all|dev|test] [--hands 1|2] [--no-cache]
Last line: JSON with accuracy, per_class, no_hand, false_accept (listed and extra signs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.shared_sets import CACHE, require_shared  # noqa: E402
from core.cli import main as cli_main  # noqa: E402

KNOWN = {"like": "thumbs_up", "dislike": "thumbs_down", "one": "pointing_up", "ok": "ok", "fist": "fist",
         "palm": "open_palm", "stop": "open_palm"}  # fmt: skip
LISTED_OTHER = ("call", "mute", "rock", "peace", "three", "two_up")
EXTRA_OTHER = ("four", "three2", "peace_inverted", "two_up_inverted", "stop_inverted", "no_gesture")


def write_labels(path: Path, images: Path, mapping: dict[str, str], half: str) -> int:
    """A ``file,label`` CSV of HaGRID photos of the classes in ``mapping``; returns the row count."""
    rows = ["file,label"]
    for folder, label in mapping.items():
        for photo in sorted((images / folder).glob("*.jpg")):
            index = int(photo.stem.rsplit("_", 1)[1])
            if half == "all" or (half == "dev") == (index < 10):
                rows.append(f"{photo},{label}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def run_cli(args: list[str]) -> tuple[dict, str]:
    """The CLI in-process: (its last-line JSON, everything it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(args)
    text = out.getvalue()
    if code != 0:
        raise SystemExit(f"evaluate-images failed ({code}):\n{text}")
    return json.loads(text.strip().splitlines()[-1]), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("all", "dev", "test"), default="all")
    parser.add_argument("--hands", type=int, choices=(1, 2), default=1)
    parser.add_argument("--no-cache", action="store_true", help="run MediaPipe on every photo again")
    args = parser.parse_args()
    images = require_shared() / "hagrid_380" / "images"
    cache = [] if args.no_cache or args.hands != 1 else ["--cache", str(CACHE)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_labels(folder / "known.csv", images, KNOWN, args.half)
        common = ["--data", str(folder / "data"), "evaluate-images", "--hands", str(args.hands), *cache]
        known, text = run_cli([*common, "--labels", str(folder / "known.csv")])
        print(text, end="")
        accepts = {}
        for name in LISTED_OTHER + EXTRA_OTHER:
            write_labels(folder / f"{name}.csv", images, {name: "unknown"}, args.half)
            other, _ = run_cli([*common, "--labels", str(folder / f"{name}.csv")])
            accepts[name] = (
                round(1.0 - other["per_class"].get("unknown", 1.0), 4),
                other["n_images"] - other["no_hand"],
            )
    listed = _pooled(accepts, LISTED_OTHER)
    extra = _pooled(accepts, EXTRA_OTHER)
    print("\nfalse accepts (a gesture label, not unknown, on another sign):")
    for name, (rate, n) in accepts.items():
        print(f"{name:>16s} {rate:6.3f} of {n}")
    print(f"listed signs {listed:.4f}; other HaGRID classes {extra:.4f}")
    sweep = threshold_sweep(images, args.half)
    print("\nthreshold sweep (cached keypoints, first hand): accuracy on the gestures vs false accepts")
    for row in sweep:
        print(
            f"  threshold {row['threshold']:.2f}: accuracy {row['accuracy']:.4f}, false accepts listed "
            f"{row['false_accept_listed']:.4f}, other classes {row['false_accept_extra']:.4f}"
        )
    print(json.dumps({"half": args.half, "hands": args.hands, "accuracy": known["accuracy"], "sweep": sweep,
                      "accuracy_all": known["accuracy_all"], "per_class": known["per_class"],
                      "no_hand": known["no_hand"], "n_images": known["n_images"], "false_accept_listed": listed,
                      "false_accept_extra": extra, "false_accept": {k: v[0] for k, v in accepts.items()}}))  # fmt: skip


def threshold_sweep(images: Path, half: str) -> list[dict[str, float]]:
    """Accuracy (label shown == truth) and false-accept rates of the starter model at several thresholds."""
    from core.keypoint_cache import detect_in_photos
    from core.starter import starter_model_for

    model = starter_model_for(list(KNOWN.values()) + ["pointing_right", "pointing_left"])
    groups = {"known": KNOWN, "listed": dict.fromkeys(LISTED_OTHER, ""), "extra": dict.fromkeys(EXTRA_OTHER, "")}
    probs = {}
    for group, mapping in groups.items():
        photos = [(p, label) for folder, label in mapping.items() for p in sorted((images / folder).glob("*.jpg"))
                  if half == "all" or (half == "dev") == (int(p.stem.rsplit("_", 1)[1]) < 10)]  # fmt: skip
        found = detect_in_photos([p for p, _ in photos], CACHE)
        rows = [(model.predict_hand(h[0]), label) for h, (_, label) in zip(found, photos, strict=True) if h]
        probs[group] = rows
    out = []
    for threshold in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        ok = [p.score >= threshold and max(p.probabilities, key=p.probabilities.get) == t for p, t in probs["known"]]
        fa = {g: float(np.mean([p.score >= threshold for p, _ in probs[g]])) for g in ("listed", "extra")}
        out.append({"threshold": threshold, "accuracy": round(float(np.mean(ok)), 4),
                    "false_accept_listed": round(fa["listed"], 4), "false_accept_extra": round(fa["extra"], 4)})  # fmt: skip
    return out


def _pooled(accepts: dict[str, tuple[float, int]], names: tuple[str, ...]) -> float:
    """False-accept rate over all photos with a hand of ``names``."""
    n = sum(accepts[name][1] for name in names)
    return round(sum(accepts[name][0] * accepts[name][1] for name in names) / n, 4) if n else 0.0


if __name__ == "__main__":
    main()
