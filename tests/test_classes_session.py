"""Signed, expiring session tokens (core.classes.session, itsdangerous): forged, expired, another server's,
a deleted account's or one from before a password reset all mean signed out."""

from __future__ import annotations

import shutil
import stat

from core.classes.removal import delete_student
from core.classes.roster import reset_password
from core.classes.session import SECRET_FILE, session_token, viewer_from_token
from core.data.store import Store
from tests.classmaker import make_class


def test_a_token_names_its_viewer_until_it_expires(tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    token = session_token(store, school.ana)
    assert viewer_from_token(store, token) == school.ana
    assert viewer_from_token(Store(tmp_path), token) == school.ana  # a restarted server keeps its secret
    assert viewer_from_token(store, token, max_age_s=-1) is None  # expired
    secret = tmp_path / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(bytes.fromhex(secret.read_text())) == 32


def test_forged_altered_or_foreign_tokens_sign_out(tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    token = session_token(store, school.ana)
    payload, stamp, signature = token.rsplit(".", 2)
    forged = session_token(store, school.ben).rsplit(".", 2)[0] + f".{stamp}.{signature}"  # Ben's body, Ana's seal
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "x" * 5000, None, 7, "a.b.c"):
        assert viewer_from_token(store, bad) is None, bad
    other = tmp_path / "other-server"
    shutil.copytree(tmp_path, other, ignore=shutil.ignore_patterns("other-server", SECRET_FILE))
    assert viewer_from_token(Store(other), token) is None  # the same rows, another secret


def test_a_deleted_student_or_a_reset_password_signs_out(tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    ana, ben = session_token(store, school.ana), session_token(store, school.ben)
    reset_password(store, "7B", "Ana", "new-pass-42")
    assert viewer_from_token(store, ana) is None
    assert viewer_from_token(store, session_token(store, school.ana)) == school.ana
    delete_student(store, "7B", "Ben")
    assert viewer_from_token(store, ben) is None
