"""The cookie route (ui.server.session_cookie) as ASGI: only a same-origin POST of a token-shaped body sets the
HttpOnly cookie; anything else is refused and reaches neither the cookie nor Streamlit."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest
from pgcluster import both_databases

from bench.common.browser import AppServer
from bench.server.scripted_tab import ScriptedTab
from core.classes.session import session_token, viewer_from_token
from core.data.store import Store
from tests.classmaker import make_class
from ui.server.session_cookie import COOKIE, SessionCookieRoute


async def _app(scope, receive, send) -> None:  # noqa: ANN001 - ASGI
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"streamlit"})


def _sent(path: str, method: str = "POST", body: bytes = b"", origin: str | None = "http://school:8501",
          scheme: str = "http", cookie: str = "", fetch_site: str = "") -> list[dict]:  # fmt: skip
    headers = [(b"host", b"school:8501")] + ([(b"origin", origin.encode())] if origin else [])
    headers += [(b"cookie", cookie.encode())] if cookie else []
    headers += [(b"sec-fetch-site", fetch_site.encode())] if fetch_site else []
    scope = {"type": "http", "path": path, "method": method, "headers": headers, "scheme": scheme}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(SessionCookieRoute(_app)(scope, receive, send))
    return sent


def _call(path: str, method: str = "POST", body: bytes = b"", origin: str | None = "http://school:8501",
          scheme: str = "http", cookie: str = "") -> tuple[int, dict[bytes, bytes]]:  # fmt: skip
    sent = _sent(path, method, body, origin, scheme, cookie)
    return sent[0]["status"], dict(sent[0]["headers"])


def test_a_same_origin_post_of_a_token_sets_the_cookie() -> None:
    status, headers = _call("/_handteach/session", body=b"eyJh.awjU-_x")
    assert status == 204
    assert headers[b"set-cookie"] == b"handteach_session=eyJh.awjU-_x; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict"
    secure = _call("/app/_handteach/session", body=b"t.t", origin="https://school:8501", scheme="https")
    assert b"; Secure" in secure[1][b"set-cookie"]
    status, headers = _call("/_handteach/session/end")
    assert status == 204 and headers[b"set-cookie"].startswith(b"handteach_session=; Path=/; Max-Age=0;")


def test_anything_else_is_refused() -> None:
    assert _call("/_handteach/session", method="GET")[0] == 403
    assert _call("/_handteach/session", body=b"t.t", origin="http://evil.test")[0] == 403
    assert _call("/_handteach/session", body=b"t.t", origin=None)[0] == 403
    assert _call("/_handteach/session", body=b"t.t", origin="http://school:8502")[0] == 403  # another port
    assert _call("/_handteach/session", body=b"t.t", origin="https://school:8501")[0] == 403  # another scheme
    for body in (b"", b"a b", b"x" * 3000, b"<script>", "é".encode()):
        status, headers = _call("/_handteach/session", body=body)
        assert status == 400 and b"set-cookie" not in headers
    assert _call("/record")[0] == 200  # every other path is Streamlit's


def test_streamlits_sign_out_route_clears_the_class_cookie_too() -> None:
    """``st.logout`` sends a school account's browser to Streamlit's ``auth/logout``: its answer (Streamlit's, here
    the stand-in's) also clears the class's cookie, so *Sign out* ends a password sign-in of the same browser."""

    async def logout(scope, receive, send) -> None:  # noqa: ANN001 - ASGI: Streamlit's route clears its own cookie
        await send({"type": "http.response.start", "status": 302,
                    "headers": [(b"set-cookie", b"_streamlit_user=; Max-Age=0")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b""})

    for path in ("/auth/logout", "/app/auth/logout"):
        sent: list[dict] = []

        async def send(message: dict, sent: list[dict] = sent) -> None:
            sent.append(message)

        headers = [(b"host", b"school:8501"), (b"origin", b"http://school:8501")]
        scope = {"type": "http", "path": path, "method": "POST", "headers": headers}

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        asyncio.run(SessionCookieRoute(logout)(scope, receive, send))
        cookies = [v for k, v in sent[0]["headers"] if k == b"set-cookie"]
        assert sent[0]["status"] == 302 and cookies[0] == b"_streamlit_user=; Max-Age=0"
        assert cookies[1].startswith(b"handteach_session=; Path=/; Max-Age=0; HttpOnly")


def test_the_known_device_route_sets_its_own_cookie_for_a_year_and_sign_out_keeps_it() -> None:
    """Issue 63: the browser a student signed in on keeps a known-device token (core.classes.devices), so others'
    guesses at the name never slow that browser; *Sign out* clears the session cookie only."""
    status, headers = _call("/_handteach/session/device", body=b"eyJk.dev-_x")
    assert status == 204
    assert headers[b"set-cookie"] == (b"handteach_device=eyJk.dev-_x; Path=/; Max-Age=31536000; HttpOnly; "
                                      b"SameSite=Strict")  # fmt: skip
    assert _call("/_handteach/session/device", body=b"t.t", origin="http://evil.test")[0] == 403
    assert b"handteach_device" not in _call("/_handteach/session/end")[1][b"set-cookie"]


@both_databases
def test_the_end_route_and_streamlits_sign_out_end_the_session_the_cookie_names(
    store_database, tmp_path, monkeypatch
) -> None:
    """Besides the page's own *Sign out* (ui.common.signin), the routes that clear the cookie end its session on
    the server (core.classes.session), so the same token copied elsewhere signs nobody in; on PostgreSQL too, where
    the data folder holds no database file to find first (``store_exists``)."""
    school = make_class(tmp_path)
    monkeypatch.setenv("HANDTEACH_DATA", str(tmp_path))
    store = Store(tmp_path)
    ended, logged_out, kept = (session_token(store, school.ana) for _ in range(3))
    assert _call("/_handteach/session/end", cookie=f"other=1; handteach_session={ended}")[0] == 204
    assert _call("/auth/logout", cookie=f"handteach_session={logged_out}")[0] == 200  # st.logout's page's POST
    assert viewer_from_token(store, ended) is None and viewer_from_token(store, logged_out) is None
    assert viewer_from_token(store, kept) == school.ana  # her other devices' sessions stay
    assert _call("/_handteach/session/end", origin="http://school:8502", cookie=f"handteach_session={kept}")[0] == 403
    assert viewer_from_token(store, kept) == school.ana  # another origin ends nothing


@both_databases
def test_streamlits_sign_out_route_changes_nothing_on_a_get_nor_on_a_post_from_elsewhere(
    store_database, tmp_path, monkeypatch
) -> None:
    """Issue 68: a page of another port loaded ``auth/logout`` as an image and the student's session ended. A GET
    now gets a page asking (pressing itself only for this origin's own redirect, ``st.logout``'s), and only a POST
    from this origin signs out; none of the others reaches Streamlit's route (which clears its identity cookie)."""
    school = make_class(tmp_path)
    monkeypatch.setenv("HANDTEACH_DATA", str(tmp_path))
    store = Store(tmp_path)
    token = session_token(store, school.ana)
    cookie = f"handteach_session={token}"
    for site in ("", "same-site", "cross-site", "none"):  # an image or a link from another port, site, the bar
        sent = _sent("/auth/logout", method="GET", cookie=cookie, origin=None, fetch_site=site)
        headers = dict(sent[0]["headers"])
        assert sent[0]["status"] == 200 and b"set-cookie" not in headers and sent[1]["body"] != b"streamlit"
        assert b"<form method=post" in sent[1]["body"] and b"<script>" not in sent[1]["body"]
    own = _sent("/auth/logout", method="GET", cookie=cookie, origin=None, fetch_site="same-origin")
    assert b"document.forms[0].submit()" in own[1]["body"] and b"set-cookie" not in dict(own[0]["headers"])
    for origin in (None, "http://school:8502", "http://evil.test", "null"):
        assert _call("/auth/logout", cookie=cookie, origin=origin)[0] == 403
    for method in ("PUT", "DELETE", "PATCH"):
        assert _call("/auth/logout", method=method, cookie=cookie)[0] == 403
    assert viewer_from_token(store, token) == school.ana  # still signed in after all of them
    status, headers = _call("/auth/logout", cookie=cookie)  # the page's own form: signed out
    assert status == 200 and headers[b"set-cookie"].startswith(b"handteach_session=; Path=/; Max-Age=0")
    assert viewer_from_token(store, token) is None


def _request(url: str, method: str, cookie: str, origin: str | None, fetch_site: str) -> int:
    """A browser's request as another page would make it: its cookie goes along (SameSite allows it)."""
    headers = {"Cookie": cookie} | ({"Origin": origin} if origin else {}) | (
        {"Sec-Fetch-Site": fetch_site} if fetch_site else {})  # fmt: skip
    request = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert b"set-cookie" not in {k.lower().encode() for k in answer.headers}
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.slow
def test_a_cookie_copied_before_sign_out_signs_nobody_in_after_it(tmp_path) -> None:
    """Issue 63: on a served app, Ana's cookie copied to another machine before she pressed *Sign out* still signed
    in afterwards, for its 8 hours. Now her *Sign out* ends the session on the server: a new tab with the copy gets
    the sign-in form, and a tab the copy had opened before is signed out at its next run. Issue 68, first: a page of
    another port loading the sign-out route (a GET, as an image or a link), and POSTs to it without this origin,
    end nothing; the app's own *Sign out* still does."""
    school = make_class(tmp_path / "data")
    cookie = f"{COOKIE}={session_token(Store(tmp_path / 'data'), school.ana)}"  # what the sign-in page sets
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()

    async def check() -> None:
        ana, copy = ScriptedTab(server.url, "", cookie=cookie), ScriptedTab(server.url, "", cookie=cookie)
        try:
            await ana.open()
            await copy.open()  # the copy works while she is signed in: it is her session
            assert ana.texts == copy.texts == ["Signed in: Ana"]
            elsewhere = server.url.rsplit(":", 1)[0] + ":9"  # another port of the same host: the same site
            answers = [await asyncio.to_thread(_request, server.url + "/auth/logout", method, cookie, origin, site)
                       for method, origin, site in (("GET", None, "same-site"), ("GET", None, "cross-site"),
                                                    ("POST", None, ""), ("POST", elsewhere, "same-site"),
                                                    ("POST", "null", "cross-site"))]  # fmt: skip
            assert answers == [200, 200, 403, 403, 403], answers
            ana.texts.clear()
            await ana.rerun()
            assert ana.texts == ["Signed in: Ana"]  # still signed in
            await ana.press("Sign out")
            assert "Sign in" in ana.buttons and ana.errors == []
            later = ScriptedTab(server.url, "", cookie=cookie)
            await later.open()
            assert later.texts == [] and sorted(later.buttons) == ["Sign in"], later.texts  # the form, nothing else
            await later.close()
            copy.texts.clear(), copy.buttons.clear()
            await copy.rerun()
            assert copy.texts == [] and sorted(copy.buttons) == ["Sign in"]
        finally:
            await ana.close()
            await copy.close()

    try:
        asyncio.run(check())
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(encoding="utf-8")
