"""The webcam's WebRTC sockets listen where the app does (#47).

aioice, under aiortc, binds one UDP socket per host address of the machine for each stream and offers
them all to the browser as candidates, loopback excepted: with the app on ``localhost`` every Live or
Record stream still listened on the machine's network addresses. ``keep_ice_on_served_address`` makes
aioice gather on the addresses Streamlit's ``server.address`` names instead:

* a loopback name or address (``localhost``, the default in ``.streamlit/config.toml``): 127.0.0.1 and ::1;
* one IP address: that address;
* ``0.0.0.0`` (every IPv4 address): the machine's IPv4 addresses;
* none, ``::`` or another host name: every address of the machine, as aioice does by itself.

A browser on the same machine reaches a loopback candidate from its own host candidates (Chromium does
not offer loopback ones), so the webcam works as before. The option is read for each stream, so it
holds however the server was started (``python -m ui.server.serve``, ``streamlit run app.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

Gather = Callable[[bool, bool], list[str]]  # aioice.ice.get_host_addresses(use_ipv4, use_ipv6)
_EVERY_ADDRESS = {"", "::"}


def ice_host_addresses(server_address: str | None, use_ipv4: bool, use_ipv6: bool, every: Gather) -> list[str]:
    """The host addresses a stream gathers candidates on when Streamlit listens on ``server_address``."""
    address = (server_address or "").strip().strip("[]")
    if address in _EVERY_ADDRESS:
        return every(use_ipv4, use_ipv6)
    if address == "0.0.0.0":
        return every(use_ipv4, False)
    if address.lower() == "localhost":
        address = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # a host name: it may stand for any of the machine's addresses
        return every(use_ipv4, use_ipv6)
    wanted = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")] if ip.is_loopback else [ip]
    return [str(a) for a in wanted if (use_ipv4 if a.version == 4 else use_ipv6)]


def _served_address() -> str | None:
    from streamlit import config

    return config.get_option("server.address")


def keep_ice_on_served_address() -> bool:
    """Make aioice gather candidates on the served address only; True when the patch is in place."""
    try:
        from aioice import ice
    except ImportError:  # no WebRTC stack: nothing listens
        return False
    original = ice.get_host_addresses
    if getattr(original, "follows_server_address", False):
        return True

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ice_host_addresses(_served_address(), use_ipv4, use_ipv6, original)

    get_host_addresses.follows_server_address = True  # type: ignore[attr-defined]
    ice.get_host_addresses = get_host_addresses
    return True
