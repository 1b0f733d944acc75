"""Live on an image or video file: the gestures recognised off the page's script, then the annotated file.

A 13 s video showed "Recognising…" for 13 s; ``ui.samples.file_jobs`` now shows frames done of all, the time
left and a Cancel button (a cancelled file shows nothing), and the result shows beside its own upload only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.data.imports.uploads import UploadedFile
from core.gestures.catalog import GestureClass
from core.gestures.classifier import GestureClassifier
from core.io.video import VIDEO_EXTENSIONS
from core.keypoints.backend import KeypointBackend
from ui.common import state
from ui.common.text import plain
from ui.live import cpm_panel
from ui.samples import file_jobs, take_panel
from ui.samples.uploads import AnnotatedUpload, annotate_upload

JOB = "live_annotate_run"


def file_panel(model: GestureClassifier | None, gestures: list[GestureClass], backend: KeypointBackend,
               body: bool) -> None:  # fmt: skip
    """The uploader, ▶ Recognise, its progress, then the annotated file and its download."""
    nonce = st.session_state.setdefault("live_upload_nonce", 0)
    upload = st.file_uploader("An image or a video", key=f"live_upload_{nonce}")
    is_video = upload is not None and Path(upload.name).suffix.lower() in VIDEO_EXTENSIONS
    every_n = st.slider("Process every n-th frame", 1, 10, 1, key="live_every_n") if is_video else 1
    run = upload is not None and st.button("▶ Recognise", type="primary", key="live_run")
    # (Streamlit's file_id of the upload, its annotated copy): a result shows only beside its own file
    previous = st.session_state.get("live_annotated")
    if run or upload is None or (previous is not None and previous[0] != upload.file_id):
        st.session_state.pop("live_annotated", None)
    if run:
        sent, file_id, complexity = (
            UploadedFile(upload.name, upload.getvalue()),
            upload.file_id,
            state.settings().model_complexity,
        )
        file_jobs.start(JOB, lambda progress, cancel: (file_id, annotate_upload(sent, model, complexity, every_n, backend,
                                                                                progress, cancel)))  # fmt: skip
    slot = st.empty()  # the progress, then the result, in one place (file_jobs.follow)
    finished = file_jobs.follow(JOB, f"Recognising gestures in {plain(upload.name) if upload else 'the file'}", slot)
    if finished is not None:
        _outcome(finished)
    shown = st.session_state.get("live_annotated")
    if shown is not None:
        with slot.container():
            _result(shown[1], gestures)
    photo = upload is not None and not is_video and not body
    if photo and st.toggle(cpm_panel.toggle_label(backend, photo=True), key="live_cpm"):
        cpm_panel.show(upload.name, upload.getvalue(), backend)


def _outcome(finished: file_jobs.FileSnapshot) -> None:
    if finished.error is not None:
        st.error(plain(f"Could not process the file. {finished.error}"))
    elif finished.result is None or finished.result[1] is None:
        st.info("Stopped: nothing was recognised.")
    else:
        st.session_state["live_annotated"] = finished.result


def _result(annotated: AnnotatedUpload, gestures: list[GestureClass]) -> None:
    media_col, info_col = st.columns([3, 2], gap="large")
    with media_col:
        if annotated.kind == "image":
            st.image(annotated.data, caption=annotated.name)
        else:
            st.video(annotated.data, format="video/mp4")
    with info_col:
        take_panel.file_result(annotated, gestures)
        st.download_button("⬇ Download the annotated file", annotated.data, annotated.download_name, annotated.mime,
                           key="live_dl", on_click="ignore")  # fmt: skip
