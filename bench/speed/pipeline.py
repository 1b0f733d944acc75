"""Frame rate of the whole engine pipeline (MediaPipe tracking → features → classifier → drawing) on CPU.

    .venv/bin/python bench/speed/pipeline.py [VIDEO] [--complexity 0|1] [--model DIR] [--frames N] [--save OUT.mp4]
    .venv/bin/python bench/speed/pipeline.py --skeleton body   # MediaPipe Pose on a real person at a webcam (slovo clip)

The real 620×1080 portrait video is letterboxed into 640×480 frames (scaled to fit,
padded with black, never stretched), the size a webcam delivers. Decoding and
letterboxing are not timed; the first ``--warmup`` frames are excluded.

Without ``--model``, a small real classifier is trained on the video's own MediaPipe
features, labelled with a few pseudo classes (k-means clusters of the poses), so the
classifier stage costs what a real model costs. Prints a table (stage, mean, p50,
p95 in ms), the frame rate, and as its last line one JSON object:
``{"fps", "ms": {stage: mean}, "frames", "resolution", "model_complexity", ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from sklearn.cluster import KMeans

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.gestures.features import FeatureConfig, hand_features  # noqa: E402
from core.gestures.pipeline import Pipeline  # noqa: E402
from core.io.video import iter_frames, write_video  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.keypoints.pose import PoseConfig, PoseTracker  # noqa: E402
from core.viz.draw import draw_result  # noqa: E402

SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
DEFAULT_VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"
BODY_VIDEO = SHARED / "hands" / "slovo_clips" / "videos" / "slovo_demo_pointing_480x356.mp4"  # a person at a webcam
WIDTH, HEIGHT = 640, 480
STAGES = ("landmarks", "features", "classifier", "draw", "total")


def letterbox(rgb: np.ndarray, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """(H, W, 3) RGB → (height, width, 3) RGB: scaled to fit, centred, black bars (aspect kept)."""
    scale = min(width / rgb.shape[1], height / rgb.shape[0])
    new_w, new_h = round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    out = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    out[y0 : y0 + new_h, x0 : x0 + new_w] = resized
    return out


def frames(video: Path, limit: int | None) -> Iterator[np.ndarray]:
    for _, rgb in iter_frames(video, max_frames=limit):
        yield letterbox(rgb)


def tracker(complexity: int, max_hands: int = 2, skeleton: str = "hand", threads: int = 1) -> HandTracker | PoseTracker:
    if skeleton == "body":  # MediaPipe Pose in video mode (model complexity 1, the one its wheel ships)
        return PoseTracker(PoseConfig(inference_threads=threads))
    # With fewer hands tracked than max_num_hands, MediaPipe runs its palm detector on every
    # frame to look for more: max_hands=1 is markedly cheaper on a one-hand video.
    config = TrackerConfig(static_image_mode=False, max_num_hands=max_hands, model_complexity=complexity,
                           inference_threads=threads)  # fmt: skip
    return HandTracker(config)


class LinearStandIn:
    """Softmax regression in numpy with the classifier Protocol, used only when core.gestures.classifier is missing."""

    def __init__(self, X: np.ndarray, labels: list[str], feature_config: FeatureConfig, steps: int = 300) -> None:
        self.classes = sorted(set(labels))
        self.feature_config = feature_config
        self.threshold = 0.6
        y = np.array([self.classes.index(label) for label in labels])
        self.W = np.zeros((X.shape[1], len(self.classes)), np.float32)
        onehot = np.eye(len(self.classes), dtype=np.float32)[y]
        for _ in range(steps):
            self.W -= 0.5 * X.T @ (self.predict_proba(X) - onehot) / len(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        logits = X @ self.W
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def kmeans_labels(X: np.ndarray, k: int, seed: int = 0) -> list[str]:
    """Pseudo classes: k-means clusters of the pose features, named pose_0..pose_{k-1}."""
    assignment = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(X)
    return [f"pose_{c}" for c in assignment]


def pseudo_classifier(
    video: Path, complexity: int, limit: int | None, k: int, skeleton: str = "hand"
) -> tuple[object, str]:
    """Train on the video's own MediaPipe features with k pseudo classes. Returns (classifier, description)."""
    config = FeatureConfig(use_depth=True, skeleton=skeleton, use_visibility=skeleton == "body")
    with tracker(complexity, skeleton=skeleton) as t:
        X = np.array([hand_features(h, config) for rgb in frames(video, limit) for h in t.process(rgb)], np.float32)
    if len(X) < 5 * k:
        sys.exit(f"only {len(X)} hands found in {video}: too few to train a {k}-class stand-in model")
    labels = kmeans_labels(X, k)
    try:
        from core.gestures.training import TrainConfig, train_classifier
    except ImportError as exc:
        return LinearStandIn(
            X, labels, config
        ), f"numpy softmax stand-in (core.gestures.training not importable: {exc})"
    classes = sorted(set(labels))
    started = time.perf_counter()
    result = train_classifier(X, labels, classes, {}, config, TrainConfig(epochs=80, patience=20, mirror=False))
    seconds = time.perf_counter() - started
    description = (
        f"GestureClassifier {result.classifier.hidden} trained on {len(X)} hands of the video, "
        f"{len(classes)} k-means pseudo classes, val acc {result.val_accuracy:.2f}, {seconds:.1f} s"
    )
    return result.classifier, description


def load_classifier(model_dir: Path) -> tuple[object, str]:
    from core.gestures.classifier import GestureClassifier

    classifier = GestureClassifier.load(model_dir)
    return classifier, f"GestureClassifier loaded from {model_dir} ({len(classifier.classes)} classes)"


