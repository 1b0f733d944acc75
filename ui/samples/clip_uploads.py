"""A motion project's video uploads on Record: one file, one clip, the hand followed in a worker process.

Following the hand through a video takes about as long as the video: the job
(``core.jobs.sample_tasks.extract_clips``) runs in the server's job runner and ``ui.samples.file_jobs`` shows its
place in the queue, then frames done of all, the time left and a Cancel button (a cancelled upload adds no clip).
"""

from __future__ import annotations

import streamlit as st

from core.classes.session_store import sign_in_of
from core.data.imports.uploads import UploadedFile, unique_name
from core.data.store import Store
from core.jobs import sample_tasks
from core.jobs.job import EXTRACT
from ui.common import widgets
from ui.samples import file_jobs

CLIP_JOB = "clip_upload_run"  # ui.samples.file_jobs' job of a motion project's uploads


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
        kwargs = {"data_dir": str(store.data_dir), "project": project, "class_name": class_name, "files": uploads,
                  **sign_in_of(store)}  # fmt: skip
        file_jobs.submit(CLIP_JOB, EXTRACT, sample_tasks.extract_clips, kwargs, project)
    finished = file_jobs.follow(CLIP_JOB, "Following the hand", st.empty())  # frames done, time left, Cancel
    if finished is None:
        return
    if finished.error is not None:
        st.error(widgets.plain(f"Nothing was added. {finished.error}"))
        return
    stored, refused, cancelled = finished.result or (0, [], True)  # None: stopped while it waited its turn
    if cancelled:
        st.info("Stopped: no clip was added.")
    for problem in refused:
        st.error(widgets.plain(problem))
    if stored:
        st.session_state["clip_upload_nonce"] = nonce + 1
        st.session_state["flash"] = f"Added {stored} clip(s) of {widgets.plain(class_name)}."
        st.rerun()
