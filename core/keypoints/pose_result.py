"""One person found by the onnx pose runtime (``core.keypoints.onnx_pose``), as its filters over time take it
(``core.keypoints.pose_filters``)."""

from __future__ import annotations

from dataclasses import dataclass

from core.keypoints import mp_graph as g


@dataclass(frozen=True)
class PoseResult:
    """One person as MediaPipe's graph gives it: (33, 3) normalised points, their visibility, world points (33, 3),
    and the two alignment points (2, 2) that place the next frame's region."""

    landmarks: g.FloatArray
    visibility: g.FloatArray
    world: g.FloatArray
    alignment: g.FloatArray
