"""An import cut by the end of its student's sign-in (*Sign out* in another tab, the teacher's *New password*) leaves
nothing behind: the CSV import's job undoes its own rows through its cleanup store (``core.data.imports.batched_import``)
and a project file's import deletes its passing project ``importing …`` (``core.data.bundles.bundle_import``), where
the page's sign-in-checked store refused both and the rows stayed. Real sessions on a real class store; the sign-out
is a real ``end_session`` from another thread while the import's batches go in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from core.classes.roster import reset_password
from core.classes.session import SessionEndedError, end_session, session_token, token_session
from core.classes.session_store import SessionStore
from core.data.bundles import bundle_import
from core.data.bundles.bundle import export_project, import_project
from core.data.csv_files.csv_io import export_handteach
from core.data.imports import batched_import
from core.data.imports.uploads import UploadedFile
from core.data.sql.schema import Sample
from core.data.store import Store
from core.jobs import sample_tasks
from core.jobs.job import JobContext
from tests.classmaker import make_class
from tests.storemaker import make_hand


@pytest.fixture
def one_row_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch one row: the import is still storing when the sign-in ends, whatever the machine's speed."""
    monkeypatch.setattr(batched_import, "HOLD_TARGET_S", 0.0)
    monkeypatch.setattr(batched_import, "PAUSE_S", 0.01)
    monkeypatch.setattr(bundle_import, "PAUSE_S", 0.01)


def _cut(work: Callable[[], object], stored: Callable[[], int], sign_out: Callable[[], object]) -> BaseException:
    """Run ``work`` on a thread; once ``stored()`` says some rows went in, ``sign_out()``; the error ``work`` ended
    with."""
    ended: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - the test asserts what it was
            ended.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    while stored() < 10:
        assert thread.is_alive() and time.monotonic() < deadline, "the import never stored a row"
        time.sleep(0.005)
    sign_out()
    thread.join(30)
    assert not thread.is_alive() and ended, "the import went on after the sign-in ended"
    return ended[0]


def _samples(count: int, label: str, seed: int) -> list[Sample]:
    rng = np.random.default_rng(seed)
    return [Sample(make_hand(rng), label, "webcam") for _ in range(count)]


# the scaled site's *Sign out* and one server's *New password*: either ends the sign-in the same way
@pytest.mark.slow
@pytest.mark.parametrize(("store_database", "ended_by"), [("postgresql", "sign out"), ("sqlite", "new password")],
                         indirect=["store_database"])  # fmt: skip
def test_a_csv_import_cut_by_the_end_of_its_sign_in_keeps_none_of_its_rows(store_database, tmp_path, ended_by,
                                                                           one_row_a_batch, caplog) -> None:  # fmt: skip
    school = make_class(tmp_path)
    plain = Store(tmp_path)
    plain.create_project("csv-source")
    plain.add_samples("csv-source", _samples(100, "ok", 1) + _samples(100, "wave", 2),
                      create_classes=True)  # fmt: skip
    export_handteach(plain, "csv-source", tmp_path / "signs.csv")
    token = session_token(plain, school.ben)
    before = plain.class_counts("ben-signs")

    def sign_out() -> None:
        if ended_by == "sign out":
            assert end_session(plain, token)
        else:
            reset_password(plain, "7B", "Ben", "a-new-pass-7")

    error = _cut(lambda: sample_tasks.import_csv(JobContext(), tmp_path, "ben-signs",
                                                 [UploadedFile("signs.csv", (tmp_path / "signs.csv").read_bytes())],
                                                 viewer=school.ben, session=token_session(plain, token)),
                 lambda: sum(plain.class_counts("ben-signs").values()) - sum(before.values()), sign_out)  # fmt: skip
    assert isinstance(error, SessionEndedError), error
    assert plain.class_counts("ben-signs") == before  # his 5 samples, no row of the file, no class "wave"
    assert not [r for r in caplog.records if r.name == "handteach.imports"]  # the undo went through


def test_a_project_file_import_cut_by_sign_out_leaves_no_half_project(tmp_path, one_row_a_batch) -> None:
    school = make_class(tmp_path)
    ana = Store(tmp_path, viewer=school.ana)
    ana.create_project("ana-more")
    ana.add_samples("ana-more", _samples(200, "ok", 3))
    export_project(ana, "ana-more", tmp_path / "ana-more.handteach")
    plain = Store(tmp_path)
    token = session_token(plain, school.ben)
    page = SessionStore(tmp_path, school.ben, token_session(plain, token))
    projects = set(plain.list_projects())

    def passing_rows() -> int:
        passing = [p for p in plain.list_projects() if p.startswith("importing ")]
        return sum(plain.class_counts(passing[0]).values()) if passing else 0

    error = _cut(lambda: import_project(page, tmp_path / "ana-more.handteach", as_name="ben-copy"), passing_rows,
                 lambda: end_session(plain, token))  # fmt: skip
    assert isinstance(error, SessionEndedError), error
    assert set(plain.list_projects()) == projects  # no "importing …", no "ben-copy"
