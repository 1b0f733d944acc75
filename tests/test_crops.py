"""core.io.crops: square boxes, the crop affine and its inverse, padding, JPEG bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.io.crops import (
    crop_transform,
    crop_with_transform,
    decode_jpeg,
    encode_jpeg,
    fill_box,
    hand_crop,
    hand_crop_box,
    hand_keypoints_in_crop,
    points_from_crop,
    points_to_crop,
)
from core.io.limits import LimitError
from core.types import Keypoints


def make_hand(centre: tuple[float, float] = (320, 240), spread: float = 60, image_size=(640, 480), seed=0) -> Keypoints:
    """A synthetic hand: 21 random points around ``centre`` in pixel space."""
    rng = np.random.default_rng(seed)
    pixel = (np.array(centre) + rng.uniform(-spread, spread, (21, 2))).astype(np.float32)
    normalised = np.zeros((21, 3), np.float32)
    normalised[:, :2] = pixel / np.array(image_size, np.float32)
    return Keypoints(pixel, normalised, np.zeros((21, 3), np.float32), "Right", 0.9, image_size)


def test_box_is_square_with_margin() -> None:
    points = np.array([[100, 200], [140, 300]] + [[120, 250]] * 19, np.float32)
    x0, y0, x1, y1 = hand_crop_box(points, (640, 480), margin=0.25)
    assert x1 - x0 == pytest.approx(150) and y1 - y0 == pytest.approx(150)  # 100 × (1 + 2·0.25)
    assert (x0 + x1) / 2 == pytest.approx(120) and (y0 + y1) / 2 == pytest.approx(250)


def test_degenerate_hand_gets_minimum_box() -> None:
    points = np.full((21, 2), 50.0, np.float32)
    x0, _, x1, _ = hand_crop_box(points, (1920, 1080))
    assert x1 - x0 == pytest.approx(1920 / 50)


def test_points_round_trip_within_1e3_px() -> None:
    hand = make_hand(seed=3)
    crop = crop_with_transform(np.zeros((480, 640, 3), np.uint8), hand, size=192)
    in_crop = hand_keypoints_in_crop(crop, hand)
    assert ((in_crop >= 0) & (in_crop <= 192)).all()
    back = points_from_crop(in_crop, crop.matrix)
    assert np.abs(back - hand.pixel).max() < 1e-3


def test_transform_maps_box_corners() -> None:
    matrix = crop_transform((10.0, 20.0, 110.0, 120.0), 50)
    corners = points_to_crop([[10, 20], [110, 120]], matrix)
    assert np.allclose(corners, [[0, 0], [50, 50]])
    with pytest.raises(ValueError, match="square"):
        crop_transform((0, 0, 10, 20), 50)


def test_crop_content_lands_where_the_transform_says() -> None:
    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[200:204, 300:304] = (255, 40, 10)  # a 4×4 red square, centre (302, 202) in continuous pixels
    hand = make_hand(centre=(310, 210), spread=50, seed=1)
    crop = crop_with_transform(rgb, hand, size=128)
    u, v = points_to_crop([[302.0, 202.0]], crop.matrix)[0]
    ys, xs = np.nonzero(crop.image[:, :, 0] > 60)
    weights = crop.image[ys, xs, 0].astype(float)
    assert np.average(xs + 0.5, weights=weights) == pytest.approx(u, abs=0.3)
    assert np.average(ys + 0.5, weights=weights) == pytest.approx(v, abs=0.3)
    assert crop.image[int(v), int(u), 1] < crop.image[int(v), int(u), 0]  # channels untouched (R stays R)


def test_crop_near_border_is_padded_black() -> None:
    rgb = np.full((480, 640, 3), 200, np.uint8)
    hand = make_hand(centre=(20, 460), spread=40, seed=2)
    crop = crop_with_transform(rgb, hand, size=96)
    x0, y0, x1, y1 = crop.box
    assert x0 < 0 and y1 > 480
    assert crop.image.shape == (96, 96, 3)
    assert (crop.image[:, 0] == 0).all() and (crop.image[-1, :] == 0).all()  # outside the frame
    assert (crop.image[5, -5] == 200).all()  # inside the frame
    assert np.array_equal(hand_crop(rgb, hand, size=96), crop.image)


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        hand_crop(np.zeros((10, 10), np.uint8), make_hand())
    with pytest.raises(ValueError, match="NaN"):
        hand_crop_box(np.full((21, 2), np.nan))


def test_jpeg_round_trip() -> None:
    rgb = np.zeros((40, 30, 3), np.uint8)
    rgb[:, :, 0] = 220  # red
    data = encode_jpeg(rgb, quality=90)
    assert data[:2] == b"\xff\xd8"
    decoded = decode_jpeg(data)
    assert decoded.shape == (40, 30, 3) and decoded.dtype == np.uint8
    assert abs(int(decoded[20, 15, 0]) - 220) < 6 and decoded[20, 15, 2] < 10  # still red, not blue
    with pytest.raises(ValueError, match="not a decodable"):
        decode_jpeg(b"hello")


@pytest.mark.slow
def test_decode_refuses_a_header_claiming_a_huge_image(tmp_path: Path) -> None:
    from test_images import jpeg_claiming, zero_png

    with pytest.raises(LimitError, match=r"^crop: 12000×12000 = 144,000,000 pixels, over the limit of 50,000,000"):
        decode_jpeg(jpeg_claiming(tmp_path / "huge.jpg", 12000, 12000).read_bytes())
    with pytest.raises(LimitError, match="^crop: .*decompression bomb"):
        decode_jpeg(zero_png(tmp_path / "bomb.png", 20000, 20000).read_bytes())
    small = encode_jpeg(np.full((20, 30, 3), 90, np.uint8))
    assert decode_jpeg(small).shape == (20, 30, 3)


def test_fill_box_paints_the_box_inside_the_frame_with_the_mean_colour() -> None:
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, 30:] = 200  # mean 100
    fill_box(rgb, (50.0, -10.0, 80.0, 10.5))  # clipped to the frame: columns 50..59, rows 0..10
    assert (rgb[:11, 50:] == 100).all() and (rgb[11:, 50:] == 200).all() and (rgb[:, :30] == 0).all()
    before = rgb.copy()
    fill_box(rgb, (70.0, 5.0, 90.0, 9.0))  # outside: nothing changes
    assert np.array_equal(rgb, before)
