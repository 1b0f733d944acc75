"""A class's limits (core.classes.quotas) on a real store: a student's samples and bytes bounded at the store's write
paths, a file refused by its size before it is read, a training by its settings, set by the teacher (command line)."""

from __future__ import annotations

import re
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.access import Viewer
from core.classes.quotas import (
    DEFAULTS,
    MB,
    ClassLimits,
    OverLimitError,
    check_training,
    limits_of,
    parse_limits,
    set_limits,
    usage,
)
from core.cli.main import main
from core.data.bundles import bundle_import
from core.data.bundles.bundle import export_project, import_project
from core.data.imports.uploads import UploadedFile, import_csv_uploads
from core.data.project import save_project_model
from core.data.sql.schema import Sample
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig
from tests.classmaker import ClassSetup, make_class
from tests.storemaker import make_hand


def _samples(n: int, seed: int = 5, crop: bytes | None = None) -> list[Sample]:
    rng = np.random.default_rng(seed)
    return [Sample(make_hand(rng), "ok", "webcam", crop_jpeg=crop) for _ in range(n)]


@pytest.mark.slow
@both_databases
def test_a_student_stores_up_to_the_class_limit_and_is_told_in_one_line(store_database: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)  # Ana holds 20 samples, Ben 5
    set_limits(school.store(None), school.ana.class_id, samples=30)
    ana = school.store(school.ana)
    with pytest.raises(OverLimitError) as refused:
        ana.add_samples("ana-signs", _samples(15))
    assert str(refused.value) == "You have 30 samples, your class's limit: ask your teacher (or delete some first)."
    assert sum(ana.class_counts("ana-signs").values()) == 20  # all or nothing: none of the 15 was kept
    ana.add_samples("ana-signs", _samples(10))  # up to the limit
    assert sum(ana.class_counts("ana-signs").values()) == 30
    school.store(school.ben).add_samples("ben-signs", _samples(25))  # Ben's own count: 30 too
    teacher = school.store(school.teacher)
    teacher.create_project("teacher-signs")
    teacher.add_samples("teacher-signs", _samples(50))  # the teacher is not bounded


@pytest.mark.slow
@both_databases
def test_bytes_are_bounded_too(store_database: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)
    set_limits(school.store(None), school.ana.class_id, megabytes=1)
    ana = school.store(school.ana)
    with pytest.raises(
        OverLimitError, match=r"^Your samples and models take \d\.\d MB and your class's limit is 1 MB: ask your"
    ):
        ana.add_samples("ana-signs", _samples(40, crop=b"\xff" * 50_000))  # 2 MB of pictures
    assert sum(ana.class_counts("ana-signs").values()) == 20


def test_a_big_csv_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    set_limits(school.store(None), school.ana.class_id, megabytes=1)
    junk = UploadedFile("big.csv", b"not,a,csv\n" * 300_000)  # 3 MB that would fail as a CSV once parsed
    started = time.perf_counter()
    with pytest.raises(OverLimitError) as refused:
        import_csv_uploads(school.store(school.ana), "ana-signs", [junk])
    assert time.perf_counter() - started < 0.5
    assert str(refused.value).startswith("big.csv is 2.9 MB; your class's limit of 1 MB leaves you 0.")
    rows = UploadedFile("rows.csv", b"x\n" * 6_000)  # within the bytes, over the samples: its lines are counted
    with pytest.raises(
        OverLimitError, match="rows.csv holds 5,999 samples; you have 20 of your class's limit of 5,000"
    ):
        import_csv_uploads(school.store(school.ana), "ana-signs", [rows])


