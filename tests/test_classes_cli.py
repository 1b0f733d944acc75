"""``python -m core class ...`` (core.cli.classes) on a real store: the teacher's tool on the server."""

from __future__ import annotations

import re

import pytest

from core.classes.removal import ELSEWHERE_NOTE
from core.classes.roster import class_mode
from core.classes.signin import sign_in
from core.cli.main import main
from core.data.store import Store
from tests.classmaker import fill_project


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_add_list_reset_delete_end(tmp_path, capsys) -> None:
    data = ["--data", str(tmp_path)]
    code, out, _ = _run(capsys, *data, "class", "create", "7B **x**", "--teacher", "Ms Ng", "--allow-crops")
    join = re.search(r"Join code: ([A-Z0-9]{6})", out).group(1)
    teacher_password = re.search(r"password: (\S+)", out).group(1)
    assert code == 0 and "Class '7B **x**' created" in out
    assert sign_in(Store(tmp_path), join, "Ms Ng", teacher_password, "10.0.0.1").role == "teacher"

    code, out, _ = _run(capsys, *data, "class", "add-student", "7b **X**", "Zoë")
    zoe_password = out.rsplit("password: ", 1)[1].strip()
    zoe = sign_in(Store(tmp_path), join, "Zoë", zoe_password, "10.0.0.1")
    fill_project(Store(tmp_path, viewer=zoe), "zoe-signs", 3, seed=0)

    code, out, _ = _run(capsys, *data, "class", "list")
    assert out == f"'7B **x**'  code {join}  1 student(s)  crops kept  30 days\n"
    code, out, _ = _run(capsys, *data, "class", "list", "7B **x**")
    assert out.splitlines()[1].startswith("student  'Zoë'  1 project(s)  last signed in ")

    code, out, _ = _run(capsys, *data, "class", "reset-password", "7B **x**", "zoë")
    new = out.rsplit(": ", 1)[1].strip()
    assert new != zoe_password and sign_in(Store(tmp_path), join, "Zoë", new, "10.0.0.2").name == "Zoë"

    code, out, _ = _run(capsys, *data, "class", "set", "7B **x**", "--no-crops", "--retention-days", "9")
    assert code == 0 and out.splitlines() == [
        "Class '7B **x**': Pictures of hands: not kept (keypoints only); anything kept is deleted after 9 days",
        "Deleted 3 picture(s) of hands; their keypoints stay",
    ]
    code, out, _ = _run(capsys, *data, "class", "delete-student", "7B **x**", "Zoë")
    assert code == 0 and out.splitlines() == [
        "Deleted 1 account(s): 'Zoë'",
        "Projects: 1 ('zoe-signs')",
        "Samples: 3 (0 with a picture of the hand); clips: 0",
        "Project folders: 1 (1 files, 1,000 bytes)",
        ELSEWHERE_NOTE,  # SQLite: her jobs run in the app servers' own pools, which stop them
    ]
    assert not (tmp_path / "projects" / "zoe-signs").exists()
    code, out, _ = _run(capsys, *data, "class", "end", "7B **x**")
    assert code == 0 and out.startswith("Deleted 1 account(s): 'Ms Ng'")
    assert out.splitlines()[-1].startswith("No class is open now: the server still asks everyone to sign in")
    assert _run(capsys, *data, "class", "list")[1] == ""
    assert class_mode(Store(tmp_path))
    code, out, _ = _run(capsys, *data, "class", "off")
    assert code == 0 and out.startswith("This server is one person's app again") and not class_mode(Store(tmp_path))


def test_a_typed_password_is_asked_twice_and_never_printed(tmp_path, capsys, monkeypatch) -> None:
    typed = iter(["chosen-pass", "chosen-pass", "other-pass1", "other-pass2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    code, out, _ = _run(capsys, "--data", str(tmp_path), "class", "create", "7B", "--ask")
    join = re.search(r"Join code: (\w{6})", out).group(1)
    assert code == 0 and "chosen-pass" not in out and "Teacher: 'Teacher'\n" in out
    assert sign_in(Store(tmp_path), join, "Teacher", "chosen-pass", "10.0.0.1").role == "teacher"
    code, _, err = _run(capsys, "--data", str(tmp_path), "class", "add-student", "7B", "Ana", "--ask")
    assert code == 2 and err == "error: the two passwords differ: nothing was changed\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [(["create", ""], "error: class name is empty: type 1 to 100 characters"),
     (["create", "x" * 10_000], "error: class name is 10,000 characters long: at most 100"),
     (["add-student", "7B"], "error: class add-student needs a class and a name: class add-student CLASS NAME"),
     (["add-student", "8C", "Ana"], "error: no class named '8C' on this server"),
     (["delete-student", "7B", "Teacher"], "error: class '7B' has no student named 'Teacher'"),
     (["create", "8C", "--retention-days", "0"], "error: retention must be a whole number of days from 1 to 3650"),
     (["off"], "error: classes are still open on this server ('7B'): end them first"),
     (["set", "7B"], "error: class set needs --retention-days DAYS, --allow-crops or --no-crops"),
     (["set", "7B", "--allow-crops", "--no-crops"], "error: class set takes --allow-crops or --no-crops, not both"),
     (["create", "8C", "--no-crops"], "error: class create keeps no pictures of hands unless --allow-crops")],
)  # fmt: skip
def test_bad_input_is_one_line(tmp_path, capsys, args: list[str], message: str) -> None:
    assert main(["--data", str(tmp_path), "class", "create", "7B"]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, "--data", str(tmp_path), "class", *args)
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1


