"""core.keypoints.mp_graph: MediaPipe's calculators around its networks (anchors, decoding, weighted NMS, regions,
crops and projections back)."""

from __future__ import annotations

import math

import numpy as np

from core.keypoints import mp_graph as g


def test_anchor_grids_as_the_graphs_count_them() -> None:
    palm = g.ssd_anchors(g.AnchorSpec(192, (8, 16, 16, 16)))
    pose = g.ssd_anchors(g.AnchorSpec(224, (8, 16, 32, 32, 32)))
    assert palm.shape == (2016, 2) and pose.shape == (2254, 2)  # the models' num_boxes
    assert np.allclose(palm[:2], [[0.5 / 24, 0.5 / 24]] * 2)  # two anchors on the first 24 × 24 cell
    assert np.allclose(palm[1152], [0.5 / 12, 0.5 / 12]) and np.allclose(palm[1152:1158], palm[1152])  # 6 per cell
    assert np.allclose(palm[2], [1.5 / 24, 0.5 / 24])  # x runs fastest


def test_decoding_offsets_boxes_and_keypoints_from_their_anchor() -> None:
    anchors = np.array([[0.25, 0.75], [0.5, 0.5]], np.float32)
    raw = np.zeros((2, 8), np.float32)
    raw[0] = [19.2, -19.2, 38.4, 19.2, 0, 0, 19.2, 19.2]  # centre +0.1, -0.1; size 0.2 × 0.1; two keypoints
    scores = np.array([[3.0], [-3.0]], np.float32)
    found = g.decode_detections(raw, scores, anchors, g.DecodeSpec(num_keypoints=2, scale=192.0), min_score=0.5)
    assert len(found) == 1 and math.isclose(found[0].score, 1 / (1 + math.exp(-3)), rel_tol=1e-6)
    assert np.allclose(found[0].box, [0.35 - 0.1, 0.65 - 0.05, 0.2, 0.1])
    assert np.allclose(found[0].keypoints, [[0.25, 0.75], [0.35, 0.85]])


def test_weighted_nms_averages_overlapping_boxes_by_score_and_keeps_the_best_score() -> None:
    a = g.Detection(np.array([0.0, 0.0, 1.0, 1.0], np.float32), np.zeros((1, 2), np.float32), 0.9)
    b = g.Detection(np.array([0.1, 0.0, 1.0, 1.0], np.float32), np.ones((1, 2), np.float32), 0.3)
    far = g.Detection(np.array([5.0, 5.0, 1.0, 1.0], np.float32), np.zeros((1, 2), np.float32), 0.6)
    kept = g.weighted_nms([b, far, a])
    assert [d.score for d in kept] == [0.9, 0.6]
    assert np.allclose(kept[0].box, [0.1 * 0.3 / 1.2, 0.0, 1.0, 1.0])
    assert np.allclose(kept[0].keypoints, [[0.25, 0.25]])


def test_association_lets_a_later_region_replace_an_overlapping_earlier_one() -> None:
    palm = g.NormRect(0.5, 0.5, 0.2, 0.2)
    other = g.NormRect(0.1, 0.1, 0.1, 0.1)
    followed = g.NormRect(0.51, 0.5, 0.2, 0.2, rotation=1.0)
    assert g.associate([[palm, other], [followed]]) == [other, followed]
    assert g.associate([[], [followed]]) == [followed]


def test_a_turned_region_shifts_along_its_own_axis_and_squares_on_its_long_side() -> None:
    rect = g.NormRect(0.5, 0.5, 0.1, 0.2, rotation=math.pi / 2)  # 64 × 96 px in a 640 × 480 image
    moved = g.transform_rect(rect, (640, 480), scale=2.0, shift_y=-0.5)
    assert math.isclose(moved.x_center, 0.5 + 0.5 * 96 / 640) and math.isclose(moved.y_center, 0.5, abs_tol=1e-9)
    assert math.isclose(moved.width * 640, 192) and math.isclose(moved.height * 480, 192)


def test_a_point_cropped_into_a_turned_region_projects_back_where_it_was() -> None:
    image = np.zeros((300, 400, 3), np.uint8)
    image[118:123, 248:253] = 255  # a white dot at (250, 120)
    # 120 px square, as every hand and pose region is (MediaPipe projects through the normalised rectangle, which
    # is exact for regions square in pixels only)
    rect = g.NormRect(0.6, 0.45, 0.3, 0.4, rotation=0.7)
    tensor, padding = g.image_to_tensor(image, rect, 64, (0.0, 1.0), zero_border=True)
    assert tensor.shape == (1, 64, 64, 3) and np.allclose(padding, 0.0, atol=1e-6)
    rows, cols = np.nonzero(tensor[0, :, :, 0] > 0.5)
    found = np.array([[(cols.mean() + 0.5) / 64, (rows.mean() + 0.5) / 64, 0.0]], np.float32)
    back = g.project_landmarks(found, padding, rect)[0]
    assert abs(back[0] * 400 - 250.5) < 2.0 and abs(back[1] * 300 - 120.5) < 2.0


def test_whole_image_letterbox_values_and_its_removal() -> None:
    image = np.full((100, 200, 3), 255, np.uint8)
    tensor, padding = g.image_to_tensor(image, None, 32, (-1.0, 1.0), zero_border=True)
    assert np.allclose(padding, (0.0, 0.25, 0.0, 0.25))
    assert tensor[0, 0, 16, 0] == -1.0 and tensor[0, 16, 16, 0] == 1.0  # black bars, white photo
    detection = g.Detection(np.array([0.0, 0.25, 1.0, 0.5], np.float32), np.array([[0.5, 0.5]], np.float32), 1.0)
    unboxed = g.remove_letterbox(detection, padding)
    assert np.allclose(unboxed.box, [0.0, 0.0, 1.0, 1.0]) and np.allclose(unboxed.keypoints, [[0.5, 0.5]])


def test_world_points_turn_with_the_region() -> None:
    turned = g.rotate_world(np.array([[1.0, 0.0, 0.3]], np.float32), math.pi / 2)
    assert np.allclose(turned, [[0.0, 1.0, 0.3]], atol=1e-6)
