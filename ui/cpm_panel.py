"""The CPM panel: the seed project's three views of the belief maps for a hand in a photo."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image, ImageOps, UnidentifiedImageError

from ui.state import limit_torch_threads


@st.cache_resource(show_spinner=False)
def _estimator():  # noqa: ANN202 - CPMEstimator, imported lazily: torch is slow to import
    from core.cpm.estimator import CPMEstimator

    limit_torch_threads()
    return CPMEstimator()


def show(name: str, data: bytes) -> None:
    """MULTI (every stage's beliefs + pose), SINGLE (final pose) and HM (each joint's last map) for the first hand."""
    from core.cpm.views import heatmap_view, multi_view, single_view
    from core.landmarks import detect_hands

    try:
        with Image.open(io.BytesIO(data)) as image:
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        st.error(f"{name} is not an image the CPM can read ({exc}).")
        return
    hands = detect_hands(rgb, max_num_hands=1)
    if not hands:
        st.info(f"No hand found in {name}, so there is no crop for the CPM.")
        return
    result = _estimator().estimate_hand(rgb, hands[0])
    if not result.has_hand:
        st.warning(f"The CPM is not confident this crop holds a hand (score {result.score:.2f}).")
    multi, single, heat = st.tabs(["MULTI: every stage", "SINGLE: final pose", "HM: each joint"])
    multi.image(multi_view(result), caption="belief maps of each stage (all joints), then the final pose")
    single.image(single_view(result))
    heat.image(heatmap_view(result), caption="last stage, one map per joint")
