"""The CPM panel: the seed project's three views of the belief maps, for a photo or the live webcam.

For a resnet-deconv project the panel shows the ResNet-deconv instead (the project's network,
``KeypointBackend.network``): its MULTI view is the heatmaps, the attention maps and the pose in one grid
(``core.viz.attention_views.overview``); SINGLE and HM are as the CPM's.

Above the views, in words (``trust_words``): how many joints the network is sure of, and whether it agrees with
MediaPipe on the same hand (``core.cpm.evaluation.agreement``), so a pose with crossed fingers is not passed off
as the network sharpening its beliefs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from core.cpm.evaluation.agreement import Agreement, agreement, sure_joints
from core.data.project_cpm import TITLES
from core.io.video import MediaError, read_image_bytes
from core.keypoints.backend import KeypointBackend
from ui.common.state import limit_torch_threads
from ui.common.text import plain

if TYPE_CHECKING:
    from core.cpm.estimator import CPMResult
    from core.types import Keypoints
    from ui.webcam.stream import StreamSnapshot

VIEWS = ("MULTI", "SINGLE", "HM")
CAPTIONS = {
    "MULTI": "where the CPM thinks the joints are after each of its steps (all joints in one map, brighter: surer), "
    "then the joints it settled on (rings: joints it is unsure of)",
    "SINGLE": "the joints the network settled on (rings: joints it is unsure of)",
    "HM": "the last step, one map per joint (brighter: surer)",
}
ATTENTION_CAPTION = (  # MULTI of a network with attention maps (the ResNet-deconv)
    "heatmaps (all joints), where the network looks (holistic attention) and the pose, then the part-wise "
    "attention of the palm and each finger"
)


def title(backend: KeypointBackend) -> str:
    """The name of the network the panel shows for ``backend``'s project ("CPM" or "ResNet-deconv")."""
    return TITLES[backend.network]


def toggle_label(backend: KeypointBackend, photo: bool = False) -> str:
    """The Live page's switch for the panel: the CPM's belief maps, or the ResNet-deconv's heatmaps + attention."""
    what = "belief maps" if backend.network == "cpm" else "heatmaps and attention"
    return f"🔬 Show the {title(backend)} {what}" if photo else f"🔬 {title(backend)} {what}"


def stream_toggle(backend: KeypointBackend) -> bool:
    """Live's webcam switch for the panel (one network pass per frame); True when on."""
    return st.toggle(toggle_label(backend), key="live_cpm_stream", help=f"One {title(backend)} pass per frame")


def view_choice(backend: KeypointBackend) -> str:
    """Which of ``VIEWS`` the webcam panel shows (MULTI unless another is chosen)."""
    return st.segmented_control(f"{title(backend)} view", VIEWS, default="MULTI", key="live_cpm_view") or "MULTI"


def caption(result: CPMResult, view: str) -> str:
    """What ``render(result, view)`` shows."""
    return ATTENTION_CAPTION if view == "MULTI" and has_attention(result) else CAPTIONS[view]


def trust_words(result: CPMResult, name: str, mediapipe: Keypoints | None, used: str) -> tuple[str, bool]:
    """How far to trust ``result``, in sentences: the joints the network ``name`` is sure of, then its agreement
    with ``mediapipe``'s keypoints of the same hand when there are any; and whether they warn (no hand, or a
    disagreement). ``used``: whose joints the project's gestures are made of ("MediaPipe" or the network's title)."""
    name = plain(name)  # a network's title may be typed: its characters, never Markdown
    sure, joints = sure_joints(result.confidence), len(result.confidence)
    if not result.has_hand:
        words = [f"The {name} is not sure this crop holds a hand: it is sure of {sure} of its {joints} joints."]
    elif sure == joints:
        words = [f"The {name} is sure of all {joints} joints."]
    else:
        words = [f"The {name} is sure of {sure} of {joints} joints; the rings are the ones it is unsure of."]
    found = None if mediapipe is None else agreement(result.keypoints_px, mediapipe)
    if found is not None:
        words.append(agreement_words(found, name, used))
    return " ".join(words), not result.has_hand or (found is not None and not found.agrees)


def agreement_words(found: Agreement, name: str, used: str) -> str:
    """ "The CPM agrees with MediaPipe on this hand: …" or, plainly, that it disagrees and whose skeleton counts."""
    away = f"its joints are on average {found.mean_px:.0f} px from MediaPipe's ({found.share:.0%} of the hand's size)"
    if found.agrees:
        return f"The {name} agrees with MediaPipe on this hand: {away}."
    whose = ("MediaPipe's skeleton is the one used for gestures." if used == "MediaPipe"
             else f"This project's gestures use the {used}'s joints.")  # fmt: skip
    return (f"**The {name} disagrees with MediaPipe on this hand**: {away}, {found.far} of them more than a fifth "
            f"of the hand away. {whose}")  # fmt: skip


def _used(backend: KeypointBackend) -> str:
    return "MediaPipe" if backend.name == "mediapipe" else TITLES[backend.network]


def has_attention(result: CPMResult) -> bool:
    """Whether the network returned attention maps (a ResNet-deconv with attention; never the CPM)."""
    return result.attention.shape[0] > 0


@st.cache_resource(show_spinner=False, max_entries=4)
def _cached_estimator(checkpoint: str | None, stamp: float):  # noqa: ANN202 - CPMEstimator (torch loads lazily)
    from core.cpm.estimator import CPMEstimator

    limit_torch_threads()
    return CPMEstimator(checkpoint)


