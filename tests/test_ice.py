"""The webcam's ICE candidates follow Streamlit's ``server.address`` (ui/server/ice.py); the browser test of the real
sockets is tests/test_webrtc_sessions.py."""

from __future__ import annotations

import pytest

from ui.server.ice import ice_host_addresses, keep_ice_on_served_address

MACHINE = ["192.0.2.2", "fd00::2"]


def every(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return [a for a in MACHINE if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("localhost", ["127.0.0.1", "::1"]),
        ("LOCALHOST", ["127.0.0.1", "::1"]),
        ("127.0.0.1", ["127.0.0.1", "::1"]),
        ("127.0.1.1", ["127.0.0.1", "::1"]),
        ("::1", ["127.0.0.1", "::1"]),
        ("[::1]", ["127.0.0.1", "::1"]),
        ("192.0.2.2", ["192.0.2.2"]),
        ("0.0.0.0", ["192.0.2.2"]),
        ("::", MACHINE),
        ("", MACHINE),
        (None, MACHINE),
        ("myhost.example", MACHINE),  # a name may stand for any address of the machine
    ],
)
def test_candidates_on_the_served_address(address: str | None, expected: list[str]) -> None:
    assert ice_host_addresses(address, True, True, every) == expected


def test_families_aioice_does_not_use_are_left_out() -> None:
    assert ice_host_addresses("localhost", True, False, every) == ["127.0.0.1"]
    assert ice_host_addresses("::1", False, True, every) == ["::1"]
    assert ice_host_addresses("192.0.2.2", False, True, every) == []


def test_the_patch_reads_the_option_at_gathering_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from aioice import ice
    from streamlit import config

    monkeypatch.setattr(ice, "get_host_addresses", every)
    assert keep_ice_on_served_address()
    patched = ice.get_host_addresses
    assert keep_ice_on_served_address() and ice.get_host_addresses is patched, "a second call wraps nothing"
    monkeypatch.setattr(config, "get_option", lambda name: {"server.address": "localhost"}[name])
    assert ice.get_host_addresses(True, True) == ["127.0.0.1", "::1"]
    monkeypatch.setattr(config, "get_option", lambda name: {"server.address": None}[name])
    assert ice.get_host_addresses(True, True) == MACHINE
