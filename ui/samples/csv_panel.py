"""The Record page's CSV import: a handteach CSV, or a kinivi keypoint.csv with its label file, parsed and stored in
a worker process (``core.jobs.sample_tasks.import_csv`` in the server's job runner)."""

from __future__ import annotations

import streamlit as st

from core.classes.quotas import OverLimitError, check_file
from core.classes.session_store import sign_in_of
from core.data.csv_files.two_hands import two_hands_text
from core.data.imports.uploads import UploadedFile
from core.data.store import Store
from core.jobs import sample_tasks
from core.jobs.job import IMPORT
from ui.common.text import plain
from ui.samples import file_jobs

JOB = "record_csv_run"  # ui.samples.file_jobs' job of a CSV import

HELP = (
    "A handteach CSV (from **Download dataset** or `python -m core export`), or the two files of the "
    "kinivi hand-gesture-recognition repo: `keypoint.csv` and `keypoint_classifier_label.csv`. "
    "Gestures named in the file that the project lacks are added."
)


def over_limit(store: Store, files: list) -> str | None:
    """A student's file bigger than their class lets them store, in one line: refused before it is read or sent to
    a worker (a 190 MB CSV held the one worker 58 s), else None."""
    account = store.viewer.account_id if store.viewer is not None else None
    try:
        for f in files:
            check_file(store, account, f.name, f.size)
    except OverLimitError as exc:
        return str(exc)
    return None


def csv_import_panel(store: Store, project: str) -> None:
    """Upload, import all or nothing, and say what was added (or which file and line is wrong)."""
    nonce = st.session_state.setdefault("record_csv_nonce", 0)
    files = st.file_uploader(
        "Keypoint CSV files", type=["csv"], accept_multiple_files=True, key=f"record_csv_{nonce}", help=HELP
    )
    st.caption(HELP)
    pressed = st.button("Import", type="primary", disabled=not files or file_jobs.running(JOB), key="record_csv_import")
    if pressed and (refused := over_limit(store, files or [])):
        st.error(plain(f"Nothing was imported. {refused}"))
    elif pressed:
        uploads = [UploadedFile(f.name, f.getvalue()) for f in files or []]
        kwargs = {"data_dir": str(store.data_dir), "project": project, "files": uploads, **sign_in_of(store)}
        file_jobs.submit(JOB, IMPORT, sample_tasks.import_csv, kwargs, project)
    finished = file_jobs.follow(JOB, "Importing", st.empty(), unit="row")  # rows done, time left, Cancel
    if finished is None:
        return
    report = finished.result
    if finished.error is not None:
        st.error(plain(f"Nothing was imported. {finished.error}"))
        return
    if report is None:
        st.info("Stopped: nothing was imported.")
        return
    per_class = ", ".join(f"{name} {n}" for name, n in sorted(report.per_class.items()))
    new = f" New gestures: {', '.join(report.new_classes)}." if report.new_classes else ""
    st.session_state["flash"] = plain(f"Imported {report.n_added} samples ({per_class}).{new}")  # the file's names
    if report.two_hand_classes:
        st.session_state["flash_warning"] = plain(two_hands_text(report.two_hand_classes))
    st.session_state["record_csv_nonce"] = nonce + 1
    st.rerun()
