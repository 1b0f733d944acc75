"""The CPM's config dataclasses: ``CPMConfig`` (everything needed to rebuild a hand CPM, stored as
``config.json`` beside its weights) and ``CPMTrainConfig`` (how ``core.cpm.training.distill`` trains one).
The command line takes its flags' defaults from them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from core.cpm.heatmaps import decode
from core.cpm.training.augment import CropAugmentConfig
from core.io.capped import parse_json
from core.io.limits import LimitError, check_cpm_sizes
from core.skeletons import HAND_21
from core.types import FloatArray

CONFIG_FORMAT = "handteach-cpm"  # marks a config.json as ours
DEFAULT_LABEL_CACHE = Path("data/cache/cpm_labels.json")  # teacher labels (core.cpm.training.labels), from the cwd
FINETUNE_EPOCHS = 10  # passes over the user's crops (core.cpm.training.finetune)
CONFIG_VERSION = 1  # bump when the architecture's meaning changes; older files are refused
BLOCKS = ("separable", "dense")  # the convolution block of backbone and stages (core.cpm.model.make_block)
ADDED_LATER = {
    "global_context": False,
    "handedness_head": False,
    "upright": False,
    "block": "separable",
    "skeleton": HAND_21.name,
    "flip_test": False,
}  # absent from older files: those models lack them (and read hands)


class ConfigError(ValueError):
    """A config.json that is not a valid handteach CPM config; ``problem`` is the message without its source."""

    def __init__(self, message: str, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = message if problem is None else problem


MAX_DECODE_POWER = 8.0  # beliefs ** 8 is already a peak; more would only underflow


class HeatmapGeometry:
    """What the shared heatmap machinery reads of either network's config: ``input_size`` and ``stride``, and
    how its maps decode (``decode_power``, ``decode_radius``: ``core.cpm.heatmaps.decode``)."""

    input_size: int
    stride: int
    decode_power: float
    decode_radius: int

    def check_decode(self) -> None:
        """``ConfigError`` naming the decode field that is not a power 0..8 or a radius of whole cells 0..64."""
        power, radius = self.decode_power, self.decode_radius
        if type(power) not in (int, float) or not math.isfinite(power) or not 0 <= power <= MAX_DECODE_POWER:
            raise ConfigError(f"decode_power must be a number 0..{MAX_DECODE_POWER:g} (0: the peak), got {power!r}")
        if type(radius) is not int or not 0 <= radius <= 64:
            raise ConfigError(f"decode_radius must be a whole number of cells 0..64 (0: the whole map), got {radius!r}")

    def decode(self, maps: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(21, 2) crop px keypoints and (21,) confidences of one (22, h, w) stack, read as this config says: the
        one place the estimator and training's validation both decode through."""
        return decode(maps, self.stride, self.decode_power, self.decode_radius)

    @property
    def heatmap_size(self) -> int:
        """Side of each belief map, in cells."""
        return self.input_size // self.stride

    @property
    def num_joints(self) -> int:
        return HAND_21.num_joints

    @property
    def num_maps(self) -> int:
        """Belief maps per stack: 21 joints + background (the shared targets and decoder)."""
        return self.num_joints + 1


def config_from_data(
    cls: type, data: object, source: str | Path, tag: str, title: str, version: int, added_later: dict | None = None
):  # noqa: ANN201 - an instance of ``cls``
    """``cls(**data)`` of a parsed config.json ``data``, or ``ConfigError`` naming ``source`` and the problem.

    Checks, in order: the format ``tag`` (not ours), unknown fields, the ``version``; then the dataclass's own
    ``__post_init__`` checks the sizes before anything is built (a 20000-channel config is refused there).
    ``added_later``: defaults of fields older files lack. ``data`` is not changed.
    """
    if not isinstance(data, dict) or data.get("format") != tag:
        raise ConfigError(f'{source}: not a handteach {title} config (missing "format": "{tag}")')
    fields_given = {k: v for k, v in data.items() if k != "format"}
    unknown = sorted(set(fields_given) - {f.name for f in fields(cls)})
    if unknown:
        raise ConfigError(f"{source}: unknown config fields {unknown}")
    if fields_given.get("version") != version:
        raise ConfigError(f"{source}: config version {fields_given.get('version')}, this code reads {version}")
    try:
        return cls(**{**(added_later or {}), **fields_given})
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.problem}", exc.problem) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc


