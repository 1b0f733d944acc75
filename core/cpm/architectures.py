"""The heatmap networks a checkpoint can hold, by the ``format`` tag of its ``config.json``.

Both answer to the same config fields and return a list of (N, 22, h, w) heatmap stacks, so the shared
machinery (checkpoints, distillation, validation, fine-tuning, ``CPMEstimator``) serves either:

* ``cpm``: ``core.cpm`` (belief maps refined stage by stage);
* ``resnet-deconv``: ``core.resdeconv`` (a ResNet, three up-sampling layers, attention).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

from core.cpm.config import CONFIG_FORMAT as CPM_FORMAT
from core.cpm.config import ConfigError, CPMConfig
from core.resdeconv import DEFAULT_DIR as RESDECONV_DIR
from core.resdeconv.config import CONFIG_FORMAT as RESDECONV_FORMAT
from core.resdeconv.config import ResDeconvConfig
from core.types import NETWORK_TITLES

if TYPE_CHECKING:  # torch comes in with ``build`` only: the tables below serve torch-free callers too
    from torch import nn

    from core.cpm.model import HandCPM
    from core.resdeconv.model import HandResDeconv

HeatmapConfig = Union[CPMConfig, ResDeconvConfig]  # noqa: UP007 (a runtime alias, read by isinstance checks too)
HeatmapNetwork = Union["HandCPM", "HandResDeconv"]  # noqa: UP007
ARCHS = {"cpm": CPM_FORMAT, "resnet-deconv": RESDECONV_FORMAT}  # the --arch names (NETWORK_BACKENDS), format tags
FORMAT_ARCHS = {tag: name for name, tag in ARCHS.items()}  # config.json's format tag → network name
WEIGHTS_FILE = "model.safetensors"  # a checkpoint folder's weights and config (core.cpm.checkpoint's layout)
CONFIG_FILE = "config.json"
# each network's shipped weights (WEIGHTS_FILE + CONFIG_FILE); tests point an entry elsewhere
DEFAULT_DIRS = {"cpm": Path(__file__).resolve().parent / "weights", "resnet-deconv": RESDECONV_DIR}
_CONFIGS: dict[str, type] = {CPM_FORMAT: CPMConfig, RESDECONV_FORMAT: ResDeconvConfig}


def format_of(cfg: HeatmapConfig) -> str:
    """The format tag written into a config's ``config.json`` and its weights' metadata."""
    return RESDECONV_FORMAT if isinstance(cfg, ResDeconvConfig) else CPM_FORMAT


def arch_of(cfg: HeatmapConfig) -> str:
    """``"cpm"`` or ``"resnet-deconv"``."""
    return FORMAT_ARCHS[format_of(cfg)]


def title_of_format(tag: str) -> str:
    """The network's name in messages ("CPM", "ResNet-deconv") for a format tag of ``ARCHS``."""
    return NETWORK_TITLES[FORMAT_ARCHS[tag]]


def parse_config(data: object, source: str) -> HeatmapConfig:
    """The config of a parsed ``config.json`` (``data``), read by the class its ``"format"`` names; else
    ``ConfigError`` naming ``source``."""
    tag = data.get("format") if isinstance(data, dict) else None
    config_class = _CONFIGS.get(tag) if isinstance(tag, str) else None
    if config_class is None:
        raise ConfigError(
            f'{source}: not a handteach keypoint network config ("format" must be one of {sorted(_CONFIGS)})'
        )
    return config_class.from_data(data, source=source)


def build(cfg: HeatmapConfig) -> nn.Module:
    """A freshly initialised network of ``cfg``'s architecture."""
    if isinstance(cfg, ResDeconvConfig):
        from core.resdeconv.model import HandResDeconv

        return HandResDeconv(cfg)
    from core.cpm.model import HandCPM

    return HandCPM(cfg)
