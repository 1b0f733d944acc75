"""A motion project's video uploads on Record: one file, one clip, the hand followed off the page's script.

Following the hand through a video takes about as long as the video: ``ui.samples.file_jobs`` shows frames
done of all, the time left and a Cancel button meanwhile (a cancelled upload adds no clip).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import streamlit as st

from core.data.project_motion import extract_clips
from core.data.store import Store
from core.io.progress import Progress
from core.io.video import MediaError
from ui.common import widgets
from ui.samples import file_jobs
from ui.samples.uploads import UploadedFile, unique_name, write_upload

CLIP_JOB = "clip_upload_run"  # ui.samples.file_jobs' job of a motion project's uploads


def upload_clips(store: Store, project: str, class_name: str, uploads: list[UploadedFile],
                 on_progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> tuple[int, list[str], bool]:  # fmt: skip
    """Each uploaded video becomes one clip of ``class_name``: (clips stored, ``<file>: <problem>`` of those refused,
    whether ``cancel`` stopped it: then nothing is stored). ``on_progress``: frames done of all the videos'."""
    refused: list[str] = []
    with tempfile.TemporaryDirectory(prefix="handteach-clips-") as tmp:
        folder = str(Path(tmp)) + "/"  # errors name the file as the user picked it, not its temporary copy
        paths, taken = [], set()
        for upload in uploads:
            try:
                paths.append(write_upload(upload, Path(tmp), taken))
            except MediaError as exc:
                refused.append(str(exc))
        if not paths:
            return 0, refused, False
        try:
            report = extract_clips(store, project, class_name, paths, on_progress=on_progress, cancel=cancel)
        except ValueError as exc:  # no file made a clip: nothing stored
            return 0, refused + [r.replace(folder, "") for r in str(exc).split("\nerror: ")], False
    return len(report.clip_ids), refused + [r.replace(folder, "") for r in report.refused], report.cancelled


def record_uploads(store: Store, project: str, class_name: str) -> None:
    """Upload videos of a motion gesture: one file, one clip."""
    nonce = st.session_state.setdefault("clip_upload_nonce", 0)
    files = st.file_uploader(
        "Or upload videos (one file = one take of the gesture, up to 10 s)",
        accept_multiple_files=True,
        key=f"clip_upload_{nonce}",
    )
    if files and st.button("➕ Add these clips", key="clip_upload_add", type="primary"):
        uploads = [UploadedFile(unique_name(f.name, set()), f.getvalue()) for f in files]
        file_jobs.start(CLIP_JOB, lambda progress, cancel: upload_clips(store, project, class_name, uploads, progress,
                                                                        cancel))  # fmt: skip
    finished = file_jobs.follow(CLIP_JOB, "Following the hand", st.empty())  # frames done, time left, Cancel
    if finished is None:
        return
    if finished.error is not None:
        st.error(widgets.plain(f"Nothing was added. {finished.error}"))
        return
    stored, refused, cancelled = finished.result
    if cancelled:
        st.info("Stopped: no clip was added.")
    for problem in refused:
        st.error(widgets.plain(problem))
    if stored:
        st.session_state["clip_upload_nonce"] = nonce + 1
        st.session_state["flash"] = f"Added {stored} clip(s) of {widgets.plain(class_name)}."
        st.rerun()
