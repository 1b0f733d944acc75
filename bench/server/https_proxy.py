"""The app over HTTPS behind nginx on this machine, as a class would reach it: a self-signed certificate
(openssl), nginx as the reverse proxy (websocket upgrades for Streamlit's ``/_stcore/stream``), no STUN or TURN.

    .venv/bin/python bench/server/https_proxy.py            # app + proxy; prints the https address; Ctrl-C stops both
    .venv/bin/python bench/server/https_proxy.py --check    # and headless Chromium gets a label on Live through it;
                                                            # its last line: one JSON object of the times

A browser gives a page the camera only in a secure context: ``https://``, or ``http://localhost``. Served on the
network over plain http, the browser path's camera is refused (the component says so and offers files). ``--check``
opens ``https://handteach.test:PORT/live`` (Chromium maps the name to 127.0.0.1, so localhost's own exemption
plays no part; the certificate is accepted as a school's would be once installed) and waits for the first label
the tab draws and the page's card shows. Everything binds to 127.0.0.1. ``tests/test_https_proxy.py`` runs the same.

The nginx configuration is ``nginx_conf``'s; its ``server`` block is the one ``docs/https.md`` shows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import AppServer, free_port  # noqa: E402
from bench.common.fake_camera import ROOT  # noqa: E402

HOSTNAME = "handteach.test"  # a name that is not localhost: only HTTPS makes its page a secure context
RESOLVE = f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1"  # Chromium's flag: the name is loopback, nothing leaves
NGINX = "nginx"

# The server block docs/https.md shows (its ports and certificate paths filled in by ``nginx_site``).
SITE = """\
server {{
    listen {listen} ssl;
    server_name {hostname};
    ssl_certificate     {cert};
    ssl_certificate_key {key};

    location / {{
        proxy_pass http://127.0.0.1:{app_port};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;       # Streamlit's /_stcore/stream websocket
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;  # the client as nginx saw it, not a header the browser sent
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 86400;                     # a Live tab keeps its websocket open for hours
        proxy_buffering off;                          # the page's messages pass as they come
        client_max_body_size 200m;                    # uploads: the app's maxUploadSize
    }}
}}
"""

# In nginx's http block: a websocket's Upgrade header asks the app for "Connection: upgrade", a plain request not.
UPGRADE_MAP = """\
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}
"""

# Everything nginx writes stays in ``prefix`` (no root needed).
MAIN = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{upgrade_map}{site}}}
"""


def nginx_missing() -> str | None:
    """Why the proxy cannot run here (None: nginx and openssl are installed)."""
    missing = [
        tool for tool in (NGINX, "openssl") if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]
    return f"{' and '.join(missing)} not installed (apt-get install nginx-light openssl)" if missing else None


def nginx_site(listen: str, app_port: int, cert: Path, key: Path, hostname: str = HOSTNAME) -> str:
    """The ``server`` block: TLS on ``listen`` ("127.0.0.1:8443"; "443" on a school server) to the app's port."""
    return SITE.format(listen=listen, app_port=app_port, cert=cert, key=key, hostname=hostname)


def _indented(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())


def nginx_conf(prefix: Path, port: int, app_port: int, cert: Path, key: Path) -> str:
    """The whole nginx.conf: loopback only, every file nginx writes under ``prefix``."""
    site = nginx_site(f"127.0.0.1:{port}", app_port, cert, key)
    return MAIN.format(prefix=prefix, upgrade_map=_indented(UPGRADE_MAP), site=_indented(site))


def self_signed(folder: Path, hostname: str = HOSTNAME) -> tuple[Path, Path]:
    """A certificate and key for ``hostname``, localhost and 127.0.0.1, valid two days (openssl req -x509)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    names = f"subjectAltName=DNS:{hostname},DNS:localhost,IP:127.0.0.1"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={hostname}", "-addext", names, "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


@dataclass
class Proxy:
    """nginx running in the foreground; ``url`` is the https address the browser opens."""

    process: subprocess.Popen[bytes]
    port: int
    prefix: Path

    @property
    def url(self) -> str:
        return f"https://{HOSTNAME}:{self.port}"

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def https_proxy(app_port: int, port: int | None = None) -> Iterator[Proxy]:
    """nginx with TLS on 127.0.0.1:``port`` in front of the app on ``app_port``, stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="handteach-nginx-") as tmp:
        prefix, port = Path(tmp), port or free_port()
        cert, key = self_signed(prefix)
        (prefix / "nginx.conf").write_text(nginx_conf(prefix, port, app_port, cert, key))
        nginx = shutil.which(NGINX) or f"/usr/sbin/{NGINX}"
        process = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                    str(prefix / "nginx.conf")], stderr=subprocess.PIPE)  # fmt: skip
        proxy = Proxy(process, port, prefix)
        try:
            _wait_tls(proxy)
            yield proxy
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_tls(proxy: Proxy, timeout: float = 20.0) -> None:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {proxy.process.stderr.read().decode(errors='replace')}{proxy.log()}")
        with (contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", proxy.port), timeout=2) as raw,
              context.wrap_socket(raw, server_hostname=HOSTNAME)):  # fmt: skip
            return
        time.sleep(0.1)
    raise RuntimeError(f"nginx did not answer TLS on {proxy.port}: {proxy.log()}")


def check(proxy: Proxy, browser) -> dict[str, object]:  # noqa: ANN001 - a Playwright Browser launched with RESOLVE
    """Live through the proxy in a new context of ``browser``: seconds to the first label drawn and on the card."""
    from bench.common.webcam_browser import first_label

    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["camera"], origin=proxy.url)
    try:
        page = context.new_page()
        times = first_label(page, f"{proxy.url}/live")
        secure, protocol = page.evaluate("() => [window.isSecureContext, location.protocol]")
    finally:
        context.close()
    return times | {"secure_context": secure, "protocol": protocol}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8443, help="the https port nginx listens on (127.0.0.1)")
    parser.add_argument("--check", action="store_true", help="get a label in headless Chromium through it, then stop")
    args = parser.parse_args()
    if reason := nginx_missing():
        print(f"cannot run the proxy: {reason}", file=sys.stderr)
        return 2
    from bench.common.fake_camera import DEFAULT_VIDEO, fake_camera_y4m
    from bench.common.webcam_browser import chromium

    with tempfile.TemporaryDirectory(prefix="handteach-https-") as tmp:
        server = AppServer(Path(tmp) / "data", keypoints="browser").start()
        try:
            with https_proxy(server.port, args.port) as proxy:
                if args.check:
                    y4m = fake_camera_y4m(DEFAULT_VIDEO, ROOT / "bench" / "out")
                    with chromium(y4m, extra_args=[RESOLVE]) as browser:
                        print(json.dumps(check(proxy, browser)))
                    return 0
                print(f"{proxy.url}/live (add '127.0.0.1 {HOSTNAME}' to /etc/hosts, or open https://localhost:"
                      f"{proxy.port}); Ctrl-C stops", flush=True)  # fmt: skip
                with contextlib.suppress(KeyboardInterrupt):
                    proxy.process.wait()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
