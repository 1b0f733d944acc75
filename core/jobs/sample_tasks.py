"""The job functions of samples coming in: Record's photos and videos, a CSV import, a motion project's clips.

Each opens the store from its ``data_dir`` in the worker, as ``viewer`` (the signed-in student: a project they
may only read refuses the import, as on the page; None: no sign-in), parses and checks there (the web process
only hands over the uploaded bytes) and reports frames or rows done of all through ``context.steps``; a cancel
stops it before the next frame or row with nothing stored (``core.data.imports.uploads``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.data.csv_files.csv_io import ImportReport
from core.data.imports.extract import ExtractConfig
from core.data.imports.uploads import UploadedFile, UploadReport
from core.jobs.job import JobContext

if TYPE_CHECKING:
    from core.classes.access import Viewer
    from core.classes.session import SessionRef


def import_files(context: JobContext, data_dir: str | Path, project: str, class_name: str, files: list[UploadedFile],
                 config: ExtractConfig | None = None, viewer: Viewer | None = None,
                 session: SessionRef | None = None) -> UploadReport:  # fmt: skip
    """Photos and videos → samples of ``class_name`` (``core.data.imports.uploads.import_uploads``), frames as progress."""
    from core.classes.session_store import job_store
    from core.data.imports.uploads import import_uploads

    store = job_store(data_dir, viewer, session)
    return import_uploads(store, project, class_name, files, config, context.steps, context.cancel)


def import_csv(context: JobContext, data_dir: str | Path, project: str, files: list[UploadedFile],
               viewer: Viewer | None = None,
               session: SessionRef | None = None) -> ImportReport | None:  # fmt: skip
    """A handteach CSV or a kinivi pair (``core.data.imports.uploads.import_csv_uploads``), rows as progress; None: stopped."""
    from core.classes.session_store import job_store
    from core.data.imports.uploads import import_csv_uploads

    return import_csv_uploads(job_store(data_dir, viewer, session), project, files, context.steps, context.cancel)


def extract_clips(context: JobContext, data_dir: str | Path, project: str, class_name: str,
                  files: list[UploadedFile], viewer: Viewer | None = None,
                  session: SessionRef | None = None) -> tuple[int, list[str], bool]:  # fmt: skip
    """Each video one clip of ``class_name`` (``core.data.imports.uploads.upload_clips``): (clips stored, problems of the
    files refused, stopped), frames as progress."""
    from core.classes.session_store import job_store
    from core.data.imports.uploads import upload_clips

    return upload_clips(job_store(data_dir, viewer, session), project, class_name, files, context.steps, context.cancel)
