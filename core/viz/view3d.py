"""A rotatable 3D view of one person's or hand's world keypoints (Plotly; Streamlit shows it with ``st.plotly_chart``).

Works for any ``core.skeletons.Skeleton``: bones from ``edges``, colours from ``groups``. The world
points are MediaPipe's metres (x right, y down, z away from the camera, origin at the hips'
or the hand's centre); the figure turns them so that *up is up* (plot z = -y) and depth runs
into the screen (plot y = z), with equal scales on the three axes and a camera that starts
where the real camera was, facing the person. ``mirror`` shows the user view (x negated), so
the figure matches the mirrored webcam preview beside it.

Joints below ``hidden_below`` visibility (body keypoints MediaPipe guesses) are drawn grey and
hollow, and their bones dotted: they are not trusted by the classifier either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from core.types import FloatArray, Keypoints

if TYPE_CHECKING:
    import plotly.graph_objects as go

# Colour of each group in a skeleton's ``groups`` order (hand: palm then the DrawStyle finger colours).
PALETTE = ("#dcdcdc", "#ff8a00", "#ffd600", "#30d660", "#00a8ff", "#e63ca0", "#ff5a5a", "#8c8c8c")
HIDDEN_COLOUR = "#9a9a9a"
MIN_HALF_SPAN_M = {"hand": 0.06, "body": 0.5}  # smallest half-width of the view, so a still pose does not zoom in


def plot_points(world: FloatArray, mirror: bool = True) -> FloatArray:
    """(K, 3) MediaPipe world points (x right, y down, z away) → (K, 3) plot axes (x right, depth, up), metres."""
    world = np.asarray(world, dtype=np.float32)
    if world.ndim != 2 or world.shape[1] != 3:
        raise ValueError(f"expected world points of shape (K, 3), got {world.shape}")
    x = -world[:, 0] if mirror else world[:, 0]
    return np.column_stack([x, world[:, 2], -world[:, 1]]).astype(np.float32)


def view_3d(keypoints: Keypoints, mirror: bool = True, hidden_below: float = 0.5, height: int = 420) -> go.Figure:
    """A Plotly figure of ``keypoints.world``: bones by colour group, joints with their names on hover.

    Raises ``ValueError`` when the keypoints have no world points (a CPM or a 2D CSV import).
    """
    import plotly.graph_objects as go  # lazily: only the pages that show the view need it

    if not keypoints.has_depth:
        raise ValueError(f"this {keypoints.skeleton.name} has no 3D world points (2D keypoints only)")
    skeleton = keypoints.skeleton
    points = plot_points(keypoints.world, mirror)
    visibility = keypoints.visibility if keypoints.visibility is not None else np.ones(skeleton.num_joints)
    seen = visibility >= hidden_below
    group_index = {name: i for i, (name, _) in enumerate(skeleton.groups)}
    # traces as plain dicts, validated once by go.Figure: building go.Scatter3d objects first and
    # handing them to the figure validated every trace twice (24 ms CPU a body figure; Live rebuilds it twice a second)
    traces: list[dict[str, object]] = []
    for name, _ in (*skeleton.groups, ("", ())):
        colour = PALETTE[group_index[name] % len(PALETTE)] if name else PALETTE[0]
        bones = [(a, b) for a, b in skeleton.edges if skeleton.group_of(b) == name]
        for sure, dash in ((True, "solid"), (False, "dot")):
            chosen = [(a, b) for a, b in bones if bool(seen[a] and seen[b]) == sure]
            if chosen:
                traces.append(_bones(points, chosen, colour if sure else HIDDEN_COLOUR, dash, name or "other"))
    names = np.array(skeleton.joint_names)
    colours = [PALETTE[group_index.get(skeleton.group_of(j), 0) % len(PALETTE)] for j in range(skeleton.num_joints)]
    for sure in (True, False):
        idx = np.flatnonzero(seen == sure)
        if len(idx):
            traces.append({
                "type": "scatter3d",
                "x": points[idx, 0],
                "y": points[idx, 1],
                "z": points[idx, 2],
                "mode": "markers",
                "name": "joints" if sure else f"hidden (visibility < {hidden_below})",
                "text": [f"{names[j]} · visibility {visibility[j]:.2f}" for j in idx],
                "hoverinfo": "text",
                "marker": {
                    "size": 4 if sure else 3,
                    "color": [colours[j] for j in idx] if sure else HIDDEN_COLOUR,
                    "symbol": "circle" if sure else "circle-open",
                },
            })  # fmt: skip
    return go.Figure({"data": traces, "layout": _layout(points, skeleton.name, height)})


def _bones(points: FloatArray, bones: list[tuple[int, int]], colour: str, dash: str, name: str) -> dict[str, object]:
    """One line trace for many bones: segments separated by None, as Plotly draws gaps."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    zs: list[float | None] = []
    for a, b in bones:
        xs += [float(points[a, 0]), float(points[b, 0]), None]
        ys += [float(points[a, 1]), float(points[b, 1]), None]
        zs += [float(points[a, 2]), float(points[b, 2]), None]
    line = {"color": colour, "width": 6, "dash": dash}
    return {
        "type": "scatter3d",
        "x": xs,
        "y": ys,
        "z": zs,
        "mode": "lines",
        "name": name,
        "hoverinfo": "skip",
        "line": line,
    }


def axis_ranges(points: FloatArray, skeleton_name: str) -> list[tuple[float, float]]:
    """One (low, high) per plot axis, all of the same length: equal scales, the points centred."""
    centre = (points.max(axis=0) + points.min(axis=0)) / 2
    half = max(
        float((points.max(axis=0) - points.min(axis=0)).max()) / 2 * 1.1, MIN_HALF_SPAN_M.get(skeleton_name, 0.1)
    )
    return [(float(c - half), float(c + half)) for c in centre]


def _layout(points: FloatArray, skeleton_name: str, height: int) -> dict[str, object]:
    ranges = axis_ranges(points, skeleton_name)
    axis = {"showbackground": True, "backgroundcolor": "#f4f4f4", "zeroline": False}
    return {
        "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "showlegend": False,
        # same uirevision on every update: a live refresh keeps the angle the user rotated to
        "uirevision": skeleton_name,
        "scene": {
            "xaxis": {**axis, "title": "x (m)", "range": ranges[0]},
            "yaxis": {**axis, "title": "depth (m)", "range": ranges[1]},
            "zaxis": {**axis, "title": "up (m)", "range": ranges[2]},
            "aspectmode": "cube",  # with equal ranges: one metre is as long on every axis
            # the real camera sat at negative depth looking at the person; slightly raised to show depth
            # 2.3 away, not 1.9: nearer, the far top corner with the depth title left the figure ("epth (m)")
            "camera": {"eye": {"x": 0.0, "y": -2.3, "z": 0.42}, "up": {"x": 0, "y": 0, "z": 1}},
        },
    }
