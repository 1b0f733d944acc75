"""Record's uploads: photos or videos of a gesture, their hands found in a worker process, then what was added.

Finding hands in a video takes about as long as the video: the job (``core.jobs.sample_tasks.import_files``) runs in
the server's job runner and ``ui.samples.file_jobs`` shows its place in the queue, then frames done of all, the
time left and a Cancel button (a cancelled upload adds nothing).
"""

from __future__ import annotations

import streamlit as st

from core.classes.session_store import sign_in_of
from core.data.imports.extract import ExtractConfig
from core.data.imports.uploads import UploadedFile, UploadReport
from core.data.store import Store
from core.jobs import sample_tasks
from core.jobs.job import IMPORT
from ui.common.text import plain
from ui.samples import file_jobs
from ui.samples.take_panel import rejection_text

JOB = "record_upload_run"


def upload_panel(store: Store, project: str, target: str, title: str, body: bool, extract: ExtractConfig) -> None:
    """The uploader and its Add button for the gesture ``target`` (``title`` as the page shows it)."""
    nonce = st.session_state.setdefault("record_upload_nonce", 0)
    files = st.file_uploader(f"Photos or videos of {plain(title)}", accept_multiple_files=True,
                             key=f"record_upload_{nonce}")  # fmt: skip
    running = file_jobs.running(JOB)
    add = st.button(f"Add to {plain(title)}", type="primary", disabled=not files or running, key="record_upload_add")
    if add:
        uploads = [UploadedFile(f.name, f.getvalue()) for f in files or []]
        kwargs = {"data_dir": str(store.data_dir), "project": project, "class_name": target, "files": uploads,
                  "config": extract, **sign_in_of(store)}  # fmt: skip
        file_jobs.submit(JOB, IMPORT, sample_tasks.import_files, kwargs, project, tag=title)
    finished = file_jobs.follow(JOB, f"Looking for {'people' if body else 'hands'}", st.empty())
    if finished is not None:
        _outcome(finished, body, nonce)
    if skipped := st.session_state.pop("record_upload_skipped", ""):
        st.error(skipped)


def _outcome(finished: file_jobs.FileSnapshot, body: bool, nonce: int) -> None:
    """What an ended upload job did: an error, stopped, nothing usable, or added (then the page reruns)."""
    if finished.error is not None:
        st.error(plain(f"Nothing was added. {finished.error}"))
        return
    title, report = finished.tag, finished.result
    if report is None:  # stopped while it waited its turn
        st.info("Stopped: nothing was added.")
        return
    assert isinstance(report, UploadReport)
    if report.cancelled:
        st.info(f"Stopped after {report.frames_text()}: nothing was added.")
        return
    rejected = " ".join(filter(None, [rejection_text(dict(report.rejected)), *report.notes]))
    if report.failed and not report.stored:
        st.error(plain(f"Nothing was added. {report.failed_text()}"))
    if not report.stored and report.frames:
        found = "person" if body else "hand"
        st.warning(plain(f"No usable {found} in {report.frames_text()}, so nothing was added. {rejected}".strip()))
    elif report.stored:
        st.session_state["flash"] = plain(
            f"Added {report.stored} samples of {title} from {report.frames_text()}. {rejected}".strip()
        )
        st.session_state["record_upload_skipped"] = plain(report.failed_text())  # shown after the rerun
        st.session_state["record_upload_nonce"] = nonce + 1
        st.rerun()