def _estimator(backend: KeypointBackend):  # noqa: ANN202
    """The network of ``backend`` (the project's fine-tuned weights, else the shipped ones), reloaded when rewritten.

    ``MissingWeightsError`` (a ValueError) names the folder when the weights are not there.
    """
    return _cached_estimator(str(backend.require_weights()), backend.cpm_stamp)


# Tile sides in px. The views write their labels in proportion to the tile, so what makes
# them readable is the tile's size on screen: at 1280×800 the webcam panel fills the video
# column (about 460 px: MULTI as a 2×2 grid, HM 4 tiles a row) and a photo's panel the
# page's width (about 820 px: MULTI as one row, HM 6 a row).
MULTI_TILE, SINGLE_SIDE, HM_TILE = 256, 384, 176
# The ResNet-deconv's MULTI: a 3×3 grid of 200 px tiles, about 150 px each in the video column and 200 px (the
# image's own size) on a photo's panel, where it is shown ATTENTION_WIDTH wide rather than across the page.
ATTENTION_TILE, ATTENTION_WIDTH = 200, 600


def _grid(strip: np.ndarray, tile: int, columns: int) -> np.ndarray:
    """A (tile, n·tile, 3) row of tiles laid out ``columns`` a row (black where the last row is short)."""
    tiles = [strip[:, i : i + tile] for i in range(0, strip.shape[1], tile)]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    return np.vstack([np.hstack(tiles[r : r + columns]) for r in range(0, len(tiles), columns)])


def render(result: CPMResult, view: str, narrow: bool = False) -> np.ndarray:
    """The RGB image of one view (``VIEWS``) of ``result``.

    MULTI: stage tiles then the pose, 256 px each, in one row (``narrow``: two a row); with attention maps (the
    ResNet-deconv): ``attention_views.overview``, 200 px tiles three a row;
    SINGLE: 384 × 384; HM: 176 px tiles of the 21 joints and the pose, 6 a row (``narrow``: 4).
    """
    from core.viz.belief_views import heatmap_view, multi_view, single_view

    if view == "MULTI" and has_attention(result):
        from core.viz.attention_views import overview

        return overview(result, ATTENTION_TILE, columns=3)
    if view == "MULTI":
        strip = multi_view(result, MULTI_TILE)
        return _grid(strip, MULTI_TILE, 2) if narrow else strip
    if view == "SINGLE":
        return single_view(result, SINGLE_SIDE)
    return heatmap_view(result, HM_TILE, columns=4 if narrow else 6)


def show_result(result: CPMResult | None, view: str, name: str = "CPM", mediapipe: Keypoints | None = None) -> None:
    """One view of a network's result, for the webcam panel under the video (the stream keeps its latest result).

    ``name``: the network's title (``title``), for the captions; ``mediapipe``: MediaPipe's keypoints of the hand
    the network read, in a MediaPipe project (``StreamSnapshot.cpm_mediapipe``; None where the project's keypoints
    are the network's own).
    """
    if result is None:
        st.caption(plain(f"The {name} panel appears when a hand is in view."))
        return
    words, warn = trust_words(result, name, mediapipe, "MediaPipe")
    with st.container(key="cpm_trust"):
        (st.warning if warn else st.caption)(words)
    st.image(render(result, view, narrow=True), caption=f"{view}: {caption(result, view)}", width="stretch")


def show_stream(snapshot: StreamSnapshot, view: str, name: str = "CPM") -> None:
    """``show_result`` of a webcam stream's latest CPM result, compared with MediaPipe's hand it read."""
    show_result(snapshot.cpm, view, name, snapshot.cpm_mediapipe)


def show(name: str, data: bytes, backend: KeypointBackend | None = None) -> None:
    """MULTI (every stage's beliefs + pose), SINGLE (final pose) and HM (each joint's last map) for the first hand.

    ``backend``: the project's, whose network (the ResNet-deconv of a resnet-deconv project, else the CPM) and
    fine-tuned weights are used (default: the shipped CPM). A ResNet-deconv's MULTI shows its attention too.
    """
    from core.keypoints.landmarks import detect_hands

    backend = backend or KeypointBackend()
    name_of = title(backend)
    what = "belief maps" if backend.network == "cpm" else "heatmaps and attention"
    try:
        rgb = read_image_bytes(name, data)  # size checked from the header first (core.io.limits)
        estimator = _estimator(backend)  # missing weights: named
    except (MediaError, ValueError) as exc:  # "name: problem", as the page's other messages
        st.error(plain(f"Could not show the {name_of} {what}. {exc}"))
        return
    hands = detect_hands(rgb, max_num_hands=1, zoom_out=True)
    if not hands:
        st.info(plain(f"No hand found in {name}, so there is no crop for the {name_of}."))
        return
    result = estimator.estimate_hand(rgb, hands[0])
    words, warn = trust_words(result, name_of, hands[0], _used(backend))  # MediaPipe's hand is the crop's
    with st.container(key="cpm_trust"):
        (st.warning if warn else st.markdown)(words)
    attention = has_attention(result)
    labels = ["MULTI: heatmaps + attention" if attention else "MULTI: every stage", "SINGLE: final pose",
              "HM: each joint"]  # fmt: skip
    widths = {"MULTI": ATTENTION_WIDTH if attention else "stretch", "SINGLE": SINGLE_SIDE, "HM": "stretch"}
    for tab, view in zip(st.tabs(labels), VIEWS, strict=True):
        tab.image(render(result, view), caption=caption(result, view), width=widths[view])
