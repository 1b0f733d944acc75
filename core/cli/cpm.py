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

from core.cli.cpm_eval import add_eval, add_heldout, check_outputs
from core.cpm.config import DEFAULT_LABEL_CACHE, CPMConfig, CPMTrainConfig
from core.resdeconv.config import ATTENTION, HEADS, ResDeconvConfig
from core.types import NETWORK_BACKENDS

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


def register(subparsers) -> None:
    """Add ``train-cpm`` and ``eval-keypoints`` to the main CLI's subparsers (``finetune-cpm``, which needs a
    project, is ``core.cli.finetune.register``'s)."""
    _add_train(subparsers, "train-cpm")
    _add_train(subparsers, "train-keypoints")  # the same command, named for either --arch
    add_eval(subparsers)


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
    check_outputs(args, args.out)
    cpm, cfg = train_configs(args)
    summary = train(args.inputs, args.out, cpm, cfg, resume=args.resume, log=ConsoleLog())
    print(json.dumps(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.cpm", description="Hand CPM: train by distillation, evaluate keypoints."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub, "train")
    add_eval(sub)
    add_heldout(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # bad input: say what, no traceback
        sys.stderr.write(f"error: {exc}\n")  # one write: MediaPipe's C++ threads log to the same descriptor
        return 2
