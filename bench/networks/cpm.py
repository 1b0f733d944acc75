"""Speed of the hand CPM: per-crop latency per configuration, and the live pipeline with the CPM panel.

    .venv/bin/python bench/networks/cpm.py [--video MP4] [--frames N] [--threads 1] [--checkpoint DIR] [--complexity 0|1]

``--checkpoint`` may name a ResNet-deconv (``core/resdeconv/weights``): then the live pipeline draws its panel
(heatmaps + attention, ``core.viz.attention_views.overview``) and the CPM's size × stages table is skipped.

1. Median ms per crop (network + decoding) for input size × stages (random weights, PyTorch: speed does not
   depend on them; the default configuration row uses the shipped weights through ``CPMEstimator``, i.e. onnxruntime),
   and a whole ``estimate`` from a box (crop included; an upright model reads a hand it has no angle for twice).
2. A paper-size reference (368 px, 6 stages, VGG-19 features, 7×7 stage convolutions), timed a few times.
3. Live pipeline on the real video letterboxed to 640×480: MediaPipe tracking (video mode) → CPM on the
   hand's crop → MULTI view. Decoding and letterboxing are not timed.
4. Fine-tuning on 200 of the video's 192×192 crops with MediaPipe's reference keypoints (1 in 5 held out).

Prints a table, then as its last line one JSON object with ``crop_ms`` (default configuration) and ``live_fps``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.cpm import checkpoint  # noqa: E402
from core.cpm.config import CPMConfig  # noqa: E402
from core.cpm.estimator import CPMEstimator  # noqa: E402
from core.cpm.heatmaps import decode  # noqa: E402
from core.cpm.model import HandCPM  # noqa: E402
from core.io.video import iter_frames  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.viz.attention_views import overview  # noqa: E402
from core.viz.belief_views import multi_view  # noqa: E402

SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
DEFAULT_VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"


def timed_ms(fn, runs: int, warmup: int = 3) -> tuple[float, float]:
    """(median, fastest) ms of ``fn``: the median is the figure; the fastest shows the cost without other load."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times)), 1000 * float(np.min(times))


def crop_ms(model: nn.Module, size: int, stride: int, runs: int) -> tuple[float, float]:
    x = torch.rand(1, 3, size, size) * 255

    def once() -> None:
        with torch.inference_mode():
            decode(model(x)[-1][0].numpy(), stride)

    return timed_ms(once, runs)