@dataclass(frozen=True)
class CPMConfig(HeatmapGeometry):
    """Architecture, target encoding and calibration of one hand CPM."""

    input_size: int = 128  # side S of the square RGB crop fed to the network, in pixels
    stride: int = 8  # crop pixels per belief-map cell; 4 or 8 (2 or 3 stride-2 layers); 8 trains 2.4× faster on a CPU
    stages: int = 3  # T: stage 1 sees image features only, stages 2..T also the previous beliefs
    block: str = "dense"  # "dense" (one full 3×3 conv: more weights per CPU-minute) or "separable" (depthwise + 1×1)
    stem_channels: int = 24  # width of the first (stride-2) convolution
    feature_channels: int = 64  # width of the shared image features every stage reads
    backbone_blocks: int = 4  # blocks at the belief-map resolution
    stage_channels: int = 64  # width inside each stage
    stage_blocks: int = 3  # blocks per stage
    stage_kernel: int = 3  # kernel of the stage blocks (the paper uses 7×7; stacked 3×3 train ~7× faster on a CPU)
    global_context: bool = True  # each stage also sees a summary of the whole crop (palm or back, left or right)
    handedness_head: bool = True  # also predict the hand's chirality from the image features (trained as an aid)
    upright: bool = False  # reads hands turned upright, the angle from a first pass (core.cpm.upright)
    sigma: float = 1.5  # Gaussian std of target beliefs, in belief-map cells
    margin: float = 0.25  # crop = keypoint box grown by this × its longest side on each side
    hand_threshold: float = 0.25  # mean joint confidence above which a crop holds a hand (calibrated on real data)
    # Read each crop and its mirror image and average the beliefs (about 1.9x the time): set by the weights'
    # config.json, so that the estimator, validation and calibration all read the crops the same way.
    flip_test: bool = False
    # How the last stage's maps become keypoints (core.cpm.heatmaps.decode): 0 the refined peak, as before these
    # fields; chosen per set of weights by bench/networks/decode.py on the teacher rows
    decode_power: float = 0.0
    decode_radius: int = 0
    version: int = CONFIG_VERSION  # architecture version, checked on load
    skeleton: str = HAND_21.name  # the keypoint layout of its belief maps: the CPM is a hand model

    def __post_init__(self) -> None:
        try:
            check_cpm_sizes("CPM config", asdict(self))  # before any network is built from it
        except LimitError as exc:
            raise ConfigError(str(exc), exc.problem) from None
        if self.skeleton != HAND_21.name:
            raise ConfigError(f"skeleton must be {HAND_21.name!r} (the CPM is a hand model), got {self.skeleton!r}")
        if self.stride not in (4, 8):
            raise ConfigError(f"stride must be 4 or 8, got {self.stride}")
        if self.input_size % self.stride or self.input_size < 32:
            raise ConfigError(f"input_size must be a multiple of stride {self.stride} and >= 32, got {self.input_size}")
        if self.block not in BLOCKS:
            raise ConfigError(f"block must be one of {BLOCKS}, got {self.block!r}")
        if type(self.flip_test) is not bool:
            raise ConfigError(f"flip_test must be true or false, got {self.flip_test!r}")
        self.check_decode()
        if not 1 <= self.stages <= 6:
            raise ConfigError(f"stages must be 1..6, got {self.stages}")
        for name in ("sigma", "margin", "hand_threshold"):
            value = getattr(self, name)
            if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
                raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")

    def to_json(self) -> str:
        return json.dumps({"format": CONFIG_FORMAT, **asdict(self)}, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes, source: str | Path = "config") -> CPMConfig:
        """Parse ``to_json`` output; ``ConfigError`` naming ``source`` when it is not ours or is malformed."""
        return cls.from_data(parse_json(text, Path(source), ConfigError, "CPM config"), source)  # NaN, nesting: named

    @classmethod
    def from_data(cls, data: object, source: str | Path = "config") -> CPMConfig:
        """``from_json`` of an already parsed config.json."""
        return config_from_data(cls, data, source, CONFIG_FORMAT, "CPM", CONFIG_VERSION, ADDED_LATER)


@dataclass(frozen=True)
class CPMTrainConfig:
    """How to train (the model itself is described by CPMConfig)."""

    epochs: int = 20  # passes over the training hands
    batch_size: int = 16  # small batches: more updates per CPU-second, which is what a short run lacks
    lr: float = 3e-3  # peak AdamW learning rate (after warm-up; cosine decay to 2 % of it)
    weight_decay: float = 1e-4
    warmup_steps: int = 200  # linear learning-rate warm-up
    coord_weight: float = 0.3  # weight of the soft-argmax coordinate loss beside the belief-map loss (0: maps only)
    val_fraction: float = 0.05  # share of other images held out, by a hash of the file name
    holdout: tuple[str, ...] = ()  # folders whose images are only ever used for validation (unseen people)
    max_minutes: float = 0.0  # wall-time budget of the whole run; the LR schedule shrinks to fit it (0: no limit)
    val_sample: int = 400  # held-out hands scored after each epoch (all of them after the last)
    workers: int = 1  # data-loading processes (augmentation overlaps the network's work)
    threads: int = 0  # torch CPU threads (0: torch's default)
    warm_input_size: int = 0  # crop side (px) for the first warm_fraction of the run: faster epochs (0: off)
    warm_fraction: float = 0.5
    processes: int = 1  # data-parallel one-thread processes (core.cpm.training.parallel); they split batch_size
    balance_inputs: float = (
        0.0  # 0: every hand drawn once an epoch; 1: every -i input an equal share (core.cpm.training.balance)
    )
    zoom_out_labels: bool = (
        False  # also train on hands MediaPipe finds only in a zoomed-out view (core.cpm.training.labels)
    )
    ema_decay: float = 0.0  # >0: validate and save a moving average of the weights over ~1/(1-decay) steps (0: off)
    seed: int = 0
    # issue 22: people never seen, long resumable runs, CUDA
    padded: tuple[str, ...] = ()  # inputs of tight hand crops, labelled padded by labels.PAD (e.g. hagrid_crops)
    people_share: float = 0.5  # share of hagrid_people's user_ids held out (core.cpm.training.people)
    checkpoint_minutes: float = (
        5.0  # also checkpoint mid-epoch this often, so a killed run loses little (0: epochs only)
    )
    device: str = "auto"  # "auto" (CUDA when present and processes is 1), "cpu" or "cuda"
    lr_batch: int = 0  # >0: lr is for batches of this size, scaled by sqrt(batch_size / lr_batch) (0: lr as given)
    init: str = ""  # a checkpoint folder to start from (its weights and config; a fresh optimizer and schedule)
    # with init, a ResNet-deconv: grow it to these blocks a stage (added ones start as identity; () keeps it)
    deepen_to: tuple[int, ...] = ()
    flip_test: bool = False  # save weights read with their mirror image (CPMConfig.flip_test); validation reads so too
    label_cache: Path = DEFAULT_LABEL_CACHE  # teacher labels, reused by later runs
    augment: CropAugmentConfig = field(default_factory=CropAugmentConfig)
