"""The app's own origin (scheme, host and port) as the one check for its websocket and its cookie route.

A page served on another port of the same machine opened ``/_stcore/stream`` with a student's cookie and read
the signed-in student's name and project (issue 63): Streamlit's own origin check compares host names only, and
a browser sends a ``SameSite=Strict`` cookie to every port of the same site. ``OriginCheck`` refuses a websocket
handshake (HTTP 403, before Streamlit makes a session) unless its ``Origin`` is exactly the server's own
scheme://host:port: the ``Host`` the browser asked for, and the scheme it asked with (``X-Forwarded-Proto`` behind
a proxy, else the connection's own, as uvicorn resolved it), default ports written out (``https://school`` is
``https://school:443``). A handshake with no ``Origin`` is refused too: every browser sends one, and a script,
which may send any, has no business on a class's pages without a browser's cookie anyway. The session cookie's
POST route (``ui.server.session_cookie``) asks ``same_origin`` as well. ``python -m ui.server.serve`` installs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from ui.server.limits import OncePerSecond, Receive, Scope, Send, wrap_streamlit_app

_DEFAULT_PORTS = {"http": 80, "https": 443}
_AS_HTTP = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_LOG = logging.getLogger("handteach.server")

Origin = tuple[str, str, int]  # scheme ("http" or "https"), host name in lower case, port


def header(scope: Scope, name: bytes) -> str:
    """The first ``name`` header of a request (lower-case bytes), "" when it has none."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def parse_origin(scheme: str, netloc: str) -> Origin | None:
    """(scheme, host, port) of ``scheme://netloc`` with the default port written out; None when it is not one."""
    scheme = _AS_HTTP.get(scheme.strip().lower(), "")
    if not scheme or not netloc or any(c in netloc for c in "/?#@ \t"):
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is no number, or out of range
        return None
    return (scheme, host, port or _DEFAULT_PORTS[scheme]) if host else None


def own_origin(scope: Scope) -> Origin | None:
    """The origin a browser reached this server at: the request's ``Host``, and its scheme (a proxy's
    ``X-Forwarded-Proto`` where one is in front, else the connection's own)."""
    forwarded = header(scope, b"x-forwarded-proto").split(",")[0]
    return parse_origin(forwarded or str(scope.get("scheme", "http")), header(scope, b"host"))


def request_origin(scope: Scope) -> Origin | None:
    """The ``Origin`` the request's page came from; None without one (or "null", or not a URL of http(s))."""
    origin = header(scope, b"origin").strip()
    scheme, sep, rest = origin.partition("://")
    return parse_origin(scheme, rest) if sep else None


def same_origin(scope: Scope) -> bool:
    """Whether the request comes from a page of this server: its ``Origin`` is exactly the server's own."""
    own = own_origin(scope)
    return own is not None and request_origin(scope) == own


class OriginCheck:
    """ASGI middleware: a websocket whose ``Origin`` is not the server's own is refused unopened (HTTP 403)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self._said = OncePerSecond()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or same_origin(scope):
            await self.app(scope, receive, send)
            return
        await receive()  # websocket.connect; closing before accepting answers the handshake with 403
        await send({"type": "websocket.close", "code": 1008})
        if self._said.allow():
            _LOG.warning("Refused a websocket from a page of another origin (%.80r, this server is %.80r)%s",
                         header(scope, b"origin"), header(scope, b"host"), self._said.held_text())  # fmt: skip


def check_origins() -> bool:
    """Wrap Streamlit's Starlette app in ``OriginCheck``; True when in place."""
    return wrap_streamlit_app("checks_origins", OriginCheck)