def run(args: argparse.Namespace, classifier: object) -> tuple[dict[str, list[float]], int, list[np.ndarray]]:
    """Time every stage per frame; returns (stage → ms per timed frame, frames with a hand, saved frames).

    ``times["cpu"]`` holds one value: CPU ms (all threads of this process) per timed frame, counted
    around the timed stages only: decoding and letterboxing the video (OpenCV's decoder threads) are
    not the pipeline's (until #32 they were counted, 26.0 ms a frame where the pipeline took 9-10).
    On a shared machine wall times grow with other people's load; CPU time much less so.
    """
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    with_hand, saved, cpu = 0, [], 0.0
    with tracker(args.complexity, args.max_hands, args.skeleton, args.threads) as t:
        pipeline = Pipeline(t, classifier, smoothing=args.smoothing)
        for index, rgb in enumerate(frames(args.video, args.frames)):
            cpu_before = time.process_time()
            start = time.perf_counter()
            result = pipeline.process(rgb)
            mid = time.perf_counter()
            annotated = draw_result(rgb, result)
            end = time.perf_counter()
            result.timings_ms["draw"] = (end - mid) * 1000.0
            result.timings_ms["total"] = (end - start) * 1000.0
            with_hand += bool(result.hands)
            if args.save:
                saved.append(annotated)
            if index >= args.warmup:
                cpu += time.process_time() - cpu_before
                for stage in STAGES:
                    times[stage].append(result.timings_ms[stage])
    times["cpu"] = [cpu * 1000.0 / max(1, len(times["total"]))]
    return times, with_hand, saved


def report(args: argparse.Namespace, times: dict[str, list[float]], with_hand: int, model: str) -> None:
    n = len(times["total"])
    print(f"video: {args.video} letterboxed to {WIDTH}x{HEIGHT}")
    if args.skeleton == "body":
        print("MediaPipe Pose tracking mode, model_complexity=1 (the only pose model shipped)")
    else:
        print(f"MediaPipe tracking mode, model_complexity={args.complexity}, max_num_hands={args.max_hands}")
    print(f"classifier: {model}")
    print(f"timed frames: {n} (after {args.warmup} warm-up), frames with a hand: {with_hand}")
    print(f"{'stage':<12}{'mean ms':>10}{'p50':>10}{'p95':>10}")
    for stage in STAGES:
        values = np.array(times[stage])
        print(f"{stage:<12}{values.mean():>10.2f}{np.percentile(values, 50):>10.2f}{np.percentile(values, 95):>10.2f}")
    fps = 1000.0 / float(np.mean(times["total"]))
    target = 25 if args.skeleton == "body" else 30
    print(f"FPS: {fps:.1f} ({'reaches' if fps >= target else 'below'} {target} FPS on {os.cpu_count()} CPU cores)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU time per frame (all threads, decoding excluded): {times['cpu'][0]:.1f} ms; "
          f"{args.threads} XNNPACK thread(s) per network; 1-min load average {load:.1f}")  # fmt: skip
    summary = {
        "fps": round(fps, 2),
        "ms": {stage: round(float(np.mean(times[stage])), 3) for stage in STAGES},
        "frames": n,
        "resolution": f"{WIDTH}x{HEIGHT}",
        "skeleton": args.skeleton,
        "model_complexity": 1 if args.skeleton == "body" else args.complexity,
        "max_num_hands": args.max_hands,
        "inference_threads": args.threads,
        "hand_frames": with_hand,
        "cpu_ms_per_frame": round(times["cpu"][0], 2),
        "load_avg": round(load, 2),
        "classifier": model.split(" (")[0].split(" trained")[0],
    }
    print(json.dumps(summary))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, help=f"default: {DEFAULT_VIDEO}; --skeleton body: {BODY_VIDEO}")
    parser.add_argument("--skeleton", choices=("hand", "body"), default="hand", help="hands (default) or one body")
    parser.add_argument("--complexity", type=int, choices=(0, 1), default=0, help="MediaPipe model_complexity")
    parser.add_argument("--max-hands", type=int, choices=(1, 2), default=2, help="max_num_hands (default 2)")
    parser.add_argument("--model", type=Path, help="a saved GestureClassifier folder (default: train a stand-in)")
    parser.add_argument("--frames", type=int, help="use only the first N frames (default: all)")
    parser.add_argument("--warmup", type=int, default=10, help="frames excluded from the statistics (default 10)")
    parser.add_argument("--smoothing", type=int, default=5, help="frames of probability smoothing (default 5)")
    parser.add_argument("--classes", type=int, default=4, help="pseudo classes of the stand-in model (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="XNNPACK threads per MediaPipe network (default 1)")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch threads for the classifier (default 1)")
    parser.add_argument("--save", type=Path, help="also write the annotated video here (e.g. bench/out/pipeline.mp4)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.video = args.video or (BODY_VIDEO if args.skeleton == "body" else DEFAULT_VIDEO)
    if not args.video.is_file():
        sys.exit(f"benchmark video not found: {args.video} (pass a path, or put the shared data at {SHARED})")
    if args.frames is not None and args.frames <= args.warmup:
        sys.exit(f"--frames ({args.frames}) must exceed --warmup ({args.warmup})")
    try:
        import torch  # one thread: a single-row MLP gains nothing from more, and MediaPipe needs the cores

        torch.set_num_threads(args.torch_threads)
    except ImportError:
        pass
    if args.model:
        classifier, model = load_classifier(args.model)
    else:
        classifier, model = pseudo_classifier(args.video, args.complexity, args.frames, args.classes, args.skeleton)
    times, with_hand, saved = run(args, classifier)
    if args.save:
        write_video(args.save, saved, fps=25.0)
        print(f"annotated video: {args.save}")
    report(args, times, with_hand, model)


if __name__ == "__main__":
    main()
