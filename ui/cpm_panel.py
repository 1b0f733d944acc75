"""The CPM panel: the seed project's three views of the belief maps, for a photo or the live webcam."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from core.io.video import MediaError, read_image_bytes
from core.keypoints.backend import KeypointBackend
from ui.state import limit_torch_threads
from ui.text import plain

if TYPE_CHECKING:
    from core.cpm.estimator import CPMResult

VIEWS = ("MULTI", "SINGLE", "HM")
CAPTIONS = {
    "MULTI": "belief maps of each stage (all joints), then the final pose: the stages sharpen the beliefs",
    "SINGLE": "the final pose",
    "HM": "last stage, one map per joint",
}


@st.cache_resource(show_spinner=False, max_entries=4)
def _cached_estimator(checkpoint: str | None, stamp: float):  # noqa: ANN202 - CPMEstimator (torch loads lazily)
    from core.cpm.estimator import CPMEstimator

    limit_torch_threads()
    return CPMEstimator(checkpoint)


def _estimator(backend: KeypointBackend):  # noqa: ANN202
    """The CPM of ``backend`` (the project's fine-tuned weights, else the shipped ones), reloaded when rewritten."""
    checkpoint = backend.cpm_checkpoint
    return _cached_estimator(None if checkpoint is None else str(checkpoint), backend.cpm_stamp)


# Tile sides in px. The views write their labels in proportion to the tile, so what makes
# them readable is the tile's size on screen: at 1280×800 the webcam panel fills the video
# column (about 460 px: MULTI as a 2×2 grid, HM 4 tiles a row) and a photo's panel the
# page's width (about 820 px: MULTI as one row, HM 6 a row).
MULTI_TILE, SINGLE_SIDE, HM_TILE = 256, 384, 176


def _grid(strip: np.ndarray, tile: int, columns: int) -> np.ndarray:
    """A (tile, n·tile, 3) row of tiles laid out ``columns`` a row (black where the last row is short)."""
    tiles = [strip[:, i : i + tile] for i in range(0, strip.shape[1], tile)]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    return np.vstack([np.hstack(tiles[r : r + columns]) for r in range(0, len(tiles), columns)])


def render(result: CPMResult, view: str, narrow: bool = False) -> np.ndarray:
    """The RGB image of one view (``VIEWS``) of ``result``.

    MULTI: stage tiles then the pose, 256 px each, in one row (``narrow``: two a row);
    SINGLE: 384 × 384; HM: 176 px tiles of the 21 joints and the pose, 6 a row (``narrow``: 4).
    """
    from core.viz.belief_views import heatmap_view, multi_view, single_view

    if view == "MULTI":
        strip = multi_view(result, MULTI_TILE)
        return _grid(strip, MULTI_TILE, 2) if narrow else strip
    if view == "SINGLE":
        return single_view(result, SINGLE_SIDE)
    return heatmap_view(result, HM_TILE, columns=4 if narrow else 6)


def show_result(result: CPMResult | None, view: str) -> None:
    """One view of a CPM result, for the webcam panel under the video (the stream keeps its latest result)."""
    if result is None:
        st.caption("The CPM panel appears when a hand is in view.")
        return
    if not result.has_hand:
        st.caption(f"The CPM does not see a hand in this crop (score {result.score:.2f}).")
    st.image(render(result, view, narrow=True), caption=f"{view}: {CAPTIONS[view]}", width="stretch")


def show(name: str, data: bytes, backend: KeypointBackend | None = None) -> None:
    """MULTI (every stage's beliefs + pose), SINGLE (final pose) and HM (each joint's last map) for the first hand.

    ``backend``: the project's, whose fine-tuned CPM is used if it has one (default: the shipped weights).
    """
    from core.keypoints.landmarks import detect_hands

    try:
        rgb = read_image_bytes(name, data)  # size checked from the header first (core.io.limits)
    except MediaError as exc:
        st.error(plain(f"Could not show the CPM belief maps. {exc}"))  # "name: problem", as the page's other messages
        return
    hands = detect_hands(rgb, max_num_hands=1, zoom_out=True)
    if not hands:
        st.info(plain(f"No hand found in {name}, so there is no crop for the CPM."))
        return
    result = _estimator(backend or KeypointBackend()).estimate_hand(rgb, hands[0])
    if not result.has_hand:
        st.warning(f"The CPM is not confident this crop holds a hand (score {result.score:.2f}).")
    for tab, view in zip(st.tabs(["MULTI: every stage", "SINGLE: final pose", "HM: each joint"]), VIEWS, strict=True):
        tab.image(render(result, view), caption=CAPTIONS[view], width=SINGLE_SIDE if view == "SINGLE" else "stretch")