def test_unlock_lets_a_student_slowed_by_someone_elses_guesses_in_at_once(tmp_path, capsys) -> None:
    from core.classes.roster import add_student, list_classes
    from core.classes.signin import SignInError

    data = ["--data", str(tmp_path)]
    _run(capsys, *data, "class", "create", "7B", "--teacher", "Ms Ng")
    store = Store(tmp_path)
    add_student(store, "7B", "Zoë", "zoe-pass")
    join = list_classes(store)[0].code
    for _ in range(5):  # a classmate's guesses at Zoë's name
        with pytest.raises(SignInError, match="Wrong"):
            sign_in(store, join, "Zoë", "guess", "10.0.0.2", now=1000.0)
    with pytest.raises(SignInError, match="Too many sign-in attempts"):
        sign_in(store, join, "Zoë", "zoe-pass", "10.0.0.3", now=1000.0)
    assert _run(capsys, *data, "class", "unlock", "7B", "zoë") == (
        0, "'zoë' of '7B' can sign in at once: 5 failed sign-in(s) forgotten\n", "")  # fmt: skip
    assert sign_in(store, join, "Zoë", "zoe-pass", "10.0.0.3", now=1000.0).name == "Zoë"
    code, out, err = _run(capsys, *data, "class", "unlock", "7B", "Nobody")
    assert (code, out, err) == (2, "", "error: class '7B' has nobody named 'Nobody'\n")


