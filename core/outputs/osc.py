"""OSC over UDP (python-osc's ``SimpleUDPClient``), fed through a ``Channel``: the formats of ``messages.to_osc``.

UDP never waits for a receiver: nothing listening costs nothing but the datagrams. The host is
resolved once, here, so a name that does not resolve is one clear error before anything starts.
"""

from __future__ import annotations

import socket

from pythonosc.udp_client import SimpleUDPClient

from core.outputs.channel import Channel, ChannelStats
from core.outputs.messages import Message, to_osc
from core.outputs.settings import OutputError, check_port


def resolve(host: str, port: int) -> str:
    """The first address of ``host`` for UDP, or ``OutputError`` naming the host."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        raise OutputError(f"OSC host {host!r}: cannot be resolved ({reason}); "
                          "give a name this machine knows or an address, e.g. 127.0.0.1") from None  # fmt: skip
    return str(infos[0][4][0])


class OscSender:
    """Sends each queued message's OSC messages to ``host:port``, one datagram each, in order."""

    def __init__(self, host: str, port: int, capacity: int = 64) -> None:
        check_port(port, "OSC")
        self.host, self.port = host, port
        self.address = resolve(host, port)
        try:
            self._client = SimpleUDPClient(self.address, port)
        except OSError as exc:
            raise OutputError(f"OSC {host}:{port}: cannot open a UDP socket ({exc.strerror or exc})") from None
        self.channel: Channel[Message] = Channel(f"osc-{port}", self._send, capacity)

    def put(self, message: Message) -> bool:
        return self.channel.put(message)

    def _send(self, message: Message) -> None:
        for address, args in to_osc(message):
            self._client.send_message(address, args)

    def stats(self) -> ChannelStats:
        return self.channel.stats()

    def close(self) -> None:
        self.channel.close()
        self._client.close()
