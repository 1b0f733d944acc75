"""core.cpm.training.inputs: which images are held out, and validation crops from whole-image hands only."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from core.cpm.config import CPMConfig, CPMTrainConfig
from core.cpm.training.inputs import is_held_out, split_crops
from core.cpm.training.labels import LabelledFrame, LabelledHand
from tests.conftest import open_hand_photos

TINY = CPMConfig(
    input_size=64, stages=2, feature_channels=32, stage_channels=16, stem_channels=8, backbone_blocks=2, stage_blocks=1
)


def test_held_out_rules(tmp_path: Path) -> None:
    cfg = CPMTrainConfig(holdout=(str(tmp_path / "people"),), val_fraction=0.5)
    assert is_held_out(tmp_path / "people" / "a" / "x.jpg", cfg)
    assert is_held_out(tmp_path / "set" / "test" / "images" / "x.jpg", cfg)
    assert is_held_out(tmp_path / "set" / "valid" / "x.jpg", cfg)
    copies = [tmp_path / "train" / f"A{i}_jpg.rf.{h}.jpg" for i in range(40) for h in ("aa", "bb", "cc")]
    held = [is_held_out(p, cfg) for p in copies]
    assert 0 < sum(held) < len(held)
    assert all(held[i] == held[i + 1] == held[i + 2] for i in range(0, len(held), 3))  # augmented copies stay together


def test_validation_keeps_to_hands_found_in_the_whole_image(tmp_path: Path) -> None:
    source = open_hand_photos()[0]
    frames = []
    for folder in ("train", "test"):  # "test": a dataset's own held-out folder
        (tmp_path / folder).mkdir()
        path = Path(shutil.copy(source, tmp_path / folder / "hand.jpg"))
        keypoints = np.stack([np.linspace(20, 80, 21), np.linspace(30, 70, 21)], axis=1).astype(np.float32)
        hands = tuple(LabelledHand(keypoints + shift, "Right", 0.9, zoom) for shift, zoom in ((0, 0.0), (5, 0.25)))
        frames.append(LabelledFrame(path, -1, hands))
    (train_hands, _), (val_hands, _) = split_crops(frames, CPMTrainConfig(val_fraction=0.0), TINY, lambda _: None)
    assert len(train_hands) == 2 and len(val_hands) == 1
