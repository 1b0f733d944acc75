"""A project's Scratch game kept in the store (core.data.project_games), on real SQLite and PostgreSQL: saved and
read back byte for byte, replaced whole or not at all, gone with its project, kept by a rename; in a class each
student saves only into their own projects, the teacher reads a student's game and cannot write it, and a game is
counted in the student's quota and refused in one line over it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pgcluster import both_databases

from core.classes.access import NotYoursError
from core.classes.quotas import MB, OverLimitError, set_limits, usage
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
