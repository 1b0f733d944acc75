"""The "Sign in with …" button of a school's own accounts (ui.common.school_signin) under AppTest: offered beside the
class's password form only when ``secrets.toml`` has an ``[auth]`` section naming a provider, its name shown as
typed. The sign-in itself runs in a real browser against a real provider: tests/test_browser_oidc.py."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.classmaker import make_class

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32, "client_id": "handteach",
        "client_secret": "x", "server_metadata_url": "https://login.school.example/.well-known/openid-configuration"}  # fmt: skip


def _buttons(secrets: dict) -> list[str]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(secrets)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"]  # the form stays
    return [b.label for b in at.button]


def test_the_school_button_comes_with_auth_only_named_as_typed(data_dir: Path) -> None:
    make_class(data_dir)
    assert _buttons({"unrelated": {"a": 1}}) == ["Sign in"]
    for missing in AUTH:  # half configured: st.login would fail, so nothing is offered
        assert _buttons({"auth": {k: v for k, v in AUTH.items() if k != missing}}) == ["Sign in"], missing
    assert _buttons({"auth": AUTH}) == ["Sign in", "Sign in with login.school.example"]
    named = _buttons({"auth": AUTH, "handteach": {"provider_name": "**St Mary's** [x](http://evil.test)"}})
    assert named[1].startswith(r"Sign in with \*\*St Mary's\*\* \[x\](http")  # Markdown escaped: its characters


def _as_signed_in(monkeypatch, claims: dict) -> AppTest:  # noqa: ANN001 - pytest's MonkeyPatch
    """The app as Streamlit runs it after a school sign-in: ``st.user`` holds the provider's claims (AppTest has no
    sign-in route; the real one runs in tests/test_browser_oidc.py). Only Streamlit's ``st.user`` is stood in for."""
    from streamlit.user_info import UserInfoProxy

    monkeypatch.setattr(UserInfoProxy, "to_dict", lambda self: {"is_logged_in": True, **claims})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update({"auth": AUTH})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_what_a_school_sign_in_leads_to(data_dir: Path, monkeypatch) -> None:  # noqa: ANN001
    import time

    from core.classes.identity import set_email
    from core.data.store import Store
    from ui.common.school_signin import NOT_HERE

    make_class(data_dir)
    set_email(Store(data_dir), "7B", "Ana", "ana@school.example")
    ana = {"email": "ana@school.example", "email_verified": True, "iat": time.time() - 60, "name": "A. Lima"}

    at = _as_signed_in(monkeypatch, ana)
    assert "Signed in: Ana" in [t.value for t in at.sidebar.text]
    assert at.selectbox(key="home_project").options == ["ana-signs"]

    at = _as_signed_in(monkeypatch, {**ana, "iat": time.time() - 9 * 3600})  # longer ago than a session lasts
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"] and not at.warning
    assert "Sign in with login.school.example" in [b.label for b in at.button]

    for claims in ({**ana, "email_verified": False}, {**ana, "email": "zoe@school.example"}):
        at = _as_signed_in(monkeypatch, claims)
        assert [w.value for w in at.warning] == [NOT_HERE] and [b.label for b in at.button] == ["Sign out"]
        assert not at.text_input and not at.selectbox and not at.sidebar.text  # nothing else


def test_a_school_sign_in_copied_before_sign_out_signs_nobody_in_after_it(data_dir: Path, monkeypatch) -> None:  # noqa: ANN001
    """Streamlit's identity cookie cannot be taken back: copied before *Sign out*, it still held for 8 hours
    (issue 63). Now *Sign out* keeps that sign-in as ended on the server (core.classes.session): the same claims
    in a new session get the form, a session they had opened is signed out at its next run, a new sign-in works."""
    import time

    from core.classes.identity import set_email
    from core.data.store import Store

    make_class(data_dir)
    set_email(Store(data_dir), "7B", "Ana", "ana@school.example")
    ana = {"email": "ana@school.example", "email_verified": True, "iat": time.time() - 60, "name": "A. Lima"}
    mine, copy = _as_signed_in(monkeypatch, ana), _as_signed_in(monkeypatch, ana)  # her tab, and one elsewhere
    assert "Signed in: Ana" in [t.value for t in copy.sidebar.text]
    mine.sidebar.button(key="sign_out").click().run()
    assert not mine.exception, [e.message for e in mine.exception]

    again = _as_signed_in(monkeypatch, ana)  # the copied cookie, in a new session
    assert [t.key for t in again.text_input] == ["signin_code", "signin_name", "signin_password"]
    assert not again.sidebar.text and not again.warning
    copy.run()  # the session the copy had opened before
    assert [t.key for t in copy.text_input] == ["signin_code", "signin_name", "signin_password"]
    assert "Signed in: Ana" not in [t.value for t in copy.sidebar.text]
    fresh = _as_signed_in(monkeypatch, {**ana, "iat": time.time() - 5})  # she signs in with the school again
    assert "Signed in: Ana" in [t.value for t in fresh.sidebar.text]


def test_a_school_tab_is_signed_out_when_its_address_no_longer_names_the_account(data_dir: Path, monkeypatch) -> None:  # noqa: ANN001
    """The teacher typed a classmate's address for Ana, the classmate signed in as Ana, the teacher mended it: that
    open tab was still Ana's at every next run (its account was looked up by id only). Now it gets the form."""
    import time

    from core.classes.identity import set_email
    from core.data.store import Store

    make_class(data_dir)
    set_email(Store(data_dir), "7B", "Ana", "ben@school.example")  # the wrong address
    ben = {"email": "ben@school.example", "email_verified": True, "iat": time.time() - 60, "name": "Ben"}
    tab = _as_signed_in(monkeypatch, ben)
    assert "Signed in: Ana" in [t.value for t in tab.sidebar.text]
    set_email(Store(data_dir), "7B", "Ana", "ana@school.example")  # mended
    tab.run()
    assert not tab.exception, [e.message for e in tab.exception]
    assert "Signed in: Ana" not in [t.value for t in tab.sidebar.text]
    assert not tab.selectbox  # none of Ana's projects
