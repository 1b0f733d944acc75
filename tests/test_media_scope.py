"""Scoping a class's /media files (ui/server/media_scope.py) on Streamlit's own MediaFileManager and a real store:
a file a signed-in session added is for that account while a session of theirs holds it, for nobody once none
does, and never for another account or a forged cookie; files of sessions with nobody signed in are everyone's.
Pins the private parts of Streamlit it reads (``_lock``, ``_files_by_session_and_coord``, ``_file_metadata``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime import media_file_manager as mfm
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.scriptrunner_utils import script_run_context

from core.classes.session import session_token
from tests.classmaker import make_class
from ui.server import media_scope


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> mfm.MediaFileManager:
    """Streamlit's manager with the scoping wrappers (undone after the test), and a settable current session."""
    monkeypatch.setattr(mfm.MediaFileManager, "add", mfm.MediaFileManager.add)
    monkeypatch.setattr(mfm.MediaFileManager, "execute_deferred", mfm.MediaFileManager.execute_deferred)
    current = SimpleNamespace(ctx=None)
    monkeypatch.setattr(script_run_context, "get_script_run_ctx", lambda *a, **k: current.ctx)
    media_scope._scope_added_files()
    made = mfm.MediaFileManager(MemoryMediaFileStorage("/media"))
    made.current = current  # type: ignore[attr-defined]
    monkeypatch.setattr(media_scope, "_media_manager", lambda: made)
    return made


def _as(manager: mfm.MediaFileManager, session_id: str) -> None:
    manager.current.ctx = SimpleNamespace(session_id=session_id)  # type: ignore[attr-defined]


def test_a_signed_in_sessions_file_is_theirs_while_they_hold_it(manager: mfm.MediaFileManager, tmp_path: Path) -> None:
    media_scope.note_session("scope-ana", 2, tmp_path)
    media_scope.note_session("scope-ben", 3, tmp_path)
    _as(manager, "scope-ana")
    crop = media_scope._file_id(manager.add(b"ana's hand", "image/jpeg", "1.1"))
    placeholder = manager.add_deferred(lambda: b"ana's project", "application/zip", "1.2", "ana.handteach")
    _as(manager, "scope-nobody")  # a session where nobody signed in (no class): as Streamlit always did
    anyones = media_scope._file_id(manager.add(b"a photo", "image/jpeg", "1.1"))
    download = media_scope._file_id(manager.execute_deferred(placeholder))  # made on her click

    for file_id in (crop, download):
        assert media_scope.may_fetch(file_id, 2)
        assert not media_scope.may_fetch(file_id, 3) and not media_scope.may_fetch(file_id, None)
    assert media_scope.may_fetch(anyones, None) and media_scope.may_fetch(anyones, 3)

    manager.clear_session_refs("scope-ana")  # her tab closed: the address is nobody's, hers neither
    assert not media_scope.may_fetch(crop, 2) and not media_scope.may_fetch(download, 2)


def test_the_cookie_names_its_account_and_a_forged_one_nobody(tmp_path: Path) -> None:
    school = make_class(tmp_path / "data")
    media_scope.note_session("scope-cookie", school.ana.account_id, school.data_dir)
    token = session_token(school.store(None), school.ana)

    def scope(cookie: str) -> dict:
        return {"headers": [(b"host", b"localhost"), (b"cookie", cookie.encode("latin-1"))]}

    assert media_scope.account_of_cookie(scope(f"other=1; handteach_session={token}")) == school.ana.account_id
    assert media_scope.account_of_cookie(scope(f"handteach_session={token[:-4]}AAAA")) is None
    assert media_scope.account_of_cookie(scope('handteach_session="; bad')) is None
    assert media_scope.account_of_cookie({"headers": []}) is None
