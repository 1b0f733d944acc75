"""Routes of Streamlit's server that no student needs (``/_stcore/metrics`` answers 404), and who may frame the rest.

Streamlit serves its OpenMetrics counters (sessions, cache and memory use) to anyone who asks; on a class's server
that tells every student how many others are on and what the server holds. ``hide_private_routes`` wraps the app
Streamlit's uvicorn serves (as ``ui.server.limits.bound_websockets`` does) before the server starts: ``python -m
ui.server.serve`` (``make run``) installs it. ``/_stcore/health`` stays: a proxy's health check needs it.

A page of another site, or of another port of the same host, could show the signed-in app in a frame (the cookie goes
along: same site) under something else to click, and one click there pressed *Sign out*. ``FramedBySelfOnly`` has
every HTTP response say that only the app's own pages may frame it (``frame-ancestors 'self'`` for today's browsers,
``X-Frame-Options: SAMEORIGIN`` for older ones); the app's own component frames are of its origin and still show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app

HIDDEN_ROUTES = ("/_stcore/metrics",)  # at any base URL path
FRAMING_HEADERS = ((b"content-security-policy", b"frame-ancestors 'self'"), (b"x-frame-options", b"SAMEORIGIN"))


class HiddenRoutes:
    """ASGI middleware: an HTTP request for one of ``HIDDEN_ROUTES`` gets 404 without reaching Streamlit."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope["type"] == "http" and path.endswith(HIDDEN_ROUTES):
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"Not found"})
            return
        await self.app(scope, receive, send)


def hide_private_routes() -> bool:
    """Wrap Streamlit's Starlette app in ``HiddenRoutes``; True when in place (False on another Streamlit server)."""
    return wrap_streamlit_app("hides_private_routes", HiddenRoutes)


class FramedBySelfOnly:
    """ASGI middleware: every HTTP response's headers say that only the app's own origin may frame it
    (``FRAMING_HEADERS``, put in place of any the app set)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_framing_rule(message: MutableMapping[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                names = {name for name, _ in FRAMING_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if bytes(k).lower() not in names]
                message = {**message, "headers": [*kept, *FRAMING_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_framing_rule)


def forbid_framing() -> bool:
    """Wrap Streamlit's Starlette app in ``FramedBySelfOnly``; True when in place (False on another Streamlit server).
    Called after the other wrappings, so that their own answers (a 404, a refusal) carry the headers too."""
    return wrap_streamlit_app("forbids_framing", FramedBySelfOnly)
