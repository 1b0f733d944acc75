"""OSC over UDP (python-osc's ``SimpleUDPClient``): the formats of ``messages.to_osc``.

UDP never waits for a receiver: nothing listening costs nothing but the datagrams. So the datagrams
go out on the caller's (the video's) thread, from a non-blocking socket: a full send buffer drops the
message and counts it, and no thread is woken a frame (a queue and its thread cost more CPU than the
send, about 0.05 ms a frame). The host is resolved once, here, so a name that does not resolve is one
clear error before anything starts.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass

from pythonosc.parsing import osc_types
from pythonosc.udp_client import SimpleUDPClient

from core.outputs.channel import ChannelStats
from core.outputs.messages import OSC_KEYPOINTS, Message, to_osc
from core.outputs.settings import OutputError, check_port


@dataclass(frozen=True)
class Datagram:
    """What python-osc's ``UDPClient.send`` sends: an object with the datagram's bytes as ``dgram``."""

    dgram: bytes


def pack_message(address: str, args: list) -> Datagram:
    """One OSC message of ``args`` (ints, floats, strings) packed in one go, as python-osc's builder would.

    python-osc's builder packs each argument on its own and parses the result back: 75 µs for the 64
    arguments of a hand's keypoints, 11 µs for a gesture, most of what OSC costs a frame; ``struct`` packs
    the same bytes (the tests compare them with python-osc's ``build_msg``) in a few microseconds.
    """
    tags, values, strings = ",", [], []
    for arg in args:
        if isinstance(arg, str):
            tags += "s"
            strings.append(len(values))
            values.append(osc_types.write_string(arg))
        elif isinstance(arg, int):
            tags += "i"
            values.append(struct.pack(">i", arg))
        else:
            tags += "f"
            values.append(struct.pack(">f", arg))
    return Datagram(osc_types.write_string(address) + osc_types.write_string(tags) + b"".join(values))


def keypoints_datagram(args: list) -> Datagram:
    """The ``/handteach/keypoints`` message (an int, then floats), its floats packed by one ``struct`` call."""
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
    """Sends each message's OSC messages to ``host:port``, one datagram each, in order, never waiting."""

    def __init__(self, host: str, port: int) -> None:
        check_port(port, "OSC")
        self.host, self.port = host, port
        self.address = resolve(host, port)
        try:
            self._client = SimpleUDPClient(self.address, port)  # its socket is non-blocking (no timeout given)
        except OSError as exc:
            raise OutputError(f"OSC {host}:{port}: cannot open a UDP socket ({exc.strerror or exc})") from None
        self._lock = threading.Lock()
        self._sent = self._dropped = 0
        self._last_error: str | None = None
        self._closed = False

    def put(self, message: Message) -> bool:
        """Send ``message`` now; False (counted as dropped) when the socket cannot take it or is closed."""
        if self._closed:
            return False
        try:
            self._send(message)
        except OSError as exc:  # BlockingIOError: the send buffer is full; a network error: kept for the page
            with self._lock:
                self._dropped += 1
                self._last_error = f"{type(exc).__name__}: {exc}"
            return False
        with self._lock:
            self._sent += 1
        return True

    def _send(self, message: Message) -> None:
        for address, args in to_osc(message):
            datagram = keypoints_datagram(args) if address == OSC_KEYPOINTS else pack_message(address, args)
            self._client.send(datagram)  # type: ignore[arg-type] # python-osc reads .dgram alone

    def stats(self) -> ChannelStats:
        with self._lock:
            return ChannelStats(self._sent, self._dropped, 0, self._last_error)

    def close(self) -> None:
        self._closed = True
        self._client.close()
