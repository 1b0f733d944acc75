"""Which member of a class a school account is (core.classes.identity), on a real store: a verified address the
teacher listed, or one of an allowed domain; nobody else; and ``python -m core class`` to list them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.classes.identity import (
    Identity,
    IdentityError,
    add_email_student,
    allow_domain,
    identity_from_claims,
    remove_domain,
    set_email,
    too_old,
    viewer_for_identity,
)
from core.classes.removal import delete_student, end_class
from core.classes.roster import accounts, create_class
from core.classes.signin import SignInError, sign_in
from core.cli.main import main
from core.data.sql.schema import DuplicateNameError
from core.data.store import Store
from tests.classmaker import make_class

NOW = 1_800_000_000.0


def _claims(email: object = "Ana@School.org", verified: object = True, iat: object = NOW - 60, **more) -> dict:
    return {"sub": "x1", "email": email, "email_verified": verified, "iat": iat, "name": "Ana Lima", **more}


def test_only_a_verified_address_with_a_sign_in_time_is_an_identity() -> None:
    assert identity_from_claims(_claims()) == Identity("ana@school.org", "Ana Lima", NOW - 60)
    for bad in (_claims(verified=False), _claims(verified="true"), _claims(verified=None), _claims(email=None),
                _claims(email="ana"), _claims(email="ana@school"), _claims(email="a na@school.org"),
                _claims(email="ana@" + "x" * 300 + ".org"), _claims(iat=None), _claims(iat="1"), _claims(iat=True)):  # fmt: skip
        assert identity_from_claims(bad) is None, bad
    identity = identity_from_claims(_claims())
    assert not too_old(identity, now=NOW) and too_old(identity, now=NOW + 9 * 3600)  # a session lasts 8 hours
    assert too_old(identity, now=NOW - 3600)  # dated an hour ahead: not this provider's clock


def test_a_listed_address_is_that_member_and_nobody_else_is_anyone(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    me = identity_from_claims(_claims())
    assert viewer_for_identity(store, me, now=NOW) is None  # nobody listed it yet
    set_email(store, "7B", "ana", "ANA@school.org ")
    assert viewer_for_identity(store, me, now=NOW) == school.ana
    ana = [a for a in accounts(store, "7B") if a.name == "Ana"][0]
    assert ana.last_seen == NOW
    with pytest.raises(DuplicateNameError, match="already signs in"):
        set_email(store, "7B", "Ben", "ana@school.org")  # one address, one account on the server
    with pytest.raises(IdentityError, match="'ana' is not an e-mail address"):
        set_email(store, "7B", "Ben", "ana")
    assert viewer_for_identity(store, Identity("ana@school.org.evil.test", "", NOW), now=NOW) is None

    cleo = add_email_student(store, "7B", "Cleo", "cleo@school.org")  # signs in with the school's account only
    assert viewer_for_identity(store, Identity("cleo@school.org", "C", NOW), now=NOW).account_id == cleo.id
    with pytest.raises(SignInError):
        sign_in(store, school.code, "Cleo", "!school-account", "10.0.0.9")

    delete_student(store, "7B", "Ana")  # her address goes with her account
    assert viewer_for_identity(store, me, now=NOW) is None


def test_an_allowed_domain_joins_as_a_student_named_by_the_provider(tmp_path: Path) -> None:
    store = Store(tmp_path)
    create_class(store, "7B", "Ms Ng", "teach-7B-pass")
    create_class(store, "8C", "Mr Li", "teach-8C-pass")
    assert allow_domain(store, "7B", "@School.ORG") == "school.org"
    with pytest.raises(DuplicateNameError, match="another class"):
        allow_domain(store, "8C", "school.org")
    with pytest.raises(IdentityError, match="'school' is not an e-mail domain"):
        allow_domain(store, "7B", "school")

    first = viewer_for_identity(store, Identity("ana@school.org", "Ana", NOW), now=NOW)
    assert first.role == "student" and first.name == "Ana"
    assert viewer_for_identity(store, Identity("ana@school.org", "Renamed", NOW), now=NOW) == first  # the same one
    other = viewer_for_identity(store, Identity("ana2@school.org", "Ana", NOW), now=NOW)  # the name is taken
    assert other.name == "ana2@school.org" and other.account_id != first.account_id
    markdown = viewer_for_identity(store, Identity("m@school.org", "[x](http://evil.test) **B**", NOW), now=NOW)
    assert markdown.name == "[x](http://evil.test) **B**"  # kept as typed; pages show it with st.text
    assert viewer_for_identity(store, Identity("ana@sub.school.org", "A", NOW), now=NOW) is None  # exact domain

    remove_domain(store, "7B", "school.org")
    assert viewer_for_identity(store, Identity("new@school.org", "New", NOW), now=NOW) is None
    assert viewer_for_identity(store, Identity("ana@school.org", "Ana", NOW), now=NOW) == first  # joined: stays
    allow_domain(store, "7B", "school.org")
    end_class(store, "7B")  # the class's domains go with it
    assert viewer_for_identity(store, Identity("new@school.org", "New", NOW), now=NOW) is None
    allow_domain(store, "8C", "school.org")


def test_the_teachers_command_line_lists_addresses_and_domains(tmp_path: Path, capsys) -> None:
    data = ["--data", str(tmp_path)]
    assert main([*data, "class", "create", "7B", "--teacher", "Ms Ng"]) == 0
    assert main([*data, "class", "add-student", "7B", "Cleo", "--email", "Cleo@School.org"]) == 0
    out = capsys.readouterr().out
    assert "Student 'Cleo' added to '7B': signs in with the school's account cleo@school.org" in out
    assert "password" not in out.splitlines()[-1]
    assert main([*data, "class", "set-email", "7B", "Ms Ng", "--email", "ng@school.org"]) == 0
    assert main([*data, "class", "allow-domain", "7B", "school.org"]) == 0
    assert "Domains of '7B': school.org" in capsys.readouterr().out
    assert main([*data, "class", "set-email", "7B", "Cleo"]) == 2  # no address: nothing changes, one line
    assert "class set-email needs the address" in capsys.readouterr().err
    assert main([*data, "class", "add-student", "7B", "Dan", "--email", "not an address"]) == 2
    assert "'not an address' is not an e-mail address" in capsys.readouterr().err
    assert main([*data, "class", "list", "7B"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("teacher  'Ms Ng'") and listed[0].endswith("school account ng@school.org")
    assert listed[1].endswith("never signed in  school account cleo@school.org")
    assert listed[2] == "Every verified address at school.org may join"
    store = Store(tmp_path)
    assert viewer_for_identity(store, Identity("ng@school.org", "", time.time())).role == "teacher"
    assert [a.name for a in accounts(store, "7B")] == ["Ms Ng", "Cleo"]
