"""The route cookie of ``deploy/nginx-servers.conf`` (what keeps a browser on one app server): ``Secure`` over
https, and without it over plain http, where a browser drops a ``Secure`` cookie and each request would pick a server
anew (a school network without a certificate lost stickiness silently). nginx runs the file as it is, with only its
ports, certificate and name replaced (tests/scaled_site.py), in front of app servers that are not there: the cookie
comes with every answer, a 502 too."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from scaled_site import MAIN, NGINX, _indented, _replace_once, _tls, missing, self_signed, site_config

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _route_cookie(prefix: Path, config: str, port: int, https: bool) -> str:
    """The Set-Cookie header nginx running ``config`` gives a browser without a route."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix, site=_indented(config)))
    nginx = shutil.which(NGINX) or f"/usr/sbin/{NGINX}"
    process = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                str(prefix / "nginx.conf")], stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode(errors="replace") if process.stderr else ""
            try:
                conn = (http.client.HTTPSConnection("127.0.0.1", port, context=_tls(), timeout=5) if https else
                        http.client.HTTPConnection("127.0.0.1", port, timeout=5))  # fmt: skip
                conn.request("GET", "/")
                return conn.getresponse().getheader("Set-Cookie") or ""
            except OSError:
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.skipif(missing() is not None, reason=f"needs {missing()}")
def test_the_route_cookie_is_secure_over_https_only(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    apps = [_free_port(), _free_port()]
    https_port, http_port = _free_port(), _free_port()
    over_https = site_config(f"127.0.0.1:{https_port}", apps, cert, key)
    over_http = _replace_once(site_config(f"127.0.0.1:{http_port}", apps, cert, key),
                              f"listen 127.0.0.1:{http_port} ssl;", f"listen 127.0.0.1:{http_port};")  # fmt: skip
    over_http = "\n".join(line for line in over_http.splitlines() if "ssl_certificate" not in line)
    secure = _route_cookie(tmp_path / "https", over_https, https_port, https=True)
    plain = _route_cookie(tmp_path / "http", over_http, http_port, https=False)
    assert secure.startswith("handteach_route=") and secure.endswith("; HttpOnly; SameSite=Lax; Secure"), secure
    assert plain.startswith("handteach_route=") and plain.endswith("; HttpOnly; SameSite=Lax"), plain
