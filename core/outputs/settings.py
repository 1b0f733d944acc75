"""What a running stream sends out, and where: ``OutputSettings``, and the one error every output raises.

Ports and hosts come from people (a page's widgets, the ``live`` command's flags), so they are checked
here, once, with messages that name the value and the problem.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from dataclasses import dataclass

LOCALHOST = "127.0.0.1"  # servers bind here unless told otherwise: nothing on the network sees them by default
DEFAULT_OSC_PORT = 12000  # Wekinator's default output port, which its Processing and p5 examples listen on
DEFAULT_WS_PORT = 8765


class OutputError(ValueError):
    """An output that cannot start: a port in use or out of range, a host that does not resolve."""


def check_port(port: int, what: str, allow_any: bool = False) -> int:
    """``port`` if it is 1..65535 (0 too with ``allow_any``: the system picks one, for tests), else ``OutputError``."""
    low = 0 if allow_any else 1
    if isinstance(port, bool) or not isinstance(port, int) or not low <= port <= 65535:
        raise OutputError(f"{what} port {port!r}: must be a whole number from {low} to 65535")
    return port


def parse_target(text: str, what: str = "OSC") -> tuple[str, int]:
    """``"HOST:PORT"`` → (host, port); ``"[::1]:9000"`` for an IPv6 address. The host is not looked up here."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.strip().isdigit():
        raise OutputError(f"{what} target {text!r}: expected HOST:PORT, e.g. 127.0.0.1:{DEFAULT_OSC_PORT}")
    return host, check_port(int(port), what)


ANY = "*"  # every web page may connect
NULL = "null"  # what a browser sends for a page opened from a file (and for sandboxed frames)
_ORIGIN = re.compile(r"([a-z][a-z0-9+.-]*)://([^/\s?#@]+)/?", re.IGNORECASE)  # one trailing / is forgiven


def parse_origin(text: str) -> str:
    """``text`` as an origin to allow (``*``, ``null`` or SCHEME://HOST[:PORT], in lower case), else ``OutputError``."""
    value = text.strip()
    if value in (ANY, NULL):
        return value
    match = _ORIGIN.fullmatch(value)
    if match is None:
        raise OutputError(
            f"WebSocket origin {text!r}: expected SCHEME://HOST[:PORT] as a browser sends it, without a path "
            "(e.g. https://sketch.example.org or http://192.168.1.20:8000), or * for every web page"
        )
    return f"{match[1].lower()}://{match[2].lower()}"


@dataclass(frozen=True)
class OutputSettings:
    """Where a stream's results go and what they hold.

    Attributes:
        osc: (host, port) to send OSC messages to over UDP, or None for no OSC.
        ws_port: the port of the WebSocket server that broadcasts JSON to every client, or None for none.
        ws_host: the address that server binds to (127.0.0.1: this machine only).
        ws_origins: web pages from elsewhere that may connect to it besides this machine's and files
            (``core.outputs.origins``): origins as a browser sends them, ``*`` for every page.
        every_frame: a message for every frame; False: only when a hand's label changes, a hand comes
            or goes (motion events are always sent).
        keypoints: also send each hand's K×3 normalised keypoints.
        capacity: messages the WebSocket output may hold while its clients are slow; beyond that the oldest
            are dropped (and counted), so a slow or absent receiver never holds up the video (OSC holds none:
            a datagram the socket cannot take is dropped and counted).
    """

    osc: tuple[str, int] | None = None
    ws_port: int | None = None
    ws_host: str = LOCALHOST
    ws_origins: tuple[str, ...] = ()
    every_frame: bool = False
    keypoints: bool = False
    capacity: int = 64

    def __post_init__(self) -> None:
        if self.osc is not None:
            host, port = self.osc
            if not host.strip():
                raise OutputError("OSC host: empty; give a name or an address, e.g. 127.0.0.1")
            check_port(port, "OSC", allow_any=False)
        if self.ws_port is not None:
            check_port(self.ws_port, "WebSocket", allow_any=True)
        if not self.ws_host.strip():
            raise OutputError("WebSocket host: empty; give an address to bind to, e.g. 127.0.0.1")
        if self.capacity < 1:
            raise OutputError(f"output queue capacity {self.capacity}: must be at least 1")
        object.__setattr__(self, "ws_origins", tuple(dict.fromkeys(parse_origin(o) for o in self.ws_origins)))

    @property
    def enabled(self) -> bool:
        return self.osc is not None or self.ws_port is not None

    def same_transport(self, other: OutputSettings) -> bool:
        """True when ``other`` needs the same sockets (only what is sent differs): no reconnecting."""
        # a new allow-list reopens the server: a page no longer allowed must not stay connected
        mine = (self.osc, self.ws_port, self.ws_host, self.ws_origins, self.capacity)
        return mine == (other.osc, other.ws_port, other.ws_host, other.ws_origins, other.capacity)

    def describe(self) -> str:
        """One line for a status bar or the CLI: where messages go."""
        parts = []
        if self.osc is not None:
            parts.append(f"OSC → {self.osc[0]}:{self.osc[1]}")
        if self.ws_port is not None:
            parts.append(f"WebSocket ws://{self.ws_host}:{self.ws_port}")
            if self.ws_origins:
                parts.append(
                    "any web page" if ANY in self.ws_origins else f"also pages of {', '.join(self.ws_origins)}"
                )
        parts.append("every frame" if self.every_frame else "on change")
        if self.keypoints:
            parts.append("with keypoints")
        return " · ".join(parts)


def on_this_machine(host: str) -> bool:
    """Whether ``host`` names this machine's loopback (``localhost``, 127.x.x.x, ``::1``), without a DNS lookup:
    a name that merely resolves there today is not trusted to tomorrow."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_class_outputs(settings: OutputSettings, allowed_hosts: Collection[str]) -> OutputSettings:
    """``settings`` when a signed-in member of a class may open them, else ``OutputError``.

    On a class's server a student's outputs stay on that machine (its loopback), so one student's page cannot
    make the server send to other machines, nor a WebSocket listen beyond it, unless the teacher's server
    config names the host (``allowed_hosts``; ``*`` for any). Each session's outputs are its own already
    (``ui.live.outputs_panel`` keeps them in the session's state)."""
    allowed = {h.strip().lower() for h in allowed_hosts}
    for what, host in (("OSC host", settings.osc[0] if settings.osc else None), ("WebSocket host", settings.ws_host)):
        if host is None or on_this_machine(host) or ANY in allowed or host.strip().lower() in allowed:
            continue
        raise OutputError(f"{what} {host!r}: in a class, outputs go to this server's own machine only "
                          f"({LOCALHOST}) unless the teacher's server settings allow that host")  # fmt: skip
    return settings
