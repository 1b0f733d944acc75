"""Command line of the CPM: ``train-cpm`` and ``eval-keypoints`` (``finetune-cpm`` is ``core.cli.finetune``'s).

``register(subparsers)`` adds them to a parent parser (the main ``python -m core``);
``python -m core.cpm`` offers them as ``train`` / ``eval-keypoints`` on their own. Only the config
dataclasses are imported here; torch comes in inside the handlers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from pathlib import Path

from core.cpm.config import DEFAULT_LABEL_CACHE, CPMConfig, CPMTrainConfig
from core.resdeconv.config import ATTENTION, HEADS, ResDeconvConfig
from core.types import KEYPOINT_BACKENDS, NETWORK_BACKENDS

MODEL, RUN, RESDECONV = CPMConfig(), CPMTrainConfig(), ResDeconvConfig()  # every default below comes from these
# train-cpm's numeric flags, each a field of CPMConfig (model) or CPMTrainConfig (run): its default, type and
# name in ``args`` come from there. (flag, field, metavar, help; " (default: ...)" is added.)
_MODEL_FLAGS = (
    ("--input-size", "input_size", None, "crop side in px"),
    ("--stages", "stages", None, "number of CPM stages, 1..6"),
    ("--feature-channels", "feature_channels", None, "width of the image features"),
    ("--stage-channels", "stage_channels", None, "width inside each stage"),
)
_RUN_FLAGS = (
    ("--epochs", "epochs", None, "passes over the training hands"),
    ("--batch-size", "batch_size", None, "crops per step, split among the --processes"),
    ("--lr", "lr", None, "peak learning rate"),
    ("--max-minutes", "max_minutes", None, "stop at an epoch end before this wall-time budget (0: none)"),
    ("--threads", "threads", None, "torch CPU threads (0: torch's default)"),
    ("--workers", "workers", None, "data-loading processes"),
    ("--warm-size", "warm_input_size", "PX", "train on crops of this side for the first --warm-fraction of the "
     "run: more epochs in the same time (96 gave +3 PCK points in 12-minute pilots; 0: off)"),
    ("--warm-fraction", "warm_fraction", None, "share of the run at --warm-size"),
    ("--processes", "processes", None, "data-parallel training processes of one thread each, e.g. one per "
     "CPU core; the batch is split among them"),
    ("--balance", "balance_inputs", "B", "share of the draws per -i input ∝ its hands^(1-B): 0 by size, "
     "1 equal shares, so a small folder of hard photos is not drowned by large easy ones"),
    ("--ema", "ema_decay", "DECAY", "validate and save a moving average of the weights with this decay "
     "per step, e.g. 0.999 (0: off)"),
    ("--val-sample", "val_sample", "N", "held-out hands scored after each epoch; the last epoch scores all"),
    ("--checkpoint-minutes", "checkpoint_minutes", "MIN", "also checkpoint mid-epoch this often, so a killed "
     "run loses at most this much (0: at epoch ends only)"),
    ("--lr-batch", "lr_batch", "N", "--lr is for batches of N: scaled by sqrt(batch-size / N), e.g. "
     "--batch-size 256 --lr-batch 32 on CUDA (0: --lr as given)"),
    ("--people-share", "people_share", "S", "share of hagrid_people's user ids held out (their photos never train)"),
)  # fmt: skip
# augmentation that moves hands into other scenes: (flag, CropAugmentConfig field, help)
_AUGMENT_FLAGS = (
    ("--paste", "paste_prob", "share of hand crops pasted onto a hand-free square of another photo"),
    ("--low-light", "low_light_prob", "share of crops darkened (gamma 1.5-3) with sensor noise"),
    ("--motion-blur", "motion_blur_prob", "share of crops smeared by a 3-9 px line kernel"),
    ("--lowres", "lowres_prob", "share of crops shrunk to 25-60 %% and upscaled (small, far hands)"),
)


def _add_config_flags(p: argparse.ArgumentParser, config: object, flags: tuple) -> None:
    for flag, name, metavar, text in flags:
        default = getattr(config, name)
        p.add_argument(flag, dest=name, type=type(default), default=default, help=f"{text} (default: %(default)s)",
                       metavar=metavar or flag[2:].upper().replace("-", "_"))  # fmt: skip


# The one-line help of each name of the training command: the same command under two names, said so, so that
# ``--help`` does not list two commands that read alike (issue 45, item 13).
TRAIN_HELP = {
    "train-cpm": "train a hand keypoint network (the CPM by default) on photos and videos, MediaPipe as the teacher",
    "train-keypoints": "the same command as train-cpm, under a name that fits --arch resnet-deconv too",
}


def _add_train(subparsers, name: str) -> None:
    p = subparsers.add_parser(
        name,
        help=TRAIN_HELP.get(name, TRAIN_HELP["train-cpm"]),
        description="Label images/videos with MediaPipe (cached), then train a CPM (or, with --arch resnet-deconv, a "
        "ResNet with a deconvolution head and attention) on hand crops; prints one line per epoch and checkpoints "
        "every epoch (Ctrl-C keeps the last).",
    )
    p.add_argument(
        "-i", "--inputs", nargs="+", required=True, metavar="PATH", help="image/video files or folders to train on"
    )
    p.add_argument(
        "--holdout", nargs="*", default=[], metavar="PATH", help="folders used only for validation (e.g. unseen people)"
    )
    p.add_argument(
        "--resume",
        metavar="CKPT",
        help="checkpoint folder to continue from, where it stopped (mid-epoch too): its config wins; on the same "
        "--processes and --batch-size the run continues exactly",
    )
    p.add_argument(
        "--init",
        default=RUN.init,
        metavar="CKPT",
        help="start from these weights (and their config), with a fresh optimizer and schedule, e.g. the shipped ones",
    )
    p.add_argument(
        "--padded",
        nargs="*",
        default=[],
        metavar="PATH",
        help="inputs (among -i) of tight hand crops: MediaPipe labels them framed by half their size on each side",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default=RUN.device,
        help="auto: CUDA when present and --processes is 1 (default: %(default)s)",
    )
    p.add_argument("--out", default="data/cpm/run", metavar="DIR", help="checkpoint folder (default: %(default)s)")
    _add_config_flags(p, RUN, _RUN_FLAGS)
    _add_config_flags(p, MODEL, _MODEL_FLAGS)
    _add_config_flags(p, RUN.augment, tuple((f, n, "P", t) for f, n, t in _AUGMENT_FLAGS))
    p.add_argument(
        "--stride",
        type=int,
        default=MODEL.stride,
        choices=(4, 8),
        help="crop px per belief cell (default: %(default)s)",
    )
    p.add_argument(
        "--block",
        choices=("separable", "dense"),
        default=MODEL.block,
        help="convolution block of backbone and stages: one full 3×3 conv or depthwise-separable (default: %(default)s)",
    )
    p.add_argument(
        "--upright",
        type=float,
        default=RUN.augment.upright_prob,
        metavar="P",
        help="train a model that reads hands upright (two passes: the first finds the hand's angle); P is the share of "
        "training crops turned upright first, the rest keep their own orientation (0: off; default: %(default)s)",
    )
    p.add_argument(
        "--zoom-out-labels",
        action="store_true",
        help="where MediaPipe finds no hand in a training image, label it again framed by a border of its edge "
        "pixels (close-ups the palm detector misses); validation keeps to whole-image labels",
    )
    p.add_argument(
        "--flip-test",
        action="store_true",
        help="save weights that read each crop and its mirror image (about 1.9x the time, a little more "
        "accurate); validation and the no-hand threshold read crops that way too",
    )
    p.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), help="teacher label cache (default: %(default)s)")
    _add_arch_flags(p)
    p.set_defaults(func=_run_train, handler=_run_train)


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None


def _add_arch_flags(p: argparse.ArgumentParser) -> None:
    arch = p.add_argument_group("ResNet-deconv network (--arch resnet-deconv; the CPM flags above are the CPM's)")
    p.add_argument("--arch", choices=NETWORK_BACKENDS, default="cpm",
                   help="the network to train: the CPM, or a ResNet with a deconvolution head and attention "
                        "(default: %(default)s)")  # fmt: skip
    arch.add_argument(
        "--widths",
        type=_ints,
        default=RESDECONV.widths,
        metavar="C,C,..",
        help="channels of each ResNet stage, each halving the map (default: %(default)s)",
    )
    arch.add_argument(
        "--depths",
        type=_ints,
        default=None,
        metavar="N,N,..",
        help="basic blocks per stage (default: one each); with --init, the init network grows to them, "
        "added blocks starting as identity",
    )
    arch.add_argument(
        "--head",
        choices=HEADS,
        default=RESDECONV.head,
        help="×2 steps by transposed convolution or nearest up-sampling + conv (default: %(default)s)",
    )
    arch.add_argument(
        "--head-channels",
        type=_ints,
        default=RESDECONV.head_channels,
        metavar="C,C,C",
        help="width after each of the three ×2 steps (default: %(default)s)",
    )
    arch.add_argument("--attention", choices=ATTENTION, default=RESDECONV.attention,
                      help="holistic (one map over the hand), part (one per finger and the palm), both, or none "
                           "(default: %(default)s)")  # fmt: skip


def _add_eval(subparsers) -> None:
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


def register(subparsers) -> None:
    """Add ``train-cpm`` and ``eval-keypoints`` to the main CLI's subparsers (``finetune-cpm``, which needs a
    project, is ``core.cli.finetune.register``'s)."""
    _add_train(subparsers, "train-cpm")
    _add_train(subparsers, "train-keypoints")  # the same command, named for either --arch
    _add_eval(subparsers)


