"""A project's Scratch game kept in the store (core.data.project_games), on real SQLite and PostgreSQL: saved and
read back byte for byte, replaced whole or not at all, gone with its project, kept by a rename; in a class each
student saves only into their own projects, the teacher reads a student's game and cannot write it, and a game is
counted in the student's quota and refused in one line over it. The game travels in the .handteach file, and a
hostile one in a project file stores nothing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from pgcluster import both_databases

from core.classes.access import NotYoursError, share_project
from core.classes.quotas import MB, OverLimitError, set_limits, usage
from core.classes.removal import delete_student
from core.classes.sharing import remix_project
from core.data.bundles.bundle import BundleError, export_project, import_project
from core.data.bundles.bundle_format import GAME
from core.data.project_games import delete_game, game_stamp, load_game, projects_with_games, save_game
from core.data.sql.schema import NotFoundError
from core.data.store import Store
from core.scratch.examples import examples
from core.scratch.sb3 import MAX_SB3_BYTES, Sb3Error
from tests.classmaker import make_class


def _example(index: int = 0) -> bytes:
    return sorted(path for _, path in examples())[index].read_bytes()


def _with_big_picture(megabytes: float) -> bytes:
    """The first example with its first costume padded by ``megabytes`` of spaces after its SVG: a bigger real game."""
    source = zipfile.ZipFile(io.BytesIO(_example()))
    out, padded = io.BytesIO(), False
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # stored: not a zip bomb, just big
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".svg") and not padded:
                data, padded = data + b" " * int(megabytes * MB), True  # XML allows space after its root
            archive.writestr(info.filename, data)
    return out.getvalue()


@both_databases
def test_a_game_is_saved_read_back_replaced_and_goes_with_its_project(store_database: str, tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_project("signs")
    assert load_game(store, "signs") is None and game_stamp(store, "signs") is None
    first, second = _example(0), _example(1)
    stamp = save_game(store, "signs", first)
    game = load_game(store, "signs")
    assert game is not None and game.data == first and game.digest == stamp.digest and stamp.size == len(first)
    save_game(store, "signs", second)  # saved again: the new one whole, the old one gone
    assert load_game(store, "signs").data == second
    with pytest.raises(Sb3Error, match="not a zip file"):
        save_game(store, "signs", b"<svg onload=alert(1)>")
    assert load_game(store, "signs").data == second  # a refused save leaves the game before it
    store.rename_project("signs", "gestures")
    assert load_game(store, "gestures").data == second
    assert projects_with_games(store, ["gestures"]) == ["gestures"]
    store.delete_project("gestures")
    store.create_project("gestures")
    assert load_game(store, "gestures") is None  # the row went with the deleted project
    assert delete_game(store, "gestures") is False


def test_an_oversized_game_is_refused_by_its_size_before_it_is_opened(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_project("signs")
    with pytest.raises(Sb3Error, match="over 20 MB"):
        save_game(store, "signs", b"PK\x03\x04" + bytes(MAX_SB3_BYTES))
    assert load_game(store, "signs") is None


@both_databases
def test_each_student_saves_only_their_own_games_and_the_teacher_only_reads(store_database: str,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    school = make_class(tmp_path)
    ana, ben, teacher = school.store(school.ana), school.store(school.ben), school.store(school.teacher)
    save_game(ana, "ana-signs", _example(0))
    with pytest.raises(NotFoundError, match="no project named 'ana-signs' here"):
        save_game(ben, "ana-signs", _example(1))  # a classmate's project does not exist for Ben
    with pytest.raises(NotFoundError):
        load_game(ben, "ana-signs")
    with pytest.raises(NotYoursError, match="not yours"):
        save_game(teacher, "ana-signs", _example(1))  # the teacher shows it; saving does not write into it
    with pytest.raises(NotYoursError):
        delete_game(teacher, "ana-signs")
    assert load_game(teacher, "ana-signs").data == _example(0)  # the teacher opens it to show the class
    assert projects_with_games(teacher, ["ana-signs", "ben-signs"]) == ["ana-signs"]
    assert load_game(ana, "ana-signs").data == _example(0)


@pytest.mark.slow
@both_databases
def test_a_game_counts_in_the_quota_and_is_refused_in_one_line_over_it(store_database: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ana = school.store(school.ana)
    with ana.read_connection() as conn:
        _, before = usage(conn, school.ana.account_id)
    small = _example(0)
    save_game(ana, "ana-signs", small)
    with ana.read_connection() as conn:
        assert usage(conn, school.ana.account_id)[1] == before + len(small)
    set_limits(school.store(None), school.ana.class_id, megabytes=1)
    with pytest.raises(OverLimitError) as refused:
        save_game(ana, "ana-signs", _with_big_picture(1.5))
    assert str(refused.value).startswith("Your game is 1.5 MB and your class's limit of 1 MB leaves you")
    assert "\n" not in str(refused.value)
    assert load_game(ana, "ana-signs").data == small  # nothing of the refused save was kept
    save_game(ana, "ana-signs", small)  # saving again what is held adds nothing: never refused


@pytest.mark.slow
@both_databases
def test_two_saves_at_once_keep_one_game_whole_and_the_quota_holds_across_them(
        store_database: str, tmp_path: Path) -> None:  # fmt: skip
    import threading

    school = make_class(tmp_path)
    ana = school.store(school.ana)
    ana.create_project("ana-dance")
    with ana.read_connection() as conn:
        _, before = usage(conn, school.ana.account_id)
    big = _with_big_picture(2.0)
    room_mb = -(-(before + 3 * len(big) // 2) // MB)  # what is left: one and a half of it, less than 1 MB more
    set_limits(school.store(None), school.ana.class_id, megabytes=room_mb)  # so one fits and two do not
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def save(project: str) -> None:
        store = school.store(school.ana)  # each tab its own store and connections
        start.wait()
        try:
            outcomes[project] = save_game(store, project, big)
        except OverLimitError as exc:
            outcomes[project] = exc

    threads = [threading.Thread(target=save, args=(p,)) for p in ("ana-signs", "ana-dance")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refused = [p for p, o in outcomes.items() if isinstance(o, OverLimitError)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    kept = next(p for p in outcomes if p not in refused)
    assert load_game(ana, kept).data == big and load_game(ana, refused[0]) is None
    with ana.read_connection() as conn:
        assert usage(conn, school.ana.account_id)[1] == before + len(big)

    games = [_example(0), _example(1)]
    errors: list[BaseException] = []

    def keep_saving(data: bytes) -> None:  # two tabs of hers saving into one project, over and over
        store = school.store(school.ana)
        try:
            for _ in range(8):
                save_game(store, kept, data)
        except BaseException as exc:  # noqa: BLE001 - said below
            errors.append(exc)

    threads = [threading.Thread(target=keep_saving, args=(g,)) for g in games]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    game = load_game(ana, kept)
    assert game is not None and game.data in games and game.digest == hashlib.sha256(game.data).hexdigest()
    with ana.read_connection() as conn:
        assert usage(conn, school.ana.account_id)[1] == before + len(game.data)


def _rewritten(source: Path, target: Path, game: bytes) -> Path:
    """``source`` (a project file) with its game's member replaced by ``game``, its manifest saying so: a file
    whose checksums all agree, so only the game's own checks can refuse it."""
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[GAME] = game
    manifest = json.loads(members["manifest.json"])
    manifest["members"][GAME] = {"bytes": len(game), "sha256": hashlib.sha256(game).hexdigest()}
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


