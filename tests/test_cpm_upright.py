"""Turning hands upright: the angle from the wrist and middle knuckle, and turned crop px mapped back."""

import numpy as np
import pytest

from core.cpm.upright import unturn, upright_angle
from core.io import crops as cropping


def _hand_pointing(direction_deg: float) -> np.ndarray:
    """(21, 2) px: wrist at (50, 50), middle knuckle 20 px away, pointing ``direction_deg`` clockwise from up."""
    points = np.full((21, 2), 50.0, np.float32)
    theta = np.deg2rad(direction_deg)
    points[9] = [50 + 20 * np.sin(theta), 50 - 20 * np.cos(theta)]
    return points


@pytest.mark.parametrize("direction", [0.0, 35.0, 90.0, -120.0, 180.0])
def test_the_angle_turns_the_hand_upright(direction: float) -> None:
    points = _hand_pointing(direction)
    angle = upright_angle(points)
    matrix = cropping.crop_matrix(cropping.CropWindow(50.0, 50.0, 60.0), 128, angle)
    wrist, knuckle = cropping.points_to_crop(points[[0, 9]], matrix)
    assert knuckle[0] == pytest.approx(wrist[0], abs=1e-3)  # straight above the wrist
    assert knuckle[1] < wrist[1] - 40  # 20 px of frame × 128/60


def test_unturn_maps_a_turned_crop_back_to_the_unturned_one() -> None:
    rng = np.random.default_rng(0)
    frame_points = rng.uniform(20, 80, (21, 2)).astype(np.float32)
    window = cropping.CropWindow(50.0, 55.0, 70.0)
    for angle in (-150.0, -30.0, 0.0, 47.5, 180.0):
        turned = cropping.points_to_crop(frame_points, cropping.crop_matrix(window, 128, angle))
        plain = cropping.points_to_crop(frame_points, cropping.crop_matrix(window, 128, 0.0))
        np.testing.assert_allclose(unturn(turned, angle, 128), plain, atol=1e-3)
