"""OSC over UDP (python-osc's ``SimpleUDPClient``), fed through a ``Channel``: the formats of ``messages.to_osc``.

UDP never waits for a receiver: nothing listening costs nothing but the datagrams. The host is
resolved once, here, so a name that does not resolve is one clear error before anything starts.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from pythonosc.parsing import osc_types
from pythonosc.udp_client import SimpleUDPClient

from core.outputs.channel import Channel, ChannelStats
from core.outputs.messages import OSC_KEYPOINTS, Message, to_osc
from core.outputs.settings import OutputError, check_port


@dataclass(frozen=True)
class Datagram:
    """What python-osc's ``UDPClient.send`` sends: an object with the datagram's bytes as ``dgram``."""

    dgram: bytes


def keypoints_datagram(args: list) -> Datagram:
    """The ``/handteach/keypoints`` message (an int, then floats) packed in one go.

    python-osc's builder packs each argument on its own and parses the result back: 75 µs for the 64
    arguments of a hand, most of what OSC costs a frame; ``struct`` packs the same bytes (the tests compare
    them with python-osc's) in a few microseconds.
    """
    floats = len(args) - 1
    header = osc_types.write_string(OSC_KEYPOINTS) + osc_types.write_string(",i" + "f" * floats)
    return Datagram(header + struct.pack(f">i{floats}f", *args))


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
            if address == OSC_KEYPOINTS:
                self._client.send(keypoints_datagram(args))  # type: ignore[arg-type] # python-osc reads .dgram alone
            else:
                self._client.send_message(address, args)

    def stats(self) -> ChannelStats:
        return self.channel.stats()

    def close(self) -> None:
        self.channel.close()
        self._client.close()
