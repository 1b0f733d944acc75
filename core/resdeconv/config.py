"""``ResDeconvConfig``: everything needed to rebuild a ResNet + deconvolution hand network (``config.json``).

It answers to the same fields the shared heatmap machinery reads from a CPM's config (``input_size``,
``stride``, ``heatmap_size``, ``num_maps``, ``sigma``, ``margin``, ``hand_threshold``, ``flip_test``,
``upright``), so distillation, validation, fine-tuning and ``CPMEstimator`` take either network.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from core.cpm.config import ConfigError, HeatmapGeometry, config_from_data
from core.io.capped import parse_json
from core.io.limits import LimitError, check_cpm_sizes
from core.skeletons import HAND_21

CONFIG_FORMAT = "handteach-resdeconv"  # marks a config.json as this network's
CONFIG_VERSION = 1
HEADS = ("deconv", "upsample")  # 4×4 transposed convolutions, or nearest ×2 + 3×3 convolution
ATTENTION = ("none", "holistic", "part", "both")
# The five fingers and the palm: part-wise attention gives each its own map (joint indices of core.skeletons.HAND_21).
PARTS: tuple[tuple[int, ...], ...] = (
    (0, 1, 5, 9, 13, 17),
    (2, 3, 4),
    (6, 7, 8),
    (10, 11, 12),
    (14, 15, 16),
    (18, 19, 20),
)
PART_NAMES = ("palm", "thumb", "index", "middle", "ring", "little")
MAX_STAGES = 5  # ResNet stages: the crop is halved once more by each


def _whole_tuple(name: str, value: object, least: int, bound: int, length: tuple[int, int]) -> tuple[int, ...]:
    """A tuple of whole numbers least..bound of a length within ``length``; ConfigError naming ``name`` else."""
    if not isinstance(value, (list, tuple)) or not length[0] <= len(value) <= length[1]:
        raise ConfigError(f"{name} must be a list of {length[0]} to {length[1]} whole numbers, got {value!r}")
    for item in value:
        if type(item) is not int or not least <= item <= bound:
            raise ConfigError(f"{name} entries must be whole numbers {least}..{bound}, got {item!r}")
    return tuple(value)


@dataclass(frozen=True)
class ResDeconvConfig(HeatmapGeometry):
    """A small ResNet of basic blocks on a hand crop, three ×2 up-sampling layers back to stride 4, 22 heatmaps.

    With ``input_size`` S and n ResNet stages the backbone ends at S / 2^(n+1) (a stride-2 stem, then every
    stage halves); the head doubles it three times, so the heatmaps have stride 2^(n+1) / 8 (n = 4: stride 4).
    """

    input_size: int = 128  # side S of the square RGB crop, px
    stem_channels: int = 24  # width of the stride-2 stem convolution
    widths: tuple[int, ...] = (32, 64, 96, 128)  # channels of each ResNet stage (each halves the map)
    depths: tuple[int, ...] = (1, 1, 1, 1)  # basic blocks (two 3×3 convolutions) per stage
    head: str = "deconv"  # how the head returns to stride 4: "deconv" or "upsample"
    head_channels: tuple[int, ...] = (64, 48, 32)  # width after each of the three ×2 steps
    attention: str = "both"  # "none", "holistic" (one map over the hand), "part" (one map per finger + palm), "both"
    handedness_head: bool = True  # predict the hand's chirality from the backbone (an aid while training)
    sigma: float = 2.0  # Gaussian std of target heatmaps, in heatmap cells
    margin: float = 0.25  # crop = keypoint box grown by this × its longest side on each side
    hand_threshold: float = 0.25  # mean joint confidence above which a crop holds a hand (calibrated on real data)
    flip_test: bool = False  # read each crop and its mirror image, the heatmaps averaged
    decode_power: float = 0.0  # how heatmaps become keypoints (core.cpm.heatmaps.decode): 0 the refined peak
    decode_radius: int = 0  # cells round the peak the mean reads (0: the whole map)
    version: int = CONFIG_VERSION
    skeleton: str = HAND_21.name

    def __post_init__(self) -> None:
        try:  # before any network is built: absurd sizes are refused by name
            check_cpm_sizes(
                "ResNet-deconv config", {"input_size": self.input_size, "stem_channels": self.stem_channels}
            )
        except LimitError as exc:
            raise ConfigError(str(exc), exc.problem) from None
        from core.io.limits import LIMITS

        widths = _whole_tuple("widths", self.widths, 1, LIMITS.cpm_channels, (2, MAX_STAGES))
        depths = _whole_tuple("depths", self.depths, 1, LIMITS.cpm_blocks, (len(widths), len(widths)))
        heads = _whole_tuple("head_channels", self.head_channels, 1, LIMITS.cpm_channels, (3, 3))
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "depths", depths)
        object.__setattr__(self, "head_channels", heads)
        if self.skeleton != HAND_21.name:
            raise ConfigError(f"skeleton must be {HAND_21.name!r} (a hand model), got {self.skeleton!r}")
        if self.head not in HEADS:
            raise ConfigError(f"head must be one of {HEADS}, got {self.head!r}")
        if self.attention not in ATTENTION:
            raise ConfigError(f"attention must be one of {ATTENTION}, got {self.attention!r}")
        if self.input_size % self.backbone_stride or self.input_size < 2 * self.backbone_stride:
            raise ConfigError(
                f"input_size must be a multiple of {self.backbone_stride} (the backbone's stride) and at least "
                f"{2 * self.backbone_stride}, got {self.input_size}"
            )
        for name in ("handedness_head", "flip_test"):
            if type(getattr(self, name)) is not bool:
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        self.check_decode()
        for name in ("sigma", "margin", "hand_threshold"):
            value = getattr(self, name)
            if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
                raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")

    @property
    def backbone_stride(self) -> int:
        """Crop px per cell of the backbone's last features."""
        return 2 ** (len(self.widths) + 1)

    @property
    def stride(self) -> int:
        """Crop px per heatmap cell (the head doubles the backbone's map three times)."""
        return max(1, self.backbone_stride // 8)

    @property
    def stages(self) -> int:
        """One heatmap stack (the CPM has one per stage)."""
        return 1

    @property
    def upright(self) -> bool:
        """Reads hands in their own orientation (the CPM can read them turned upright)."""
        return False

    @property
    def holistic(self) -> bool:
        return self.attention in ("holistic", "both")

    @property
    def part_wise(self) -> bool:
        return self.attention in ("part", "both")

    def to_json(self) -> str:
        return json.dumps({"format": CONFIG_FORMAT, **asdict(self)}, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes, source: str | Path = "config") -> ResDeconvConfig:
        """Parse ``to_json`` output; ``ConfigError`` naming ``source`` and the key when it is not ours or is malformed."""
        return cls.from_data(parse_json(text, Path(source), ConfigError, "ResNet-deconv config"), source)

    @classmethod
    def from_data(cls, data: object, source: str | Path = "config") -> ResDeconvConfig:
        """``from_json`` of an already parsed config.json."""
        return config_from_data(cls, data, source, CONFIG_FORMAT, "ResNet-deconv", CONFIG_VERSION)
