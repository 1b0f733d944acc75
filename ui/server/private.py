"""Routes of Streamlit's server that no student needs: ``/_stcore/metrics`` answers 404.

Streamlit serves its OpenMetrics counters (sessions, cache and memory use) to anyone who asks; on a class's server
that tells every student how many others are on and what the server holds. ``hide_private_routes`` wraps the app
Streamlit's uvicorn serves (as ``ui.server.limits.bound_websockets`` does) before the server starts: ``python -m
ui.server.serve`` (``make run``) installs it. ``/_stcore/health`` stays: a proxy's health check needs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app

HIDDEN_ROUTES = ("/_stcore/metrics",)  # at any base URL path


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
