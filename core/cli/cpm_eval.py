"""Command line of the keypoint networks' measuring: ``eval-keypoints`` (PCK against annotated hands) and
``heldout-json`` (``python -m core.cpm``'s: the training's held-out teacher labels as an annotation file).

``core.cli.cpm`` registers them beside ``train-cpm``; torch comes in inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cpm.config import DEFAULT_LABEL_CACHE
from core.types import KEYPOINT_BACKENDS


def add_eval(subparsers) -> None:
    p = subparsers.add_parser(
        "eval-keypoints",
        help="measure how near MediaPipe, the CPM or the ResNet-deconv put hand keypoints to annotated ones (PCK)",
        description="Reads COCO-style hand keypoint annotations and prints PCK@0.05/0.1/0.2, mean normalised error, detection rate and ms per hand; the last line is JSON.",
    )
    p.add_argument(
        "--annotations", nargs="+", required=True, metavar="FILE.json", help="COCO-style hand keypoint file(s)"
    )
    p.add_argument("--images", metavar="DIR", help="image folder (default: beside each annotation file)")
    p.add_argument("--backend", choices=KEYPOINT_BACKENDS, default="cpm",
                   help="the keypoints to score (default: %(default)s); cpm and resnet-deconv are our networks")  # fmt: skip
    p.add_argument(
        "--crop",
        choices=("gt", "detect"),
        default="gt",
        help="gt: crop from the annotated box; detect: MediaPipe finds the hand",
    )
    p.add_argument("--checkpoint", metavar="DIR",
                   help="the network's checkpoint (default: the shipped weights of --backend's network)")  # fmt: skip
    p.add_argument(
        "--joint-order",
        choices=("auto", "standard", "tip-first"),
        default="auto",
        help="tip-first: RHD-style fingers listed tip to base",
    )
    p.add_argument(
        "--flip-test",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a network: average the crop's and its mirror image's beliefs (default: as the weights' config.json says)",
    )
    p.add_argument(
        "--same-hands",
        action="store_true",
        help="also run the other backend and score both on the hands both answered (MediaPipe misses some crops, "
        "and its PCK counts only the hands it finds)",
    )
    p.set_defaults(func=_run_eval, handler=_run_eval)


def _run_eval(args: argparse.Namespace) -> int:
    from core.cpm.evaluation.annotations import load_annotations  # imported when run (torch): not for --help
    from core.cpm.evaluation.eval_keypoints import evaluate_both, evaluate_keypoints
    from core.data.project_cpm import DEFAULT_DIRS, TITLES, checkpoint_network, network_of_backend, require_weights

    if args.images and len(args.annotations) > 1:
        print("--images applies to a single --annotations file", file=sys.stderr)
        return 2
    hands = [h for f in args.annotations for h in load_annotations(f, args.images, args.joint_order)]
    network = network_of_backend(args.backend)  # --same-hands' for mediapipe: the CPM
    checkpoint = DEFAULT_DIRS[network] if args.checkpoint is None else Path(args.checkpoint)
    ckpt = None
    if args.backend != "mediapipe" or args.same_hands:
        ckpt = str(require_weights(checkpoint, network))  # missing weights: named, before any work
        found = checkpoint_network(checkpoint)
        if found not in (None, network):
            raise ValueError(
                f"{checkpoint} holds {TITLES[found]} weights, not {TITLES[network]}: give --backend {found}"
            )
    same: dict[str, float] = {}
    if args.same_hands:
        results, same = evaluate_both(hands, args.crop, ckpt, flip_test=args.flip_test, network=network)
        result = results[args.backend]
    else:
        result = evaluate_keypoints(hands, args.backend, args.crop, ckpt, flip_test=args.flip_test)
    judged = f", judged to hold a hand {result['has_hand']:.0%}" if "has_hand" in result else ""
    print(f"{args.backend} ({args.crop} crops) on {result['hands']} hands, detected {result['detected']:.0%}{judged}")
    print("PCK@0.05  PCK@0.1  PCK@0.2  mean error  ms/hand")
    print(
        f"{result['pck_0.05']:8.3f} {result['pck_0.1']:8.3f} {result['pck_0.2']:8.3f} {result['mean_error']:11.3f} {result['ms_per_hand']:8.1f}"
    )
    if same:
        print(
            f"on the {same['hands']:.0f} hands both answered, PCK@0.2: {network} {same[f'{network}_pck_0.2']:.3f}, "
            f"mediapipe {same['mediapipe_pck_0.2']:.3f}"
        )
    same_keys = {f"same_hands_{k}" if k != "hands" else "same_hands": v for k, v in same.items()}
    print(json.dumps({k: round(v, 4) for k, v in {**result, **same_keys}.items()}))
    return 0


def add_heldout(subparsers) -> None:
    p = subparsers.add_parser(
        "heldout-json", help="write held-out teacher labels as a COCO-style file for eval-keypoints"
    )
    p.add_argument("-i", "--inputs", nargs="+", required=True, metavar="PATH", help="the training inputs")
    p.add_argument("--holdout", nargs="*", default=[], metavar="PATH", help="the training run's hold-out folders")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), help="(default: %(default)s)")
    p.set_defaults(func=_run_heldout, handler=_run_heldout)


def check_outputs(args: argparse.Namespace, folder: str | None, *files: str) -> None:
    """The checkpoint folder, the label cache and ``files`` written by a CPM command: none in the data folder's own
    files (``python -m core.cpm`` has no ``--data``: the default data folder)."""
    from core.data.managed import check_output

    data = getattr(args, "data", None)
    if folder is not None:
        check_output(folder, data, folder=True)
    for path in (args.label_cache, *files):
        check_output(path, data)


def _run_heldout(args: argparse.Namespace) -> int:
    from core.cpm.training.heldout import heldout_coco

    check_outputs(args, None, args.out)
    data = heldout_coco(args.inputs, tuple(args.holdout), Path(args.label_cache))
    Path(args.out).write_text(json.dumps(data))
    print(f"{len(data['annotations'])} hands in {len(data['images'])} held-out images -> {args.out}")
    return 0