def paper_reference() -> nn.Module:
    """CPM of the paper's size: VGG-19 conv1_1..conv4_4 (stride 8) + 6 stages of 7×7 convolutions, 368 px."""

    def convs(c_in: int, widths: list[int], k: int = 3) -> list[nn.Module]:
        layers: list[nn.Module] = []
        for w in widths:
            layers += [nn.Conv2d(c_in, w, k, padding=k // 2), nn.ReLU(inplace=True)]
            c_in = w
        return layers

    vgg = convs(3, [64, 64]) + [nn.MaxPool2d(2)] + convs(64, [128, 128]) + [nn.MaxPool2d(2)]
    vgg += convs(128, [256] * 4) + [nn.MaxPool2d(2)] + convs(256, [512, 512, 256, 256, 256, 256, 256, 128])
    features = nn.Sequential(*vgg)
    stage1 = nn.Sequential(*convs(128, [512], 1), nn.Conv2d(512, 22, 1))
    later = [nn.Sequential(*convs(150, [128] * 5, 7), *convs(128, [128], 1), nn.Conv2d(128, 22, 1)) for _ in range(5)]

    class PaperCPM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features, self.stages = features, nn.ModuleList([stage1, *later])

        def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
            f = self.features(x)
            beliefs = [self.stages[0](f)]
            for stage in self.stages[1:]:
                beliefs.append(stage(torch.cat([f, beliefs[-1]], 1)))
            return beliefs

    return PaperCPM().eval()


def letterbox(rgb: np.ndarray, width: int = 640, height: int = 480) -> np.ndarray:
    scale = min(width / rgb.shape[1], height / rgb.shape[0])
    new_w, new_h = round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)
    out = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    out[y0 : y0 + new_h, x0 : x0 + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return out


def live(video: Path, frames: int, estimator: CPMEstimator, complexity: int) -> dict[str, float]:
    """Per-stage mean ms and FPS of tracking → network → its MULTI view on letterboxed frames."""
    view = overview if estimator.attention_names else multi_view  # the ResNet-deconv's panel, or the CPM's
    images = [letterbox(rgb) for _, rgb in iter_frames(video)][:frames]
    spent = {"tracking": 0.0, "cpm": 0.0, "view": 0.0}
    hands_seen = 0
    config = TrackerConfig(static_image_mode=False, max_num_hands=1, model_complexity=complexity)
    with HandTracker(config) as tracker:
        for rgb in images:
            t0 = time.perf_counter()
            hands = tracker.process(rgb)
            t1 = time.perf_counter()
            results = [estimator.estimate_hand(rgb, hand) for hand in hands]
            t2 = time.perf_counter()
            for result in results:
                view(result)
            t3 = time.perf_counter()
            spent["tracking"] += t1 - t0
            spent["cpm"] += t2 - t1
            spent["view"] += t3 - t2
            hands_seen += len(hands)
    total = sum(spent.values())
    out = {f"{k}_ms": 1000 * v / len(images) for k, v in spent.items()}
    return {**out, "live_fps": len(images) / total, "frames": len(images), "hands_per_frame": hands_seen / len(images)}


def finetune_timing(video: Path, count: int, checkpoint_dir: Path, epochs: int) -> dict[str, float]:
    """Fine-tune on ``count`` 192×192 crops of the video with MediaPipe's reference keypoints (as the app stores them)."""
    from core.cpm.training.finetune import finetune
    from core.io.crops import crop_with_transform, points_to_crop

    reference = json.loads((video.parent / "asl_hand.full.json").read_text())
    crops = []
    for index, rgb in iter_frames(video):
        if index < len(reference) and len(crops) < count:
            points = np.asarray(reference[index], np.float32)[:, :2]
            crop = crop_with_transform(rgb, points, size=192, margin=0.25)
            crops.append((crop.image, points_to_crop(points, crop.matrix)))
    report = finetune(CPMEstimator(checkpoint_dir), crops, epochs=epochs)
    print(
        f"fine-tune on {report.train_crops} crops (+{report.held_out_crops} held out), {report.epochs} epochs: "
        f"{report.seconds:.0f} s, PCK@0.2 {report.pck_before:.3f} -> {report.pck_after:.3f}"
    )
    return {
        "finetune_s": report.seconds,
        "finetune_pck_before": report.pck_before,
        "finetune_pck_after": report.pck_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30, help="timed forward passes per configuration")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads: onnxruntime for the default row (the estimator), torch for the others (default 1)",
    )
    parser.add_argument("--checkpoint", type=Path, default=checkpoint.DEFAULT_DIR)
    parser.add_argument("--complexity", type=int, default=1, choices=(0, 1))
    parser.add_argument("--skip-paper", action="store_true", help="do not time the slow paper-size reference")
    parser.add_argument("--finetune-crops", type=int, default=200, help="time fine-tuning on this many crops (0: skip)")
    parser.add_argument("--finetune-epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    estimator = CPMEstimator(args.checkpoint, num_threads=args.threads)
    default = estimator.cfg
    print(
        f"torch threads {args.threads}; default: {default.input_size} px, stride {default.stride}, {default.stages} stages"
    )
    print(f"{'input':>6} {'stages':>6} {'params':>8} {'median ms':>10} {'fastest':>8}")
    crop = np.zeros((default.input_size, default.input_size, 3), np.uint8)
    default_ms, fastest = timed_ms(lambda: estimator.cfg.decode(estimator.beliefs(crop)[-1]), args.runs)
    params = sum(p.numel() for p in estimator.model.parameters())
    print(
        f"{default.input_size:>6} {default.stages:>6} {params:>8} {default_ms:10.2f} {fastest:8.2f}  (shipped weights)"
    )
    frame, box = np.zeros((480, 640, 3), np.uint8), (220.0, 140.0, 420.0, 340.0)
    estimate_ms, fastest = timed_ms(lambda: estimator.estimate(frame, box), args.runs)
    passes = "two passes: the hand's angle, then the hand upright" if default.upright else "one pass"
    print(
        f"{'':>6} {'':>6} {'':>8} {estimate_ms:10.2f} {fastest:8.2f}  (a whole estimate from a box, crop included: {passes})"
    )
    for size in (128, 160, 192) if isinstance(default, CPMConfig) else ():
        for stages in (1, 2, 3, 6):
            cfg = dataclasses.replace(default, input_size=size, stages=stages)
            model = HandCPM(cfg).eval()
            median, fastest = crop_ms(model, size, cfg.stride, args.runs)
            print(
                f"{size:>6} {stages:>6} {sum(p.numel() for p in model.parameters()):>8} {median:10.2f} {fastest:8.2f}"
            )
    paper_ms = None
    if not args.skip_paper:
        paper_ms, fastest = crop_ms(paper_reference(), 368, 8, runs=3)
        ratio = paper_ms / default_ms
        print(
            f"{368:>6} {6:>6} {'VGG':>8} {paper_ms:10.1f} {fastest:8.1f}  (paper-size reference, {ratio:.0f}× the default)"
        )
    stats = live(args.video, args.frames, estimator, args.complexity)
    if args.finetune_crops:
        stats.update(finetune_timing(args.video, args.finetune_crops, args.checkpoint, args.finetune_epochs))
    print(
        f"live 640×480, {stats['frames']} frames: tracking {stats['tracking_ms']:.1f} ms + CPM {stats['cpm_ms']:.1f} ms + MULTI view {stats['view_ms']:.1f} ms → {stats['live_fps']:.1f} FPS"
    )
    print(
        json.dumps(
            {
                "crop_ms": round(default_ms, 2),
                "estimate_ms": round(estimate_ms, 2),
                "live_fps": round(stats["live_fps"], 1),
                "paper_ms": None if paper_ms is None else round(paper_ms, 1),
                **{k: round(v, 2) for k, v in stats.items() if k != "live_fps"},
            }
        )
    )


if __name__ == "__main__":
    main()
