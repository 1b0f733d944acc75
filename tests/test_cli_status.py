"""``python -m core status`` (core/cli/status.py): the table and ``--json`` on a real store; where no store is, it says
so and creates none; a database it cannot reach is one line without its password; and a real app server
(``python -m ui.server.serve``) reports itself within seconds of starting and takes its row away when stopped."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from core.cli.main import main
from core.cli.status import NO_STORE, NO_TABLES, elsewhere_note
from core.data.sql.database import URL_VARIABLE
from core.data.sql.schema import DB_NAME
from core.data.store import Store
from core.jobs.local import PoolLoad
from core.site.heartbeat import ServerBeat, write_beat


def _status(capsys: pytest.CaptureFixture[str], data: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["--data", str(data), "status", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_where_no_store_is_it_says_so_and_creates_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _status(capsys, tmp_path / "data", "--json")
    said = json.loads(out)
    assert code == 0 and said["servers"] == [] and said["queue"] is None and said["database"] == "sqlite"
    assert said["notes"] == [NO_STORE, elsewhere_note(tmp_path / "data")]
    assert not (tmp_path / "data").exists()


def test_without_the_sites_database_url_it_says_which_store_it_read(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """Two app servers run on PostgreSQL; a shell without HANDTEACH_DATABASE_URL reads a SQLite store nobody reports
    to: it says which store it looked at and how to look at the site's."""
    Store(tmp_path)
    code, out, _ = _status(capsys, tmp_path)
    assert code == 0 and out.splitlines()[0] == "No app server has reported in the last 30 s."
    assert f"Note: {elsewhere_note(tmp_path)}" in out.splitlines()
    assert "HANDTEACH_DATABASE_URL" in elsewhere_note(tmp_path) and str(tmp_path) in elsewhere_note(tmp_path)


def test_the_table_and_the_json_say_each_servers_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path)
    write_beat(store, ServerBeat("room12", 8501, 4242, 14, 0.8, 4, PoolLoad(2, 2, {"train": 1}, {"import": 1}, 3.0)))
    code, out, _ = _status(capsys, tmp_path)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "One server: 1 training running, 1 import waiting (longest 3 s)."
    assert lines[1] == f"Store: SQLite, {tmp_path}"
    header = lines.index("App servers (1)")
    assert lines[header + 1].split() == ["server", "pid", "up", "last", "heard", "load", "tabs", "own", "job", "pool"]
    assert lines[header + 2].split()[:3] == ["room12:8501", "4242", "0"]
    assert lines[header + 2].endswith("0.80 on 4 cores  14    1 of 2 busy, 1 waiting")
    code, out, _ = _status(capsys, tmp_path, "--json")
    said = json.loads(out)
    assert said["summary"] == lines[0] and said["queue"] is None and said["workers"] == []
    (server,) = said["servers"]
    assert {k: server[k] for k in ("name", "pid", "tabs", "load1", "cores", "gone")} == {
        "name": "room12:8501", "pid": 4242, "tabs": 14, "load1": 0.8, "cores": 4, "gone": False}  # fmt: skip
    assert server["local"] == {"workers": 2, "size": 2, "running": {"train": 1}, "waiting": {"import": 1},
                               "oldest_wait_s": 3.0}  # fmt: skip


@pytest.mark.slow
def test_on_postgresql_the_queue_and_its_workers(pg_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from core.data.sql.postgres import shown
    from core.jobs.queue_db import RUNS, connect, ensure_schema

    ensure_schema(pg_url)
    with connect(pg_url) as conn:
        conn.execute(f"TRUNCATE procrastinate_events, procrastinate_jobs, {RUNS}, procrastinate_workers "
                     "RESTART IDENTITY CASCADE")  # fmt: skip
        conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    write_beat(Store(tmp_path / "elsewhere"), ServerBeat("web1", 8501, 10, 3, 0.2, 8))  # another server's folder
    code, out, _ = _status(capsys, tmp_path / "here", "--json")
    said = json.loads(out)
    assert code == 0 and said["database"] == "postgresql" and said["store"] == shown(pg_url)
    assert [s["name"] for s in said["servers"]] == ["web1:8501"] and said["notes"] == []
    assert said["queue"] == {"waiting": {}, "running": {}, "oldest_wait_s": None, "waiting_versions": {}}
    assert [(w["id"], w["job"], w["gone"]) for w in said["workers"]] == [(1, None, False)]
    assert said["summary"] == "1 app server, 1 worker, nothing waiting."
    code, out, _ = _status(capsys, tmp_path / "here")
    assert "Job queue: nothing running; nothing waiting" in out and "Workers (1)" in out
    assert not (tmp_path / "here" / DB_NAME).exists()  # it only read


def test_a_database_it_cannot_reach_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(URL_VARIABLE, "postgresql://teacher:s3cret@127.0.0.1:1/school")
    code, out, err = _status(capsys, tmp_path)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "127.0.0.1:1/school" in err and "s3cret" not in err


def _servers(capsys: pytest.CaptureFixture[str], data: Path) -> list[dict[str, Any]]:
    code, out, _ = _status(capsys, data, "--json")
    assert code == 0
    return json.loads(out)["servers"]


@pytest.mark.slow  # starts Streamlit
def test_a_real_server_reports_itself_and_a_clean_stop_takes_it_away(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.common.browser import AppServer

    data = tmp_path / "data"
    Store(data)  # the heartbeat writes into a store that exists; it never makes one
    server = AppServer(data, log=tmp_path / "streamlit.log").start()
    try:
        end, found = time.monotonic() + 60, []
        while not found and time.monotonic() < end:
            found = [s for s in _servers(capsys, data) if s["port"] == server.port]
            time.sleep(0.2)
        assert found, f"no heartbeat; see {server.log}"
        assert found[0]["pid"] == server.pid and not found[0]["gone"] and found[0]["cores"] >= 1
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0
    assert _servers(capsys, data) == []


@pytest.mark.slow
def test_a_database_without_the_stores_tables_says_what_makes_them(pg_cluster: Any, tmp_path: Path,  # noqa: ANN401
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """The recipe's database just made, app servers running but no page opened yet: nothing reports, and the note says
    why and what makes the tables, not that no server has run."""
    monkeypatch.setenv(URL_VARIABLE, pg_cluster.create_database())
    code, out, _ = _status(capsys, tmp_path, "--json")
    assert code == 0 and json.loads(out)["notes"] == [NO_TABLES]


def test_in_a_checkout_the_default_store_is_its_data_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HANDTEACH_DATA, a checkout's commands and servers use its data/user, as the docs say (since the store's
    modules moved a folder down, they used ~/.local/share/handteach, a pip install's folder, instead)."""
    from core.data.sql.schema import default_data_dir

    monkeypatch.delenv("HANDTEACH_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_data_dir() == Path(__file__).resolve().parents[1] / "data" / "user"
