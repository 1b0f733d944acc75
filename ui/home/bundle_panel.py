"""Home's project files: download the current project as one ``.handteach`` file, or open one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO

import streamlit as st

from core.classes.quotas import check_file
from core.data.bundles.bundle import (
    BundleError,
    ImportReport,
    ProjectExistsError,
    bundle_name,
    export_project,
    import_project,
)
from core.data.store import Store
from core.io.limits import check_upload_bytes
from ui.common import state, widgets

HELP = ("One file with everything of the project: its gestures, samples with their pictures (or clips) and "
        "what the computer learned from them. Open it on another machine with **Open a project file**.")  # fmt: skip


def bundle_bytes(store: Store, project: str) -> bytes:
    """``project`` as a .handteach file, through a temporary file."""
    with tempfile.TemporaryDirectory(prefix="handteach-bundle-") as tmp:
        path = Path(tmp) / bundle_name(project)
        export_project(store, project, path)
        return path.read_bytes()


def download_button(store: Store, project: str) -> None:
    st.download_button(
        "⬇ Download project",
        data=lambda: bundle_bytes(store, project),  # made on click, not on every run of Home
        file_name=bundle_name(project),
        mime="application/zip",
        help=HELP,
        key="home_download_project",
        on_click="ignore",
    )


def open_upload(store: Store, name: str, size: int, data: IO[bytes], as_name: str | None,
                replace: bool) -> ImportReport:  # fmt: skip
    """Import an uploaded project file (its size checked before a byte is read); errors name ``name``."""
    check_upload_bytes(name, size)
    check_file(store, store.viewer.account_id if store.viewer else None, name, size)  # a student's room, unread
    with tempfile.TemporaryDirectory(prefix="handteach-open-") as tmp:
        path = Path(tmp) / "upload.handteach"
        with open(path, "wb") as out:
            shutil.copyfileobj(data, out)
        try:
            return import_project(store, path, as_name=as_name, replace=replace)
        except ProjectExistsError:
            raise
        except ValueError as exc:  # BundleError, StoreError, InvalidNameError: named by the upload, not the copy
            raise BundleError(str(exc).replace(str(path), name)) from None


def open_panel(store: Store) -> None:
    """An uploader with a name field and a replace box; a clear error and nothing stored for a bad file."""
    nonce = st.session_state.setdefault("home_bundle_nonce", 0)
    with st.expander("📂 Open a project file"):
        upload = st.file_uploader("Project file", type=["handteach"], key=f"home_bundle_{nonce}", help=HELP)
        as_name = st.text_input("Open as", placeholder="the name saved in the file", key="home_bundle_name")
        replace = st.checkbox("Replace a project of that name (all its samples and what it learned)",
                              key="home_bundle_replace")  # fmt: skip
        if not st.button("Open project", disabled=upload is None, key="home_bundle_open") or upload is None:
            return
        try:
            with st.spinner("Checking and opening…"):
                report = open_upload(store, upload.name, upload.size, upload, as_name.strip() or None, replace)
        except ProjectExistsError as exc:
            st.error(widgets.plain(f"Nothing was opened: a project named {exc.name!r} already exists. Type another "
                                   "name under “Open as”, or tick “Replace”."))  # fmt: skip
            return
        except ValueError as exc:  # BundleError, LimitError, StoreError: each names the file
            st.error(widgets.plain(f"Nothing was opened. {exc}"))
            return
    state.set_project(report.project)
    rows = f"{report.clips} clips" if report.clips else f"{report.samples} samples"
    learned = " and what it learned" if report.models else ""
    verb = "Replaced" if report.replaced else "Opened"
    st.session_state["flash"] = widgets.plain(f"{verb} project {report.project!r}: {rows}{learned}.")
    st.session_state["home_bundle_nonce"] = nonce + 1
    st.rerun()