@pytest.mark.slow
def test_the_game_travels_in_the_project_file_and_a_hostile_one_stores_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.create_project("plain")
    export_project(store, "plain", tmp_path / "plain.handteach")  # no game: a file as every one before
    with zipfile.ZipFile(tmp_path / "plain.handteach") as archive:
        assert GAME not in archive.namelist()
        assert json.loads(archive.read("manifest.json"))["format_version"] == 1
    store.create_project("signs")
    save_game(store, "signs", _example(1))
    export_project(store, "signs", tmp_path / "signs.handteach")
    with zipfile.ZipFile(tmp_path / "signs.handteach") as archive:
        assert archive.read(GAME) == _example(1)
        assert json.loads(archive.read("manifest.json"))["format_version"] == 2
    other = Store(tmp_path / "other")
    import_project(other, tmp_path / "plain.handteach")
    assert load_game(other, "plain") is None
    import_project(other, tmp_path / "signs.handteach", as_name="copy")
    assert load_game(other, "copy").data == _example(1)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    hostile = {"script": _with_costume(svg), "not a zip": b"<html>", "bomb": _bomb()}
    for what, game in hostile.items():
        bad = _rewritten(tmp_path / "signs.handteach", tmp_path / f"{what}.handteach", game)
        with pytest.raises(BundleError, match=r"its Scratch game \(scratch/game.sb3\): ") as refused:
            import_project(other, bad, as_name="hostile")
        assert "\n" not in str(refused.value), what
        assert other.list_projects() == ["copy", "plain"], what  # nothing stored


def test_a_students_imported_game_counts_in_their_quota(tmp_path: Path) -> None:
    school = make_class(tmp_path / "class")
    teacher = Store(tmp_path / "home")
    teacher.create_project("big-game")
    save_game(teacher, "big-game", _with_big_picture(1.5))
    export_project(teacher, "big-game", tmp_path / "big.handteach")
    set_limits(school.store(None), school.ana.class_id, megabytes=1)
    ana = school.store(school.ana)
    with pytest.raises(OverLimitError):
        import_project(ana, tmp_path / "big.handteach")
    assert ana.list_projects() == ["ana-signs"]


def _with_costume(svg: bytes) -> bytes:
    """The first example with its first costume's SVG replaced by ``svg``."""
    source = zipfile.ZipFile(io.BytesIO(_example()))
    out, done = io.BytesIO(), False
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".svg") and not done:
                data, done = svg, True
            archive.writestr(info.filename, data)
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", b" " * (50 * MB))
    return out.getvalue()


@pytest.mark.slow
@both_databases
def test_a_deleted_students_games_go_with_them(store_database: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)
    save_game(school.store(school.ben), "ben-signs", _example(0))
    save_game(school.store(school.ana), "ana-signs", _example(1))
    receipt = delete_student(school.store(None), "7B", "Ben")
    assert "Scratch games: 1" in receipt.lines()  # the teacher's receipt counts it
    with school.store(None).read_connection() as conn:
        assert conn.execute("SELECT count(*) FROM project_games").fetchone()[0] == 1  # Ana's only
    assert load_game(school.store(school.ana), "ana-signs").data == _example(1)


def test_a_remix_brings_the_game_as_the_remixers_own(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ana, ben = school.store(school.ana), school.store(school.ben)
    save_game(ana, "ana-signs", _example(1))
    share_project(ana, "ana-signs", True)
    remix = remix_project(ben, "ana-signs", "ben-remix")
    assert remix.game and load_game(ben, "ben-remix").data == _example(1)
    save_game(ben, "ben-remix", _example(0))  # his copy is his to change
    assert load_game(ana, "ana-signs").data == _example(1)  # hers: as it was
