"""What a server process holds, from ``/proc`` alone (psutil is not a dependency): its UDP sockets and the
addresses they are bound to, its threads, file descriptors and resident memory.

A WebRTC stream's ICE sockets are UDP sockets of the server process (aioice binds one per host address),
so counting them tells whether a closed tab's peer connection was let go, and their addresses whether the
streams listen beyond loopback.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Resources:
    udp: int  # UDP sockets
    threads: int
    fds: int
    rss_mb: float


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed between listing and reading
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _address(hex_ip: str) -> str:
    """``/proc/net/udp*``'s local address: the kernel's 32-bit words in host byte order."""
    raw = bytes.fromhex(hex_ip)
    words = struct.unpack(f"={len(raw) // 4}I", raw)
    packed = struct.pack(f"!{len(words)}I", *words)
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed)


def udp_sockets(pid: int) -> list[tuple[str, int]]:
    """(local address, port) of each UDP socket ``pid`` holds open."""
    inodes = _socket_inodes(pid)
    bound = []
    for table in ("udp", "udp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            if int(fields[9]) in inodes:
                ip, port = fields[1].split(":")
                bound.append((_address(ip), int(port, 16)))
    return bound


def off_loopback(sockets: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The sockets of ``sockets`` another machine could reach (bound to neither 127/8 nor ::1)."""
    return [(ip, port) for ip, port in sockets if not ipaddress.ip_address(ip).is_loopback]


def resources(pid: int) -> Resources:
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return Resources(
        udp=len(udp_sockets(pid)),
        threads=len(os.listdir(f"/proc/{pid}/task")),
        fds=len(os.listdir(f"/proc/{pid}/fd")),
        rss_mb=round(rss_kb / 1024, 1),
    )