def _resdeconv_config(args: argparse.Namespace) -> ResDeconvConfig:
    if args.upright or args.stages != MODEL.stages or args.stride != MODEL.stride or args.block != MODEL.block:
        raise ValueError("--upright, --stages, --stride and --block are the CPM's: not for --arch resnet-deconv")
    depths = args.depths or (1,) * len(args.widths)
    return ResDeconvConfig(
        input_size=args.input_size, widths=args.widths, depths=depths, head=args.head,
        head_channels=args.head_channels, attention=args.attention,
    )  # fmt: skip


def train_configs(args: argparse.Namespace) -> tuple[CPMConfig | ResDeconvConfig, CPMTrainConfig]:
    """The model and run configs a parsed ``train-cpm`` / ``train-keypoints`` command asks for."""
    if getattr(args, "arch", "cpm") == "resnet-deconv":
        cpm: CPMConfig | ResDeconvConfig = _resdeconv_config(args)
    else:
        cpm = dataclasses.replace(
            MODEL, stride=args.stride, block=args.block, upright=args.upright > 0,
            **{name: getattr(args, name) for _, name, _, _ in _MODEL_FLAGS},
        )  # fmt: skip
    cfg = dataclasses.replace(
        RUN,
        holdout=tuple(args.holdout),
        zoom_out_labels=args.zoom_out_labels,
        label_cache=Path(args.label_cache),
        padded=tuple(args.padded),
        device=args.device,
        init=args.init or "",
        deepen_to=tuple(args.depths)
        if args.init and getattr(args, "arch", "cpm") == "resnet-deconv" and args.depths
        else (),
        flip_test=args.flip_test,
        augment=dataclasses.replace(
            RUN.augment, upright_prob=args.upright, **{name: getattr(args, name) for _, name, _ in _AUGMENT_FLAGS}
        ),
        **{name: getattr(args, name) for _, name, _, _ in _RUN_FLAGS},
    )
    return cpm, cfg


