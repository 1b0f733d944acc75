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
    assert _buttons({"auth": {k: v for k, v in AUTH.items() if k != "client_id"}}) == ["Sign in"]  # half configured
    assert _buttons({"auth": AUTH}) == ["Sign in", "Sign in with login.school.example"]
    named = _buttons({"auth": AUTH, "handteach": {"provider_name": "**St Mary's** [x](http://evil.test)"}})
    assert named[1].startswith(r"Sign in with \*\*St Mary's\*\* \[x\](http")  # Markdown escaped: its characters
