"""Record's import jobs (core.jobs.sample_tasks) open the store as the signed-in student the page sends: in a
worker, as on the page, a project they may only read refuses the import and keeps its samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from classmaker import make_class

from core.classes.access import NotYoursError
from core.data.csv_files.csv_io import export_kinivi
from core.data.imports.uploads import UploadedFile
from core.jobs import sample_tasks
from core.jobs.job import JobContext


def test_an_import_job_changes_only_what_its_viewer_may(tmp_path: Path) -> None:
    school = make_class(tmp_path / "data")
    ana = school.store(school.ana)
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "keypoint_classifier_label.csv"
    rows = export_kinivi(ana, "ana-signs", keypoints, labels)
    files = [UploadedFile(p.name, p.read_bytes()) for p in (keypoints, labels)]
    before = ana.class_counts("ana-signs")
    with pytest.raises(NotYoursError, match="is not yours"):  # the teacher reads Ana's project, changes none of it
        sample_tasks.import_csv(JobContext(), ana.data_dir, "ana-signs", files, viewer=school.teacher)
    assert ana.class_counts("ana-signs") == before
    report = sample_tasks.import_csv(JobContext(), ana.data_dir, "ana-signs", files, viewer=school.ana)
    assert report is not None and report.n_added == rows == 20
    assert ana.class_counts("ana-signs")["ok"] == before["ok"] + 20
