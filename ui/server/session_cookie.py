"""The route that puts a class's signed session token in a cookie, so a reload or a new tab stays signed in.

Streamlit gives a page no way to set a cookie, and its websocket cannot; the sign-in page (``ui.common.signin``)
therefore POSTs the token ``core.classes.session`` signed to ``_handteach/session`` from a same-origin
component frame, and this middleware answers with ``Set-Cookie`` (HttpOnly: no script reads it; SameSite=Strict;
Secure behind HTTPS; the token's own 8 hours). ``_handteach/session/end`` clears it (*Sign out*).
``_handteach/session/device`` sets the browser's known-device token (``core.classes.devices``: its own count of
failed tries at the names that signed in on it) in ``handteach_device``, as HttpOnly, for a year; *Sign out*
keeps it. Only POSTs
whose ``Origin`` is exactly this server (scheme, host and port: ``ui.server.origin``) are answered. The cookie is
only a carrier: every page checks the token's signature, age, account and session row (``viewer_from_token``), so
a forged, expired or signed-out cookie signs nobody in. Streamlit's own sign-out route (``auth/logout``, where
``st.logout`` sends a school account's browser) clears it too, in the same response as Streamlit's identity
cookie: *Sign out* ends both ways of being signed in at once; there and at ``…/session/end`` the session the
request's cookie names ends on the server too (``end_session``; the page's *Sign out* ended it already).

Nothing changes on a GET (issue 68): any page of the same site (another port, a sibling subdomain) loaded
``auth/logout`` as an image, the SameSite cookie went along, and the student was signed out. That route now signs
out on a same-origin POST only (then handed to Streamlit's own route as the GET it serves). A GET gets a page with
a *Sign out* button posting there (``LOGOUT_PAGE``), which presses itself only where the browser says the GET came
from this origin's own page (``Sec-Fetch-Site: same-origin``, what ``st.logout``'s redirect sends), so a school
sign-out keeps its one click; a link or an image from elsewhere ends nothing.
``python -m ui.server.serve`` (``make run``) installs it; under ``streamlit run app.py`` there is no route and a
sign-in lasts its tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from core.classes.devices import DEVICE_MAX_AGE_S
from core.classes.session import SESSION_MAX_AGE_S, end_session
from core.data.sql.database import Database, store_exists
from core.data.sql.schema import StoreError, default_data_dir
from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app
from ui.server.origin import header as _header
from ui.server.origin import same_origin

COOKIE = "handteach_session"
ROUTE = "/_handteach/session"
DEVICE_COOKIE, DEVICE_ROUTE = "handteach_device", f"{ROUTE}/device"
STREAMLIT_LOGOUT = "/auth/logout"  # streamlit.web.server.starlette.starlette_auth_routes
_TOKEN = re.compile(rb"[A-Za-z0-9_.\-]{1,1000}")  # itsdangerous's URL-safe tokens; anything else is not ours
_MAX_BODY = 2048


def _cookie(scope: Scope, value: str, max_age: int, name: str = COOKIE) -> bytes:
    https = scope.get("scheme") == "https" or _header(scope, b"x-forwarded-proto") == "https"
    return (f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
            + ("; Secure" if https else "")).encode("latin-1")  # fmt: skip


async def _body(receive: Receive) -> bytes | None:
    """The request body, or None when it is longer than a token can be."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > _MAX_BODY:
            return None
        if not message.get("more_body"):
            return body


async def _answer(send: Send, status: int, cookie: bytes | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    if cookie is not None:
        headers.append((b"set-cookie", cookie))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


@functools.cache
def _database(data_dir: str) -> Database:
    return Database(data_dir)


def _end_named_session(scope: Scope) -> None:
    """End the session the request's cookie names, if it is this server's (``core.classes.session``)."""
    cookies = b"; ".join(v for k, v in scope.get("headers") or () if k.lower() == b"cookie").decode("latin-1")
    try:
        morsel = SimpleCookie(cookies).get(COOKIE)
    except CookieError:
        return
    data_dir = default_data_dir()  # the server's store: HANDTEACH_DATA, as ui.server.settings reads it
    if morsel is None or not morsel.value:
        return
    with contextlib.suppress(StoreError):  # busy or gone: the page's own Sign out ended it already
        if store_exists(data_dir):  # no store, no session: none is created for a look
            end_session(_database(str(data_dir)), morsel.value)


def _clearing_cookie(scope: Scope, send: Send) -> Send:
    """``send`` with the class's cookie cleared on the response's headers."""

    async def clearing(message: MutableMapping[str, Any]) -> None:
        if message.get("type") == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), (b"set-cookie", _cookie(scope, "", 0))]}
        await send(message)

    return clearing


LOGOUT_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign out</title></head><body>"
    "<form method=post action=logout><p>Sign out of handteach on this browser?</p>"
    "<button type=submit>Sign out</button> <a href=../>Stay signed in</a></form>{press}</body></html>"
)
_PRESS = "<script>document.forms[0].submit()</script>"  # only for st.logout's own redirect (same-origin)


async def _logout_page(scope: Scope, send: Send) -> None:
    """The answer to a GET of the sign-out route: a page that asks, and presses its button itself only when the
    browser says this origin's own page sent it there (``Sec-Fetch-Site``, which no other page can set)."""
    own = _header(scope, b"sec-fetch-site") == "same-origin" and _header(scope, b"sec-fetch-dest") in ("", "document")
    body = LOGOUT_PAGE.format(press=_PRESS if own else "").encode("utf-8")
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store"),
               (b"x-frame-options", b"DENY")]  # fmt: skip
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body if scope.get("method") == "GET" else b""})


async def _drained(receive: Receive) -> Receive:
    """``receive`` once the request's body is read (a sign-out form's is empty, or nearly): Streamlit's route, handed
    the request as a GET, reads none."""
    await _body(receive)

    async def empty() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    return empty


class SessionCookieRoute:
    """ASGI middleware: ``POST …/_handteach/session`` sets the cookie, ``…/session/end`` clears it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope["type"] == "http" and path.endswith(STREAMLIT_LOGOUT):
            if scope.get("method") in ("GET", "HEAD"):  # nothing changes on a GET: a page that asks
                await _logout_page(scope, send)
            elif scope.get("method") != "POST" or not same_origin(scope):
                await _answer(send, 403)
            else:
                await asyncio.to_thread(_end_named_session, scope)
                receive = await _drained(receive)
                await self.app({**scope, "method": "GET"}, receive, _clearing_cookie(scope, send))
            return
        if scope["type"] != "http" or not path.endswith((ROUTE, f"{ROUTE}/end", DEVICE_ROUTE)):
            await self.app(scope, receive, send)
            return
        if scope.get("method") != "POST" or not same_origin(scope):
            await _answer(send, 403)
            return
        if path.endswith("/end"):
            await asyncio.to_thread(_end_named_session, scope)
            await _answer(send, 204, _cookie(scope, "", 0))
            return
        body = await _body(receive)
        if body is None or not _TOKEN.fullmatch(body):
            await _answer(send, 400)
            return
        if path.endswith(DEVICE_ROUTE):
            await _answer(send, 204, _cookie(scope, body.decode("ascii"), DEVICE_MAX_AGE_S, DEVICE_COOKIE))
            return
        await _answer(send, 204, _cookie(scope, body.decode("ascii"), SESSION_MAX_AGE_S))


def serve_session_cookies() -> bool:
    """Wrap Streamlit's Starlette app in ``SessionCookieRoute``; True when in place."""
    return wrap_streamlit_app("serves_session_cookies", SessionCookieRoute)
