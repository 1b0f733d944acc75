"""The Class page's servers panel (ui/classroom/site_panel.py) under AppTest, the teacher signed in on a real store:
on SQLite the servers' heartbeats with their own pools and a silent one, in a teacher's words; on PostgreSQL the job
queue and its workers (a waiting training, a worker gone silent). The facts are ``python -m core status``'s."""

from __future__ import annotations

from pathlib import Path

import jobfns
import pytest
from streamlit.testing.v1 import AppTest

from core.data.store import Store
from core.jobs.job import TRAIN, JobRequest
from core.jobs.local import PoolLoad
from core.site.heartbeat import GONE_S, ServerBeat, key_of, to_value, write_beat
from tests.classmaker import TEACHER_PASSWORD, ClassSetup, make_class

ROOT = Path(__file__).resolve().parents[1]


def _class_page(school: ClassSetup) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="signin_code").input(school.code)
    at.text_input(key="signin_name").input("Ms Teacher")
    at.text_input(key="signin_password").input(TEACHER_PASSWORD)
    [b for b in at.button if b.label == "Sign in"][0].click()
    at.run()
    at.switch_page("pages/class_page.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _said(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "caption") for e in getattr(at, kind)]


def _servers(at: AppTest) -> list[dict]:
    return [d.value.to_dict("records") for d in at.dataframe if "server" in d.value.columns][0]


def _silent_server(store: Store, name: tuple[str, int], silent_s: float) -> None:
    now = write_beat(store, ServerBeat("probe", 1, 1, 0, None, 1)).seen  # the rows' clock
    with store.write_transaction() as conn:
        old = ServerBeat(*name, 77, 4, 0.1, 2, None, now - silent_s - 600, now - silent_s)
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?)", (key_of(old.name), to_value(old)))
        conn.execute("DELETE FROM server_settings WHERE key = ?", (key_of("probe:1"),))


def test_the_teacher_reads_each_servers_load_and_its_own_jobs(data_dir: Path) -> None:
    school = make_class(data_dir)
    at = _class_page(school)
    assert f"No app server has reported in the last {GONE_S:.0f} s." in _said(at)
    store = Store(data_dir)
    write_beat(store, ServerBeat("room12", 8501, 4242, 14, 0.8, 4, PoolLoad(2, 2, {TRAIN: 1}, {TRAIN: 2}, 40.4)))
    _silent_server(store, ("room12", 8502), GONE_S + 90)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    said = _said(at)
    assert "One server (1 other not heard from): 1 training running, 2 trainings waiting (longest 40 s)." in said
    fresh, silent = _servers(at)
    assert fresh.pop("last heard").endswith(" s ago")  # a second or so: the page ran just after the beat
    assert fresh == {"server": "room12:8501", "busy": "20%", "tabs open": 14, "jobs running there": "1 training"}
    assert silent == {"server": "room12:8502", "busy": "", "tabs open": 4, "jobs running there": "",
                      "last heard": "not heard from for 2 min"}  # fmt: skip  # its last load is not today's
    assert not any(str(data_dir) in line for line in said)  # no path of the server on a page


def test_a_full_server_and_one_that_stopped_answering_are_said_plainly() -> None:
    """Issue 70: "busy 391%" meant nothing to a teacher, and a killed server read "13 s ago, busy 282%" for 40 s."""
    from core.site.status import ServerState, SiteStatus
    from ui.classroom.site_panel import FULL, LATE_S, server_rows

    def beat(port: int, load: float) -> ServerBeat:
        return ServerBeat("room12", port, 1, 3, load, 4, None, 0.0, 100.0)

    status = SiteStatus(False, (ServerState(beat(8501, 15.6), 1.0, False), ServerState(beat(8502, 2.0), 2.0, False),
                                ServerState(beat(8503, 11.3), 13.0, False)), None, (), ())  # fmt: skip
    full, half, killed = server_rows(status)
    assert (full["busy"], half["busy"]) == (FULL, "50%") and LATE_S < 13.0
    assert (killed["busy"], killed["last heard"]) == ("", "not answering for 13 s")


@pytest.mark.slow  # a queue on PostgreSQL
def test_on_postgresql_the_teacher_sees_the_queue_waiting_for_a_worker(pg_url: str, data_dir: Path) -> None:
    from core.jobs.job import no_worker_line
    from core.jobs.queue import QueueRunner
    from core.jobs.queue_db import RUNS, connect, jobs_version

    school = make_class(data_dir)
    queue = QueueRunner(pg_url)
    try:
        with connect(pg_url) as conn:
            conn.execute(f"TRUNCATE procrastinate_events, procrastinate_jobs, {RUNS}, procrastinate_workers "
                         "RESTART IDENTITY CASCADE")  # fmt: skip
            conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '3 minutes')")
        queue.submit(JobRequest(TRAIN, "user:99", jobfns.steps, {"n": 1}))
        write_beat(Store(data_dir), ServerBeat("web1", 8501, 10, 3, 0.2, 8))
        at = _class_page(school)
    finally:
        queue.close()
    said = _said(at)
    line = [s for s in said if s.startswith("1 app server, 0 workers, 1 training waiting (longest ")]
    # whoever runs the site reads that no worker of this version runs and the command that starts one; the version's
    # digest is handteach status's, not the page's
    assert line and line[0].endswith(" " + no_worker_line(jobs_version(), [], versions=False)), said
    assert jobs_version() not in line[0]
    assert "Worker 1: not heard from for 3 min." in said
    assert [row["server"] for row in _servers(at)] == ["web1:8501"]
