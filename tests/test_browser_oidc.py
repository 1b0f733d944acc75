"""Signing in with a school's own accounts (OIDC, Streamlit's ``st.login``) in a real browser, against a real OIDC
provider on loopback: ``oidc-provider-mock`` (Authlib and Flask: discovery, its authorize page, the token endpoint,
signed ID tokens, end of session) in a thread of this process. The app runs as ``make run`` does, with a
``secrets.toml`` whose ``[auth]`` names that provider. One provider, one app server and one browser for the module,
which also serves the other new way in: a young student's picture password, tapped in the real page.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from bench.common.browser import CHROMIUM, AppServer, free_port
from tests.classmaker import ClassSetup, make_class

# the provider's own modules use Authlib's deprecated APIs (authlib.jose, get_jwt_config): its notes, not ours
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]

SCHOOL = "Northfield School"
ANA_EMAIL, STRANGER_EMAIL = "ana@northfield.example", "zoe@elsewhere.example"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's address; its two accounts: Ana's (listed by the teacher) and one nobody listed."""
    import werkzeug.serving
    from oidc_provider_mock import User, app

    users = [User(sub=e, claims={"email": e, "email_verified": True, "name": n})
             for e, n in ((ANA_EMAIL, "Ana Lima"), (STRANGER_EMAIL, "Zoe"))]  # fmt: skip
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, provider: str) -> Iterator[tuple[AppServer, ClassSetup]]:
    """The app with a class (Ana's address listed) and ``[auth]`` naming the provider."""
    from core.classes.pictures import picture_secret
    from core.classes.roster import add_student
    from core.cli.main import main
    from core.data.store import Store

    root = tmp_path_factory.mktemp("oidc")
    school = make_class(root / "data")
    assert main(["--data", str(root / "data"), "class", "set-email", "7B", "Ana", "--email", ANA_EMAIL]) == 0
    add_student(Store(root / "data"), "7B", "Zoë", picture_secret("owl", "rocket"))
    port = free_port()
    secrets = root / "secrets.toml"
    secrets.write_text(
        f'[auth]\nredirect_uri = "http://localhost:{port}/oauth2callback"\ncookie_secret = "{os.urandom(16).hex()}"\n'
        f'client_id = "handteach"\nclient_secret = "its-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        f'[handteach]\nprovider_name = "{SCHOOL}"\n',
        encoding="utf-8",
    )
    server = AppServer(root / "data", port=port, env={"STREAMLIT_SECRETS_FILES": str(secrets)}).start()
    try:
        yield server, school
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - playwright's Browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in_with_school(page, url: str, email: str) -> None:  # noqa: ANN001 - playwright Page
    page.goto(url)
    page.get_by_role("button", name=f"Sign in with {SCHOOL}").click(timeout=60_000)
    page.get_by_role("button", name=email).click(timeout=30_000)  # the provider's own authorize page


def test_a_listed_school_account_signs_in_to_its_own_project_and_out(served, browser) -> None:  # noqa: ANN001
    server, _ = served
    context = browser.new_context()
    try:
        page = context.new_page()
        _sign_in_with_school(page, server.url, ANA_EMAIL)
        page.get_by_text("Signed in: Ana").wait_for(timeout=60_000)  # the teacher's name for her, not the provider's
        page.wait_for_function("() => new URLSearchParams(location.search).get('project') === 'ana-signs'")
        page.get_by_label("Current project").click()
        page.get_by_role("option", name="ana-signs").wait_for(timeout=30_000)
        assert page.get_by_role("option", name="ben-signs").count() == 0
        page.keyboard.press("Escape")

        page.reload()  # Streamlit's identity cookie signs the new session in
        page.get_by_text("Signed in: Ana").wait_for(timeout=60_000)

        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click(timeout=30_000)  # the provider's own sign-out page
        page.get_by_role("button", name=f"Sign in with {SCHOOL}").wait_for(timeout=60_000)
        assert not [c for c in context.cookies() if c["name"].startswith(("_streamlit_user", "handteach_session"))]
        page.reload()
        page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
        assert page.get_by_text("Signed in:").count() == 0
    finally:
        context.close()


def test_an_account_nobody_listed_is_refused_in_one_line(served, browser) -> None:  # noqa: ANN001
    server, _ = served
    context = browser.new_context()
    try:
        page = context.new_page()
        _sign_in_with_school(page, server.url, STRANGER_EMAIL)
        page.get_by_text("This account is not in a class here; ask your teacher.").wait_for(timeout=60_000)
        assert page.get_by_label("Current project").count() == 0 and page.get_by_text("Signed in:").count() == 0
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click(timeout=30_000)
        page.get_by_role("button", name=f"Sign in with {SCHOOL}").wait_for(timeout=60_000)
    finally:
        context.close()


@pytest.mark.extended  # CI signs in with pictures under AppTest (tests/test_app_picture_signin.py); here the real page
def test_a_young_student_given_two_pictures_taps_them_to_sign_in(served, browser) -> None:  # noqa: ANN001
    from core.classes.pictures import PICTURES

    server, school = served
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url)
        page.get_by_text("I sign in with pictures").click(timeout=60_000)
        page.get_by_label("Class code").fill(school.code)
        page.get_by_label("Your name").fill("Zoë")
        names = [name for name, _ in PICTURES]
        for row, picture in ((0, "owl"), (1, "rocket")):
            buttons = page.locator(f".st-key-signin_picture_{row} button")
            buttons.first.wait_for(timeout=30_000)  # the rows come with the rerun the switch asked for
            assert buttons.count() == len(PICTURES) and page.get_by_role("textbox", name="Password").count() == 0
            buttons.nth(names.index(picture)).click()
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_text("Signed in: Zoë").wait_for(timeout=60_000)
    finally:
        context.close()
