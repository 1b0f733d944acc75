"""The 3D view of a hand or a person (Live under the video, Record's gallery for a chosen sample)."""

from __future__ import annotations

import streamlit as st

from core.types import Keypoints


def view3d_panel(keypoints: tuple[Keypoints, ...] | list[Keypoints], key: str) -> None:
    """The first hand's or person's world keypoints in a rotatable 3D figure (``core.viz.view3d``)."""
    from core.viz.view3d import view_3d  # imports Plotly: only when the view is shown

    shown = next((k for k in keypoints if k.has_depth), None)
    with st.container(key=key):
        if shown is None:
            st.caption(
                "3D view: no keypoints with depth in view" if not keypoints else "3D view: these keypoints are 2D"
            )
            return
        st.plotly_chart(view_3d(shown), key=f"{key}_chart", config={"displaylogo": False, "displayModeBar": False})
        what = "person" if shown.skeleton.name == "body" else "hand"
        # the keys: ui/common/keyboard.js, once the view has the focus
        st.caption(f"3D view of the {what} in metres: drag it or press the arrow keys to turn it, + and - to zoom")
