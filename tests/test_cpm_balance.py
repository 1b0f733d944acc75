"""Sampling shares per training input: by size, equal, or in between; video frames and odd sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.cpm.training.balance import input_balance


def _sources(tmp_path: Path, small: int, large: int) -> tuple[list[str], list[Path]]:
    a, b = tmp_path / "hard", tmp_path / "easy"
    return [str(a / f"{i}.jpg") for i in range(small)] + [str(b / f"{i}.jpg") for i in range(large)], [a, b]


def test_balance_zero_draws_every_hand_equally(tmp_path: Path) -> None:
    sources, inputs = _sources(tmp_path, 10, 30)
    result = input_balance(sources, inputs, 0.0)
    assert np.allclose(result.weights, 1 / 40)
    assert result.shares == pytest.approx({str(inputs[0]): 0.25, str(inputs[1]): 0.75})
    assert result.sizes == {str(inputs[0]): 10, str(inputs[1]): 30}


def test_balance_one_gives_every_input_the_same_share(tmp_path: Path) -> None:
    sources, inputs = _sources(tmp_path, 10, 30)
    result = input_balance(sources, inputs, 1.0)
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.allclose(result.weights[:10], 0.05) and np.allclose(result.weights[10:], 0.5 / 30)
    assert list(result.shares.values()) == pytest.approx([0.5, 0.5])


def test_half_balance_shares_follow_the_square_root_of_the_sizes(tmp_path: Path) -> None:
    sources, inputs = _sources(tmp_path, 9, 36)
    shares = list(input_balance(sources, inputs, 0.5).shares.values())
    assert shares == pytest.approx([3 / 9, 6 / 9])


def test_video_frames_and_files_given_directly_find_their_input(tmp_path: Path) -> None:
    video = tmp_path / "clips" / "wave.mp4"
    photo = tmp_path / "one.jpg"
    sources = [f"{video}#0", f"{video}#5", str(photo), str(tmp_path / "elsewhere.jpg")]
    result = input_balance(sources, [tmp_path / "clips", photo], 1.0)
    assert result.sizes == {str(tmp_path / "clips"): 2, str(photo): 1, "(other)": 1}
    assert result.weights[0] == pytest.approx(result.weights[2] / 2)


def test_bad_balance_or_no_hands_is_refused(tmp_path: Path) -> None:
    sources, inputs = _sources(tmp_path, 2, 2)
    with pytest.raises(ValueError, match="between 0"):
        input_balance(sources, inputs, 1.5)
    with pytest.raises(ValueError, match="no training hands"):
        input_balance([], inputs, 0.5)
