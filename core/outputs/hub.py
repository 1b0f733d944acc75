"""``Outputs``: the OSC sender and WebSocket server a stream's settings ask for, fed from the video thread.

``publish`` runs on the video thread and builds a small ``FrameMessage``: OSC sends its datagrams from a
non-blocking socket right there (UDP never waits), the WebSocket server's queue takes it (``Channel.put``
never waits) and encodes and sends it on its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.outputs.messages import ChangeFilter, Message, frame_message, motion_message
from core.outputs.osc import OscSender
from core.outputs.settings import OutputError, OutputSettings
from core.outputs.ws import WsServer

if TYPE_CHECKING:
    from core.gestures.pipeline import FrameResult
    from core.motion.spotting import SpotEvent


@dataclass(frozen=True)
class OutputStats:
    """Messages sent and dropped over every output (a WebSocket message skipped for one slow client counts
    once per client), WebSocket clients connected now, and the last error an output met (None: none)."""

    sent: int
    dropped: int
    clients: int
    last_error: str | None
    peak_clients: int = 0  # the most WebSocket clients connected at once since the outputs opened

    def line(self) -> str:
        text = f"sent {self.sent} · dropped {self.dropped} · clients {self.clients}"
        return text if self.last_error is None else f"{text} · last error: {self.last_error}"


class Outputs:
    """Opens the outputs of ``settings`` (``OutputError`` when one cannot start; none is left open then).

    One producer thread calls ``publish`` / ``publish_motion``; ``stats`` and ``close`` may come from any.
    """

    def __init__(self, settings: OutputSettings) -> None:
        self.settings = settings
        self._filter = ChangeFilter()
        self._osc: OscSender | None = None
        self._ws: WsServer | None = None
        try:
            if settings.osc is not None:
                self._osc = OscSender(*settings.osc)
            if settings.ws_port is not None:
                self._ws = WsServer(settings.ws_port, settings.ws_host, settings.capacity, settings.ws_origins)
        except OutputError:
            self.close()
            raise

    @property
    def ws_port(self) -> int | None:
        """The port the WebSocket server listens on (the system's pick when the settings said 0)."""
        return None if self._ws is None else self._ws.port

    def update(self, settings: OutputSettings) -> bool:
        """Take ``settings`` when they need the same sockets (what is sent changes from the next frame); else False."""
        if not self.settings.same_transport(settings):
            return False
        self.settings = settings
        return True

    def publish(self, result: FrameResult, t: float) -> None:
        """Queue ``result`` (at ``t`` seconds) unless "on change only" finds nothing changed. Never waits."""
        settings = self.settings  # one read: the page may swap it meanwhile
        message = frame_message(result, t, settings.keypoints)
        if settings.every_frame | self._filter.changed(message):  # | : the filter always sees the frame
            self._put(message)

    def publish_motion(self, event: SpotEvent) -> None:
        """Queue a motion gesture that just ended (always sent, whatever ``every_frame`` says)."""
        self._put(motion_message(event))

    def _put(self, message: Message) -> None:
        for output in (self._osc, self._ws):
            if output is not None:
                output.put(message)

    def stats(self) -> OutputStats:
        parts = [o.stats() for o in (self._osc, self._ws) if o is not None]
        errors = [s.last_error for s in parts if s.last_error is not None]
        ws = self._ws
        return OutputStats(sent=sum(s.sent for s in parts), dropped=sum(s.dropped for s in parts),
                           clients=0 if ws is None else ws.clients, last_error=errors[-1] if errors else None,
                           peak_clients=0 if ws is None else ws.peak_clients)  # fmt: skip

    def close(self) -> None:
        """Send what waits, stop every thread, free the port. Safe to call twice; ``stats`` still counts after."""
        for output in (self._osc, self._ws):
            if output is not None:
                output.close()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
