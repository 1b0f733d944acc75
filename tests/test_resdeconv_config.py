"""The ResNet-deconv config: sizes, strides, attention switches, JSON, and absurd or hostile configs refused by key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cpm.config import ConfigError
from core.resdeconv.config import CONFIG_FORMAT, ResDeconvConfig


def test_default_is_stride_4_with_both_attentions() -> None:
    cfg = ResDeconvConfig()
    assert (cfg.backbone_stride, cfg.stride, cfg.heatmap_size, cfg.num_maps) == (32, 4, 32, 22)
    assert cfg.holistic and cfg.part_wise and cfg.stages == 1 and not cfg.upright


@pytest.mark.parametrize(("widths", "stride"), [((16, 32), 1), ((16, 32, 64), 2), ((16, 32, 64, 96, 128), 8)])
def test_stride_follows_the_number_of_stages(widths: tuple[int, ...], stride: int) -> None:
    cfg = ResDeconvConfig(input_size=128, widths=widths, depths=(1,) * len(widths))
    assert cfg.stride == stride and cfg.heatmap_size == 128 // stride


@pytest.mark.parametrize("attention", ["none", "holistic", "part", "both"])
def test_json_round_trip(attention: str) -> None:
    cfg = ResDeconvConfig(attention=attention, depths=(2, 1, 1, 1), head="upsample")
    assert ResDeconvConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"widths": [32, 64, 20000, 128]}, "widths"),
        ({"widths": [32]}, "widths"),
        ({"depths": [1, 1, 1, 1000]}, "depths"),
        ({"depths": [1, 1]}, "depths"),
        ({"head_channels": [64, 48]}, "head_channels"),
        ({"head_channels": [64, 48, 1.5]}, "head_channels"),
        ({"input_size": 100000}, "input_size"),
        ({"input_size": 100}, "input_size"),
        ({"stem_channels": 0}, "stem_channels"),
        ({"attention": "everywhere"}, "attention"),
        ({"head": "magic"}, "head"),
        ({"sigma": -1}, "sigma"),
        ({"flip_test": "yes"}, "flip_test"),
        ({"decode_power": -1}, "decode_power"),
        ({"decode_power": 1e9}, "decode_power"),
        ({"decode_power": "2"}, "decode_power"),
        ({"decode_radius": 1.5}, "decode_radius"),
        ({"decode_radius": -2}, "decode_radius"),
        ({"decode_radius": 10_000}, "decode_radius"),
        ({"skeleton": "body"}, "skeleton"),
        ({"layers": 3}, "layers"),
        ({"version": 99}, "version"),
    ],
)
def test_absurd_fields_are_refused_naming_the_file_and_key(change: dict, key: str) -> None:
    data = {**json.loads(ResDeconvConfig().to_json()), **change}
    with pytest.raises(ConfigError) as caught:
        ResDeconvConfig.from_json(json.dumps(data), source="weights/config.json")
    assert "weights/config.json" in str(caught.value) and key in str(caught.value)


def test_not_ours_nan_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a handteach ResNet-deconv config"):
        ResDeconvConfig.from_json(json.dumps({"format": "handteach-cpm"}))
    text = ResDeconvConfig().to_json().replace('"sigma": 2.0', '"sigma": NaN')
    with pytest.raises(ConfigError, match="config"):
        ResDeconvConfig.from_json(text)
    with pytest.raises(ConfigError):
        ResDeconvConfig.from_json("[" * 100_000 + "]" * 100_000)
    assert json.loads(ResDeconvConfig().to_json())["format"] == CONFIG_FORMAT
