"""Who may read the outputs' WebSocket: the browser's ``Origin`` header against an allow-list.

Any web page a browser on this machine has open can connect to ``ws://127.0.0.1:PORT``; the browser
says which site the page came from in ``Origin``, which the page cannot change. Allowed by default:
no ``Origin`` (Python, node, Processing: programs, not pages), ``null`` (a page opened from a file, such
as ``examples/ws_receiver.html``) and pages served from this machine (``localhost``, ``127.0.0.1``,
``[::1]``, any port, which covers the app's own pages on this machine). Anything else needs naming
(``live --ws-origin``, Live's Outputs); ``*`` allows every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.outputs.settings import ANY, NULL, parse_origin

_LOCAL = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?", re.IGNORECASE)
ALLOW_HINT = "live --ws-origin ORIGIN, or on Live: Outputs → “Also allow web pages from”"


def parse_origins(text: str) -> tuple[str, ...]:
    """Origins separated by commas or spaces (a text field's value), each checked by ``parse_origin``."""
    return tuple(parse_origin(part) for part in re.split(r"[,\s]+", text) if part)


def app_origin(url: str) -> str | None:
    """The origin of a page's URL (``https://host:8501/live`` → ``https://host:8501``), None when it has none."""
    match = re.match(r"([a-z][a-z0-9+.-]*://[^/\s?#@]+)", url.strip(), re.IGNORECASE)
    return None if match is None else parse_origin(match[1])


def printable(text: str, limit: int = 120) -> str:
    """``text`` from a client, safe for one log line: control characters escaped, at most ``limit`` characters."""
    shown = text.encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return shown if len(shown) <= limit else f"{shown[:limit]}…"


@dataclass(frozen=True)
class OriginPolicy:
    """The defaults above, plus ``extra`` origins (``parse_origin``'s form; ``*`` allows all)."""

    extra: tuple[str, ...] = ()

    @classmethod
    def of(cls, origins: Iterable[str]) -> OriginPolicy:
        return cls(tuple(dict.fromkeys(parse_origin(o) for o in origins)))

    def allows(self, origin: str | None) -> bool:
        if origin is None or origin == NULL or ANY in self.extra or _LOCAL.fullmatch(origin):
            return True
        return origin.lower() in self.extra

    def refusal(self, origin: str) -> str:
        """Why a page from ``origin`` may not connect, and how to let it."""
        shown = printable(origin)
        return f"a web page from {shown} is not allowed; to let it connect: {ALLOW_HINT.replace('ORIGIN', shown)}"