def test_a_project_file_is_refused_by_its_header_before_its_samples_are_read(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ana = school.store(school.ana)
    export_project(ana, "ana-signs", tmp_path / "ana.handteach")  # 20 samples
    set_limits(school.store(None), school.ana.class_id, samples=30)
    with pytest.raises(OverLimitError, match="holds 20 samples; you have 20 of your class's limit of 30: ask your"):
        import_project(ana, tmp_path / "ana.handteach", as_name="again")
    assert ana.list_projects() == ["ana-signs"]
    import_project(school.store(school.teacher), tmp_path / "ana.handteach", as_name="teachers")  # not bounded


def test_a_model_over_the_class_bounds_is_refused_in_words() -> None:
    check_training(None, (2048,) * 8, 3000)  # no class: the server's own bounds only
    check_training(DEFAULTS, (256, 256, 256), 300)
    with pytest.raises(OverLimitError, match="^Hidden layer sizes: your class allows at most 3 layers of at most 256"):
        check_training(DEFAULTS, (2048,) * 8, 300)
    with pytest.raises(OverLimitError, match="^Passes over the samples: your class allows at most 300: ask your"):
        check_training(DEFAULTS, (128, 64), 3000)


def test_stored_limits_are_read_forgivingly_and_checked_when_set(tmp_path: Path) -> None:
    assert parse_limits("not json") == parse_limits(None) == DEFAULTS
    assert parse_limits('{"samples": 99, "width": -1, "epochs": "many"}') == ClassLimits(samples=99)
    school = make_class(tmp_path)
    with pytest.raises(ValueError, match="the limit --max-width must be a whole number from 1 to 2,048, got 4096"):
        set_limits(school.store(None), school.ana.class_id, width=4096)
    assert limits_of(school.store(None), school.ana.class_id) == DEFAULTS


def test_the_teacher_sets_the_limits_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school = make_class(tmp_path)
    code = main(["--data", str(tmp_path), "class", "set", "7B", "--samples", "20000", "--job-seconds", "300"])
    out = capsys.readouterr().out
    assert code == 0 and "at most 20,000 samples and 50 MB" in out and "a job stops after 300 s" in out
    assert limits_of(school.store(None), school.ana.class_id) == ClassLimits(samples=20_000, job_seconds=300)
    assert main(["--data", str(tmp_path), "class", "set", "7B", "--max-layers", "9"]) == 2
    assert capsys.readouterr().err.startswith("error: the limit --max-layers must be a whole number from 1 to 8")


@pytest.mark.slow
@both_databases
def test_a_project_file_replacing_ones_own_project_counts_only_what_stays(store_database: str, tmp_path: Path) -> None:
    """Replace on import deletes the old project when the new one is named: at 20 of 30 samples, re-importing
    one's own 20 over them leaves 20 (it was refused, the old and the new counted together); a copy beside them,
    or replacing a smaller project with a bigger file, is still refused."""
    school = make_class(tmp_path)  # Ana holds 20 samples in ana-signs
    ana = school.store(school.ana)
    export_project(ana, "ana-signs", tmp_path / "ana.handteach")
    set_limits(school.store(None), school.ana.class_id, samples=30)
    import_project(ana, tmp_path / "ana.handteach", as_name="ana-signs", replace=True)
    assert ana.list_projects() == ["ana-signs"] and sum(ana.class_counts("ana-signs").values()) == 20
    with pytest.raises(OverLimitError, match="holds 20 samples; you have 20 of your class's limit of 30"):
        import_project(ana, tmp_path / "ana.handteach", as_name="a copy")
    ana.create_project("small")
    ana.add_samples("small", _samples(5))
    with pytest.raises(OverLimitError, match="holds 20 samples; you have 20 of your class's limit of 30"):
        import_project(ana, tmp_path / "ana.handteach", as_name="small", replace=True)  # 20 + 20 stays over
    assert sorted(ana.list_projects()) == ["ana-signs", "small"]


def _file_with_model(school: ClassSetup, path: Path, hidden: tuple[int, ...]) -> int:
    """A project file of the teacher's with 2 samples and a gesture model of ``hidden`` layers; its model's bytes."""
    teacher = school.store(school.teacher)
    name = f"model {len(hidden)}x{max(hidden)}"
    teacher.create_project(name)
    teacher.add_samples(name, _samples(2))
    save_project_model(teacher, name, GestureClassifier(["ok", "fist"], FeatureConfig(), hidden=hidden))
    export_project(teacher, name, path)
    with zipfile.ZipFile(path) as bundle:
        return sum(i.file_size for i in bundle.infolist() if i.filename.startswith("model/"))


def _held(school: ClassSetup, viewer: Viewer) -> tuple[int, int]:
    store = school.store(viewer)
    with store.read_connection() as conn:
        return usage(conn, viewer.account_id, folders=None if store.shared else store.data_dir)


@pytest.mark.slow
@both_databases
def test_models_count_in_the_quota_and_an_imported_model_keeps_to_the_class_bounds(store_database: str,
                                                                                  tmp_path: Path) -> None:  # fmt: skip
    """The same project file imported again and again held 85.9 MB of models against a 50 MB limit (models were
    outside the quota), and a 6×1024 model came in where the class allows 3×256: models count with the samples
    (rows on a shared store, files on one server), and an imported gesture model keeps to the class's bounds."""
    school = make_class(tmp_path)  # Ana holds 20 samples with pictures
    model_bytes = _file_with_model(school, tmp_path / "wide.handteach", (256, 256, 256))
    set_limits(school.store(None), school.ana.class_id, megabytes=2)
    ana = school.store(school.ana)
    imported = 0
    with pytest.raises(OverLimitError, match=r"MB; your class's limit of 2 MB leaves you \d\.\d MB: ask your teacher"):
        for copy in range(10):
            import_project(ana, tmp_path / "wide.handteach", as_name=f"copy {copy}")
            imported += 1
    assert 1 <= imported < 10 and _held(school, school.ana)[1] <= 2 * MB
    assert _held(school, school.ana)[1] >= imported * model_bytes  # each copy's model is counted
    with pytest.raises(OverLimitError, match="^Your samples and models take"):
        ana.add_samples("ana-signs", _samples(10, crop=b"\xff" * (2 * MB // 10)))  # and leaves no room for these
    with pytest.raises(OverLimitError, match="^Your samples and models take .* ask your teacher; the model was not"):
        for trained in range(5):  # a trained model counts too (one server: a student already over saves no more)
            ana.create_project(f"trained {trained}")
            save_project_model(
                ana, f"trained {trained}", GestureClassifier(["ok", "fist"], FeatureConfig(), (256,) * 3)
            )
    over = 0 if store_database == "postgresql" else model_bytes  # one server's model files: checked before a save
    assert _held(school, school.ana)[1] <= 2 * MB + over
    set_limits(school.store(None), school.ana.class_id, megabytes=50)
    for hidden in ((64, 64, 64, 64), (512,)):  # 4 layers, 512 wide: the class allows 3 of 256
        _file_with_model(school, tmp_path / "big.handteach", hidden)
        with pytest.raises(OverLimitError) as refused:
            import_project(ana, tmp_path / "big.handteach", as_name="big")
        assert str(refused.value) == (f"{tmp_path / 'big.handteach'} holds a gesture model of {len(hidden)} layers "
                                      f"of up to {max(hidden)} neurons; your class allows 3 layers of 256: ask your "
                                      "teacher.")  # fmt: skip
    assert "big" not in ana.list_projects()
    import_project(school.store(school.teacher), tmp_path / "big.handteach", as_name="teachers")  # not bounded


@both_databases
def test_a_replaced_project_renamed_meanwhile_does_not_escape_the_quota(store_database: str, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Replace racing a rename: the project being replaced was renamed in another connection while the file's rows
    went in, so nothing of that name was left to replace and both stayed (380 samples held against 300). The
    quota is counted once more, by project id, in the transaction that names the import: it is refused whole."""
    school = make_class(tmp_path)  # Ana holds 20 samples in ana-signs
    ana = school.store(school.ana)
    export_project(ana, "ana-signs", tmp_path / "ana.handteach")
    set_limits(school.store(None), school.ana.class_id, samples=30)
    naming = bundle_import._name_it
    renamed: list[str] = []

    def rename_first(*args: object) -> bool:
        """Another tab of Ana's renames the project being replaced, on its own connection, just as the rows are in."""
        other = threading.Thread(target=lambda: renamed.append(school.store(school.ana).rename_project("ana-signs",
                                                                                                    "escaped")))  # fmt: skip
        other.start()
        other.join(30)
        return naming(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bundle_import, "_name_it", rename_first)
    with pytest.raises(OverLimitError, match="^With this project you would have 40 samples and your class's limit"):
        import_project(ana, tmp_path / "ana.handteach", as_name="ana-signs", replace=True)
    assert renamed == ["escaped"]
    assert ana.list_projects() == ["escaped"] and _held(school, school.ana)[0] == 20  # the file's rows are gone


@pytest.mark.slow
@both_databases
def test_a_training_over_the_quota_saves_nothing_and_the_train_page_says_so_in_one_line(store_database: str,
                                                                                       tmp_path: Path) -> None:  # fmt: skip
    """What the Train page's worker runs (``core.jobs.tasks.train``) saves no model for a student over their class's
    megabytes; the page shows the refusal as its own line, not as an exception's name."""
    from core.gestures.training import TrainConfig
    from core.jobs import tasks
    from core.jobs.job import JobContext, JobState, JobStatus
    from ui.jobs.training import TrainingRun

    school = make_class(tmp_path)
    ana = school.store(school.ana)
    ana.add_samples("ana-signs", [Sample(make_hand(np.random.default_rng(i)), "fist", "webcam") for i in range(20)])
    set_limits(school.store(None), school.ana.class_id, megabytes=1)
    ana.create_project("pictures")
    ana.add_samples("pictures", _samples(1, crop=b"\xff" * (MB - _held(school, school.ana)[1] - 1000)))  # all but 1 kB
    saved = 0
    with pytest.raises(OverLimitError) as refused:
        for _ in range(2):  # on one server the first save may cross the limit (checked before it); the next may not
            tasks.train(JobContext(), str(tmp_path), "ana-signs", TrainConfig(epochs=2), viewer=school.ana)
            saved += 1
    line = str(refused.value)
    assert re.fullmatch(r"Your samples and models take 1\.\d MB and your class's limit is 1 MB: ask your teacher; "
                        r"the model was not saved\.", line)  # fmt: skip
    assert saved == (0 if store_database == "postgresql" else 1)
    assert _held(school, school.ana)[1] <= MB or store_database == "sqlite"
    status = JobStatus("j", "train", "ana", JobState.FAILED, 0, None, 0, 0, None, None, line, "OverLimitError", 1.0,
                       error_bases=("StoreError", "ValueError"))  # fmt: skip
    assert TrainingRun._error_of(object.__new__(TrainingRun), status) == line