def _run_train(args: argparse.Namespace) -> int:
    from core.cpm.training.distill import train
    from core.cpm.training.progress import ConsoleLog

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops like Ctrl-C: the last epoch stays saved
    _check_outputs(args, args.out)
    cpm, cfg = train_configs(args)
    summary = train(args.inputs, args.out, cpm, cfg, resume=args.resume, log=ConsoleLog())
    print(json.dumps(summary))
    return 0


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


def _add_heldout(subparsers) -> None:
    p = subparsers.add_parser(
        "heldout-json", help="write held-out teacher labels as a COCO-style file for eval-keypoints"
    )
    p.add_argument("-i", "--inputs", nargs="+", required=True, metavar="PATH", help="the training inputs")
    p.add_argument("--holdout", nargs="*", default=[], metavar="PATH", help="the training run's hold-out folders")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p.add_argument("--label-cache", default=str(DEFAULT_LABEL_CACHE), help="(default: %(default)s)")
    p.set_defaults(func=_run_heldout, handler=_run_heldout)


def _check_outputs(args: argparse.Namespace, folder: str | None, *files: str) -> None:
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

    _check_outputs(args, None, args.out)
    data = heldout_coco(args.inputs, tuple(args.holdout), Path(args.label_cache))
    Path(args.out).write_text(json.dumps(data))
    print(f"{len(data['annotations'])} hands in {len(data['images'])} held-out images -> {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.cpm", description="Hand CPM: train by distillation, evaluate keypoints."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub, "train")
    _add_eval(sub)
    _add_heldout(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # bad input: say what, no traceback
        sys.stderr.write(f"error: {exc}\n")  # one write: MediaPipe's C++ threads log to the same descriptor
        return 2