def test_a_list_of_names_its_cards_a_rename_and_new_cards(tmp_path, capsys) -> None:
    data = ["--data", str(tmp_path)]
    _, out, _ = _run(capsys, *data, "class", "create", "7B")
    join = re.search(r"Join code: (\w{6})", out).group(1)
    names = tmp_path / "names.txt"
    names.write_text("Ana\n\n<b>Zoë</b>\nAna\n", encoding="utf-8")
    cards = tmp_path / "cards.html"
    code, out, _ = _run(capsys, *data, "class", "add-students", "7B", "--from", str(names), "--out", str(cards),
                        "--address", "https://handteach.school.example")  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and lines[:2] == ["line 4: 'Ana' is on line 1 too: added once", "Added 2 student(s) to '7B':"]
    passwords = dict(re.findall(r"^  '(.+)'  password: (\S+)$", out, re.MULTILINE))
    assert list(passwords) == ["Ana", "<b>Zoë</b>"] and lines[-1].startswith(f"Sign-in cards: {cards} (2 card(s)")
    page = cards.read_text(encoding="utf-8")
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in page and "<b>Zoë" not in page and passwords["Ana"] in page and join in page
    assert sign_in(Store(tmp_path), join, "<b>Zoë</b>", passwords["<b>Zoë</b>"], "10.0.0.1").name == "<b>Zoë</b>"

    code, out, err = _run(capsys, *data, "class", "add-students", "7B", "--from", str(names))  # all taken: none
    assert (
        code == 2
        and out == ""
        and err.splitlines()
        == [
            "error: line 1: the class already has someone named 'Ana'",
            "line 3: the class already has someone named '<b>Zoë</b>'",
            "Nothing was added: change these lines and add the list again.",
        ]
    )
    code, out, _ = _run(capsys, *data, "class", "rename-student", "7B", "ana", "Ana B.")
    assert code == 0 and out == "'ana' is 'Ana B.' now: they sign in with that name; their projects and password stay\n"
    assert sign_in(Store(tmp_path), join, "Ana B.", passwords["Ana"], "10.0.0.2").name == "Ana B."

    code, out, _ = _run(capsys, *data, "class", "cards", "7B", "--out", str(cards), "--picture")
    assert code == 0 and out.splitlines()[0] == "New pictures for every student of '7B': the old ones no longer work"
    assert (
        "No --address: each card leaves a line" in out and cards.read_text(encoding="utf-8").count('class="card"') == 2
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [(["add-students", "7B"], "error: class add-students needs a class and a list: class add-students CLASS --from"),
     (["add-students", "7B", "--from", "missing.txt"], "error: missing.txt: No such file or directory"),
     (["cards", "7B"], "error: class cards needs a class and a file"),
     (["cards", "7B", "Nobody", "--out", "x.html"], "error: the class has no student named 'Nobody'"),
     (["rename-student", "7B", "Ana"], "error: class rename-student needs a class, a name and the new name")],
)  # fmt: skip
def test_a_list_command_given_too_little_is_one_line(tmp_path, capsys, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--data", str(tmp_path), "class", "create", "7B"]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, "--data", str(tmp_path), "class", *args)
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1, err


def test_on_postgresql_every_data_folder_sees_every_class(pg_url, tmp_path, capsys) -> None:
    """Two app servers, each with its own data folder, on one database: a class made through one is listed, its
    students added and signed in through the other, and both list the same classes."""
    one, two = ["--data", str(tmp_path / "one")], ["--data", str(tmp_path / "two")]
    made = _run(capsys, *one, "class", "create", "7B", "--teacher", "Ms Ng")[1]
    assert made.splitlines()[-1].startswith("Stored in the database ")  # which folder was named does not matter
    assert made.splitlines()[-1].endswith(": every app server on it serves the class, whatever its data folder")
    join = re.search(r"Join code: (\w{6})", made).group(1)
    assert _run(capsys, *two, "class", "create", "8C", "--teacher", "Mr Li")[0] == 0
    zoe_password = _run(capsys, *two, "class", "add-student", "7B", "Zoë")[1].rsplit("password: ", 1)[1].strip()
    assert sign_in(Store(tmp_path / "one"), join, "Zoë", zoe_password, "10.0.0.1").name == "Zoë"
    for data in (one, two):
        code, out, _ = _run(capsys, *data, "class", "list")
        assert code == 0 and [line.split("  ")[:3] for line in out.splitlines()] == [
            ["'7B'", f"code {join}", "1 student(s)"],
            ["'8C'", out.splitlines()[1].split("  ")[1], "0 student(s)"],
        ]
        members = _run(capsys, *data, "class", "list", "7B")[1].splitlines()
        assert members[0].startswith("teacher  'Ms Ng'") and members[1].startswith("student  'Zoë'  0 project(s)")
    assert not list(tmp_path.glob("*/handteach.sqlite"))  # the rows are the database's, in neither folder


@pytest.mark.slow
def test_delete_student_from_the_command_line_stops_their_queued_and_running_jobs(pg_url, tmp_path, capsys) -> None:
    """The scaled site: Ben's training holds the only queue worker and his measuring waits; ``class delete-student``
    (the same ``delete_student`` the Class page calls) stops both and the queue forgets them, and the worker takes Ana's
    job at once."""
    import time

    from test_jobs_contract import start_queue_workers, stop_queue_workers, until

    from core.jobs.job import MEASURE, TRAIN, JobRequest, JobState, account_owner
    from core.jobs.queue import QueueRunner
    from tests.classmaker import make_class

    school = make_class(tmp_path)
    ben, ana = account_owner(school.ben.account_id), account_owner(school.ana.account_id)
    queue = QueueRunner(pg_url)
    worker = start_queue_workers(pg_url, tmp_path / "worker", workers=1)
    try:
        import jobfns

        training = queue.submit(JobRequest(TRAIN, ben, jobfns.steps, {"n": 1200, "step_s": 0.1}))
        until(queue, training, lambda s: s.state is JobState.RUNNING, timeout=60)
        measuring = queue.submit(JobRequest(MEASURE, ben, jobfns.steps, {"n": 5}))
        anas = queue.submit(JobRequest(TRAIN, ana, jobfns.steps, {"n": 2, "step_s": 0.05}))
        started = time.monotonic()
        code, out, err = _run(capsys, "--data", str(tmp_path), "class", "delete-student", "7B", "Ben")
        assert code == 0 and err == "", err
        assert "Stopped 2 training(s) or import(s) of theirs that were waiting or running" in out, out
        assert queue.status(measuring) is None  # forgotten with the account: its row and arguments deleted
        deadline = time.monotonic() + 10
        while (running := queue.status(training)) is not None and not running.ended and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running is None or running.state is JobState.CANCELLED, running  # stopped, and no answer kept
        assert running is None or running.result is None, running.result
        assert until(queue, anas, lambda s: s.ended, timeout=20).state is JobState.DONE
        print(f"Ben deleted → Ana's job done in {time.monotonic() - started:.2f} s")  # the worker no longer held
    finally:
        queue.close()
        stop_queue_workers(worker)
