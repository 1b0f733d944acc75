"""Every column a student fills counts in their quota, text included, and is bounded (core.classes.quotas,
core.data.sql.schema.check_source_name); the projects and gestures a student may make are bounded
(core.classes.making_limits). Issue 74: 120 kB source names stored 127 MB against 0.71 MB counted, a 4.7 MB project
file carried 200 MB of text, and 300 projects of 150 gestures counted as nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.quotas import OverLimitError, row_bytes, set_limits, usage
from core.data.bundles.bundle import export_project, import_project
from core.data.bundles.bundle_format import BundleError
from core.data.bundles.bundle_read import ProjectFile
from core.data.csv_files.csv_cells import CsvFormatError
from core.data.csv_files.csv_handteach import export_handteach, import_handteach
from core.data.sql import schema
from core.data.sql.schema import MAX_SOURCE_NAME_CHARS, Sample, sample_to_row
from core.data.store import StoreError
from tests.classmaker import make_class
from tests.storemaker import make_hand


def _samples(n: int, source: str = "", seed: int = 3) -> list[Sample]:
    rng = np.random.default_rng(seed)
    return [Sample(make_hand(rng), "ok", "image", source) for _ in range(n)]


@both_databases
def test_a_samples_text_counts_as_its_arrays_do(store_database: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ana = school.store(school.ana)
    with ana.read_connection() as conn:
        held = usage(conn, school.ana.account_id)
    batch = _samples(10, "p" * MAX_SOURCE_NAME_CHARS)
    ana.add_samples("ana-signs", batch)
    with ana.read_connection() as conn:
        now = usage(conn, school.ana.account_id)
    assert now[0] == held[0] + 10
    assert now[1] - held[1] == sum(row_bytes(sample_to_row(s)) for s in batch)
    assert now[1] - held[1] > 10 * MAX_SOURCE_NAME_CHARS  # the names are in it
    ana.add_class("ana-signs", "w" * 60, "👋")  # a gesture's name counts too
    with ana.read_connection() as conn:
        assert usage(conn, school.ana.account_id)[1] == now[1] + 61


def test_an_over_long_source_name_is_refused_in_one_line_naming_its_row_and_column(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ana = school.store(school.ana)
    with pytest.raises(StoreError, match=f"source_name is 256 characters long: at most {MAX_SOURCE_NAME_CHARS}"):
        ana.add_samples("ana-signs", _samples(1, "x" * 256))
    good = tmp_path / "good.csv"
    teacher = school.store(school.teacher)
    teacher.create_project("t")
    teacher.add_samples("t", _samples(3, "photo.jpg"))
    export_handteach(teacher, "t", good)
    text = good.read_text(encoding="utf-8").replace("photo.jpg", "y" * 120_000, 1)
    (tmp_path / "long.csv").write_text(text, encoding="utf-8")
    before = sum(ana.class_counts("ana-signs").values())
    with pytest.raises(CsvFormatError) as refused:
        import_handteach(ana, "ana-signs", tmp_path / "long.csv")
    message = str(refused.value)
    assert "line 2" in message and "column source_name: 120,000 characters long" in message and "\n" not in message
    assert sum(ana.class_counts("ana-signs").values()) == before


def test_a_project_files_over_long_text_is_refused_before_storing(tmp_path: Path, monkeypatch) -> None:
    school = make_class(tmp_path)
    teacher = school.store(school.teacher)
    teacher.create_project("long-names")
    with monkeypatch.context() as older:  # a file written elsewhere: the store here would not hold these names
        older.setattr(schema, "MAX_SOURCE_NAME_CHARS", 10**6)
        teacher.add_samples("long-names", _samples(3, "z" * 100_000))
        export_project(teacher, "long-names", tmp_path / "long.handteach")
    with pytest.raises(BundleError, match="sample 0: source_name is 100,000 characters long"):
        import_project(school.store(school.ana), tmp_path / "long.handteach", "ana-long")
    assert "ana-long" not in school.store(school.ana).list_projects()


@pytest.mark.slow
def test_a_project_file_is_counted_by_what_it_holds_unpacked_before_it_is_read(tmp_path: Path, monkeypatch) -> None:
    school = make_class(tmp_path)
    set_limits(school.store(None), school.ana.class_id, megabytes=2)
    teacher = school.store(school.teacher)
    teacher.create_project("big")
    rng = np.random.default_rng(4)
    crops = [rng.integers(0, 2, 75_000, dtype=np.uint8).tobytes() for _ in range(40)]  # 3 MB, about 8 to 1 packed
    teacher.add_samples("big", [Sample(make_hand(rng), "ok", "webcam", crop_jpeg=crop) for crop in crops])
    export_project(teacher, "big", tmp_path / "stored.handteach")
    packed = tmp_path / "packed.handteach"
    with zipfile.ZipFile(tmp_path / "stored.handteach") as source, zipfile.ZipFile(packed, "w") as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    assert packed.stat().st_size < 1_000_000  # 3 MB of pictures in a file under 1 MB

    def never(self: ProjectFile) -> None:
        raise AssertionError("read before the quota was checked")

    monkeypatch.setattr(ProjectFile, "samples", never)
    with pytest.raises(OverLimitError, match=r"packed.handteach is [23]\.\d MB; your class's limit of 2 MB"):
        import_project(school.store(school.ana), packed, "ana-big")


def test_the_projects_and_gestures_a_student_may_make_are_bounded(tmp_path: Path) -> None:
    school = make_class(tmp_path)  # Ana owns ana-signs
    set_limits(school.store(None), school.ana.class_id, projects=2, gestures=9)
    ana = school.store(school.ana)
    ana.create_project("second")  # the eight starter gestures
    with pytest.raises(OverLimitError, match="You have 2 projects and your class's limit is 2: delete one first"):
        ana.create_project("third")
    ana.add_class("second", "wave")
    with pytest.raises(OverLimitError, match="This project has 9 gestures and your class allows 9"):
        ana.add_class("second", "clap")
    assert len(ana.list_classes("second")) == 9 and "third" not in ana.list_projects()
    ana.delete_project("second")
    ana.create_project("third")  # room again
    teacher = school.store(school.teacher)
    for n in range(3):
        teacher.create_project(f"teacher-{n}")  # a teacher is not bounded
