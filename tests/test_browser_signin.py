"""Signing in to a class in a real browser (headless Chromium, the app through ``python -m ui.server.serve``):
the signed session cookie keeps a reload signed in; it is HttpOnly; a forged one signs nobody in; *Sign out*
clears it; a second student's tab lists only their own project."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common.browser import CHROMIUM
from tests.classmaker import ANA_PASSWORD, BEN_PASSWORD, make_class

pytestmark = pytest.mark.slow


def _sign_in(page, code: str, name: str, password: str) -> None:  # noqa: ANN001 - playwright Page
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in: {name}").wait_for(timeout=60_000)


def _session_cookie(context, other_than: str | None = None):  # noqa: ANN001, ANN202 - playwright's objects
    """The session cookie once it is there (and not ``other_than``): the frame's POST lands just after the page."""
    for _ in range(100):
        found = [c for c in context.cookies() if c["name"] == "handteach_session" and c["value"] != other_than]
        if found:
            return found[0]
        context.pages[0].wait_for_timeout(100)
    return None


# extended: a reload, a forged cookie, sign-out in the browser: test_server_session_cookie checks the cookie's routes on a real server and test_browser_oidc signs in and out in the browser
@pytest.mark.extended
def test_a_reload_stays_signed_in_a_forged_cookie_does_not_and_sign_out_clears_it(tmp_path: Path) -> None:
    from browsermaker import served_app
    from playwright.sync_api import sync_playwright

    school = make_class(tmp_path / "data")
    with sync_playwright() as pw, served_app(tmp_path, lambda: None) as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            ana = browser.new_context()
            page = ana.new_page()
            page.goto(server.url)
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            assert page.get_by_text("ana-signs").count() == 0  # nothing but the form
            _sign_in(page, school.code, "Ana", ANA_PASSWORD)
            cookie = _session_cookie(ana)
            assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert page.evaluate("document.cookie").find("handteach_session") < 0  # no script reads it

            page.reload()
            page.get_by_text("Signed in: Ana").wait_for(timeout=60_000)  # the cookie signed the new session in
            assert page.get_by_role("button", name="Sign in").count() == 0

            ben = browser.new_context()  # a second student's browser: their own list only
            other = ben.new_page()
            other.goto(f"{server.url}/?project=ana-signs")
            other.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            _sign_in(other, school.code, "Ben", BEN_PASSWORD)
            other.get_by_text("No project named 'ana-signs' here").wait_for(timeout=60_000)
            # the address follows in a message of its own: read at once, it still named ana-signs once (load 10)
            other.wait_for_function("() => location.search.includes('project=ben-signs')", timeout=30_000)

            forged = {**cookie, "value": _session_cookie(ben)["value"][:-4] + "AAAA"}
            ana.clear_cookies()
            ana.add_cookies([forged])
            page.reload()
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)  # signed out, nothing else

            _sign_in(page, school.code, "Ana", ANA_PASSWORD)
            assert _session_cookie(ana, other_than=forged["value"]) is not None  # a new, good one
            page.get_by_role("button", name="Sign out").click()
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            for _ in range(100):
                if not [c for c in ana.cookies() if c["name"] == "handteach_session"]:
                    break
                page.wait_for_timeout(100)
            page.reload()
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)  # the cookie is gone too
        finally:
            browser.close()


@pytest.mark.extended  # test_browser_class walks this path on the Class page, with every route of the second student
def test_the_teacher_sees_both_students_and_a_deleted_student_is_gone_for_good(tmp_path: Path) -> None:
    import sqlite3

    from browsermaker import served_app
    from playwright.sync_api import sync_playwright

    from core.cli.main import main
    from tests.classmaker import TEACHER_PASSWORD

    data = tmp_path / "data"
    school = make_class(data)
    with sync_playwright() as pw, served_app(tmp_path, lambda: None) as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            teacher, ben = browser.new_context().new_page(), browser.new_context().new_page()
            for page, name, password in ((teacher, "Ms Teacher", TEACHER_PASSWORD), (ben, "Ben", BEN_PASSWORD)):
                page.goto(server.url)
                page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
                _sign_in(page, school.code, name, password)
            teacher.get_by_label("Current project").click()  # the teacher's list: both students' projects
            teacher.get_by_role("option", name="ana-signs").wait_for(timeout=30_000)
            teacher.get_by_role("option", name="ben-signs").wait_for(timeout=30_000)
            teacher.keyboard.press("Escape")
            ben.get_by_label("Current project").click()
            ben.get_by_role("option", name="ben-signs").wait_for(timeout=30_000)
            assert ben.get_by_role("option", name="ana-signs").count() == 0
            ben.keyboard.press("Escape")

            assert main(["--data", str(data), "class", "delete-student", "7B", "Ben"]) == 0
            ben.reload()  # his cookie names an account that is gone: the form, nothing else
            ben.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        finally:
            browser.close()
    assert not (data / "projects" / "ben-signs").exists()
    with sqlite3.connect(data / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'Ben'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM projects WHERE name = 'ben-signs'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM samples").fetchone() == (20,)  # Ana's only
    assert not [p for p in data.rglob("*") if "ben" in p.name.lower()]
