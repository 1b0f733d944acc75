"""ui.server.forwarded (issue 63): on the uvicorn server Streamlit's own config builds, a request from loopback
naming ``X-Forwarded-For: 10.1.2.3`` is counted as loopback unless ``HANDTEACH_TRUSTED_PROXIES`` names it."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from streamlit.web.server.starlette import starlette_server

from ui.server.forwarded import proxy_settings, trust_named_proxies


async def _client_address(scope, receive, send) -> None:  # noqa: ANN001 - ASGI: says who it thinks is asking
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["client"][0].encode()})


@contextmanager
def _served(kwargs: dict) -> Iterator[int]:
    """A real uvicorn server on a free loopback port with ``kwargs`` (Streamlit's config, as it passes them)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_client_address, host="127.0.0.1", port=port, log_level="warning",
                                           **kwargs))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def _seen_as(port: int, forwarded: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": forwarded})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read().decode()


@pytest.fixture
def streamlit_kwargs(monkeypatch) -> Iterator[None]:
    """Streamlit's own uvicorn kwargs function, given back as it was after the test."""
    monkeypatch.setattr(starlette_server, "_get_uvicorn_config_kwargs", starlette_server._get_uvicorn_config_kwargs)
    monkeypatch.delenv("HANDTEACH_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    yield


@pytest.mark.slow
def test_forwarded_addresses_from_loopback_are_not_trusted_unless_named(streamlit_kwargs, monkeypatch) -> None:
    with _served(starlette_server._get_uvicorn_config_kwargs()) as port:  # Streamlit's as it comes: uvicorn's default
        assert _seen_as(port, "10.1.2.3") == "10.1.2.3"  # any script on the machine picks its own address (before)
    assert trust_named_proxies() and trust_named_proxies()  # installed once
    with _served(starlette_server._get_uvicorn_config_kwargs()) as port:
        assert [_seen_as(port, f"10.1.2.{i}") for i in (3, 4)] == ["127.0.0.1", "127.0.0.1"]  # one address's count
    monkeypatch.setenv("HANDTEACH_TRUSTED_PROXIES", "127.0.0.1")  # an nginx on this machine, named by the admin
    with _served(starlette_server._get_uvicorn_config_kwargs()) as port:
        assert _seen_as(port, "10.1.2.3") == "10.1.2.3"


def test_the_setting_names_the_proxies_or_nobody() -> None:
    assert proxy_settings({}) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert proxy_settings({"HANDTEACH_TRUSTED_PROXIES": " 10.0.0.5, 10.0.1.0/24 "}) == {
        "proxy_headers": True, "forwarded_allow_ips": "10.0.0.5, 10.0.1.0/24"}  # fmt: skip
    assert proxy_settings({"FORWARDED_ALLOW_IPS": "10.0.0.6"})["forwarded_allow_ips"] == "10.0.0.6"  # set before
