"""The launcher (``python -m ui.server.serve``, what ``make run`` starts) and the address the app listens on."""

from __future__ import annotations

import ipaddress
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip

from ui.server.serve import APP, ROOT, streamlit_argv

LOOPBACK = {"127.0.0.1", "::1"}


@pytest.mark.slow
def test_config_binds_to_localhost_by_default() -> None:
    """Nothing on the network reaches the app unless the user asks for it (issue 19, item 2)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] in ("localhost", "127.0.0.1")


@pytest.mark.slow
def test_makefile_serves_through_the_launcher_on_the_default_address() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m ui.server.serve" in run and "streamlit run" not in run
    assert "\nADDRESS ?=\n" in makefile, "no address unless the user sets one"


def test_streamlit_argv_runs_app_py_with_the_options() -> None:
    assert streamlit_argv(["--port", "8502", "--server.address", "0.0.0.0"]) == [
        "streamlit", "run", str(APP), "--server.port", "8502", "--server.address", "0.0.0.0",
    ]  # fmt: skip


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, size in (("tcp", 4), ("tcp6", 16)):
        path = Path(f"/proc/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # /proc writes each 32-bit word in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, size, 4))
            found.add(str(ipaddress.ip_address(words)))
    return found


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_first_requests_are_served_patched_and_only_on_loopback(tmp_path: Path) -> None:
    """``/favicon.png`` was a 500 ("Expected ASGI message 'http.response.start'") before any page had run."""
    from bench.common.browser import AppServer

    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()
    try:
        statuses = {path: _get(f"{server.url}{path}") for path in ("/favicon.png", "/", "/record", "/favicon.png")}
        addresses = _listening_addresses(server.port)
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert statuses == {"/favicon.png": 200, "/": 200, "/record": 200}, statuses
    assert "Expected ASGI message" not in log and "Traceback" not in log, log[-3000:]
    assert addresses and addresses <= LOOPBACK, f"listening on {addresses}"


# extended: a page's own URL on a fresh server: the walkthrough opens Record, Train and Live by their URLs
@pytest.mark.extended
@pytest.mark.slow
def test_a_page_opened_by_its_url_on_a_fresh_server_runs_through_app_py(tmp_path: Path) -> None:
    """A bookmark of /train as the server's first visitor got Streamlit's old pages/ mode:
    the sidebar listed "app, home, live, record, train", the layout was narrow and app.py never ran."""
    from bench.common.browser import AppServer, browser_page, wait_app_ready
    from bench.common.fake_camera import DEFAULT_VIDEO

    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()
    try:
        with browser_page(y4m, width=1280, height=800) as page:
            page.goto(f"{server.url}/train")
            wait_app_ready(page)
            page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text(timeout=30_000)
            status = page.locator('[data-testid="stSidebarUserContent"]').inner_text(timeout=30_000)
    finally:
        server.stop()
    names = [line.strip() for line in nav.splitlines() if line.strip().isalpha()]  # the icons are lines too
    assert names == ["Home", "Record", "Train", "Live"], names
    assert "Project:" in status, f"app.py's sidebar status is missing: {status!r}"
