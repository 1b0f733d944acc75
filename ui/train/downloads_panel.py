"""Train's *Download* section (behind the page's *More*, ``ui.common.more``): the model as ONNX (the built-in
starter model before any training, said so), the samples as handteach CSV or kinivi's keypoint CSV files (zip).
The bytes are made when a button is pressed (``ui.train.exports``)."""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.classifier import ModelFileError
from ui.common import state, widgets
from ui.train import exports


def panel(store: Store, project: str, gestures: list[GestureClass], counts: dict[str, int], body: bool) -> None:
    """The section's heading, the starter's note where it applies and the three buttons."""
    st.divider()
    st.header("Download")
    try:
        model = state.project_model(project, starter_fallback=not body)  # as export-onnx: untrained, the starter
    except ModelFileError as exc:
        st.error(widgets.plain(f"The saved model cannot be read: {exc}"))
        model = None
    onnx = exports.onnx_download(model, project)
    if onnx.note:
        st.caption(onnx.note)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        onnx.label,
        data=lambda: exports.onnx_bytes(model, gestures),
        file_name=onnx.file_name,
        mime="application/octet-stream",
        disabled=model is None,
        help="MediaPipe landmarks and the image size in → 'probabilities' and 'class_index' out; "
        "classes, emoji and threshold in the metadata (handteach's documentation: Export)",
        key="download_onnx",
        on_click="ignore",  # no rerun: the other buttons' deferred downloads stay valid
    )
    c2.download_button(
        "⬇ Dataset (handteach CSV)",
        data=lambda: exports.handteach_csv_bytes(store, project),
        file_name=f"{project}.csv",
        mime="text/csv",
        disabled=not sum(counts.values()),
        key="download_csv",
        on_click="ignore",  # no rerun: the other buttons' deferred downloads stay valid
    )
    c3.download_button(
        "⬇ Dataset (kinivi keypoint CSV, zip)",
        data=lambda: exports.kinivi_zip_bytes(store, project),
        file_name=f"{project}-kinivi.zip",
        mime="application/zip",
        disabled=body or not sum(counts.values()),
        help="Hands only: kinivi's format holds 21 hand points" if body else None,
        key="download_kinivi",
        on_click="ignore",  # no rerun: the other buttons' deferred downloads stay valid
    )
