"""The heatmap networks a checkpoint can hold, by the ``format`` tag of its ``config.json``.

Both answer to the same config fields and return a list of (N, 22, h, w) heatmap stacks, so the shared
machinery (checkpoints, distillation, validation, fine-tuning, ``CPMEstimator``) serves either:

* ``cpm``: ``core.cpm`` (belief maps refined stage by stage);
* ``resnet-deconv``: ``core.resdeconv`` (a ResNet, three up-sampling layers, attention).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from torch import nn

from core.cpm.config import CONFIG_FORMAT as CPM_FORMAT
from core.cpm.config import ConfigError, CPMConfig
from core.resdeconv.config import CONFIG_FORMAT as RESDECONV_FORMAT
from core.resdeconv.config import ResDeconvConfig

if TYPE_CHECKING:
    from core.cpm.model import HandCPM
    from core.resdeconv.model import HandResDeconv

HeatmapConfig = Union[CPMConfig, ResDeconvConfig]  # noqa: UP007 (a runtime alias, read by isinstance checks too)
HeatmapNetwork = Union["HandCPM", "HandResDeconv"]  # noqa: UP007
ARCHS = {"cpm": CPM_FORMAT, "resnet-deconv": RESDECONV_FORMAT}  # the --arch names and their format tags
_CONFIGS: dict[str, type] = {CPM_FORMAT: CPMConfig, RESDECONV_FORMAT: ResDeconvConfig}
TITLES = {CPM_FORMAT: "CPM", RESDECONV_FORMAT: "ResNet-deconv"}  # by format tag, for messages


def format_of(cfg: HeatmapConfig) -> str:
    """The format tag written into a config's ``config.json`` and its weights' metadata."""
    return RESDECONV_FORMAT if isinstance(cfg, ResDeconvConfig) else CPM_FORMAT


def arch_of(cfg: HeatmapConfig) -> str:
    """``"cpm"`` or ``"resnet-deconv"``."""
    return "resnet-deconv" if isinstance(cfg, ResDeconvConfig) else "cpm"


def parse_config(data: dict, text: str | bytes, source: str) -> HeatmapConfig:
    """The config class named by ``data["format"]`` (the parsed ``text``) reads ``text``; else ``ConfigError``."""
    tag = data.get("format") if isinstance(data, dict) else None
    config_class = _CONFIGS.get(tag) if isinstance(tag, str) else None
    if config_class is None:
        raise ConfigError(
            f'{source}: not a handteach keypoint network config ("format" must be one of {sorted(_CONFIGS)})'
        )
    return config_class.from_json(text, source=source)


def build(cfg: HeatmapConfig) -> nn.Module:
    """A freshly initialised network of ``cfg``'s architecture."""
    if isinstance(cfg, ResDeconvConfig):
        from core.resdeconv.model import HandResDeconv

        return HandResDeconv(cfg)
    from core.cpm.model import HandCPM

    return HandCPM(cfg)
