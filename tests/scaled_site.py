"""Several app servers behind nginx on loopback, as docs/site-servers.md has a school run them:
a throwaway PostgreSQL cluster (``tests/pgcluster.py``), K app servers (``python -m ui.server.serve``, the browser
path) each with a data folder of its own on a free 127.0.0.1 port, nginx in front running
``deploy/nginx-servers.conf`` with only its ports, certificate (self-signed, made here) and name replaced, and, when
asked, a job worker process (``python -m core jobs worker``) with a data folder of its own too. The cluster, the
servers and the worker start in parallel; everything is stopped by its PID at the end.

nginx's access log (this harness's http block, not the recipe) names the app server that answered each request, so a
test can find a route cookie that reaches a given server (``route_to``) and check where a browser's requests went.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common.browser import AppServer, free_port
from bench.server.https_proxy import HOSTNAME, NGINX, self_signed
from tests.pgcluster import PgCluster, server_bin
from ui.server.outsiders import SiteBudget, proxy_connections

ROOT = Path(__file__).resolve().parents[1]
SITE_FILE = ROOT / "deploy" / "nginx-servers.conf"
ROUTE_COOKIE = "handteach_route"
SERVER_LINE = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( .*)$", re.MULTILINE)

SITE_STUDENTS = 100  # the students the test site is sized for (nginx's connections, docs/site-servers.md step 6)

# Everything nginx writes stays in ``prefix``; each request's route and answering server go to access.log. Its
# connections are sized from the app's own budgets as docs/site-servers.md says (512 once: 300 websockets without
# an account through it took them all, and a signed-in student's page timed out).
_MAIN = """\
worker_processes 1;
worker_rlimit_nofile {files};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections {connections}; }}
http {{
    log_format routes '$cookie_handteach_route|$upstream_addr|$status|$request_uri';
    access_log {prefix}/access.log routes;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}}}
"""
_CONNECTIONS = proxy_connections(SITE_STUDENTS, SiteBudget.from_env().sockets)
MAIN = _MAIN.replace("{connections}", str(_CONNECTIONS)).replace("{files}", str(2 * _CONNECTIONS))


def _replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced: the recipe changing under the harness fails here, not silently."""
    if text.count(old) != 1:
        raise ValueError(f"{SITE_FILE.name} should hold {old!r} once, found {text.count(old)}")
    return text.replace(old, new)


def site_config(listen: str, app_ports: list[int], cert: Path, key: Path, hostname: str = HOSTNAME) -> str:
    """``deploy/nginx-servers.conf`` listening on ``listen`` in front of ``app_ports``, with this certificate."""
    text = SITE_FILE.read_text(encoding="utf-8")
    text = _replace_once(text, "listen 443 ssl;", f"listen {listen} ssl;")
    text = _replace_once(text, "server_name handteach.school.example;", f"server_name {hostname};")
    text = _replace_once(text, "/etc/ssl/handteach/cert.pem;", f"{cert};")
    text = _replace_once(text, "/etc/ssl/handteach/key.pem;", f"{key};")
    found = list(SERVER_LINE.finditer(text))
    if not found or text[found[0].start() : found[-1].end()].count("\n") != len(found) - 1:
        raise ValueError(f"{SITE_FILE.name} should name its app servers on lines of their own, one after another")
    indent, rest = found[0].group(1), found[0].group(2)
    servers = "\n".join(f"{indent}server 127.0.0.1:{port}{rest}" for port in app_ports)
    return text[: found[0].start()] + servers + text[found[-1].end() :]


class Cluster(PgCluster):
    """The throwaway cluster of ``tests/pgcluster.py``, which a test may also stop and start again."""

    def stop_server(self) -> None:
        """A fast shutdown (its folder kept): every connection to it ends."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        """Up again with the options it had (``pg_ctl restart`` reads them back from postmaster.opts, also for a
        stopped server)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "restart")
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])


@dataclass
class Site:
    """What ``scaled_site`` started: ``url`` is the address a browser opens (``HOSTNAME`` mapped to 127.0.0.1)."""

    root: Path
    cluster: Cluster
    database_url: str
    servers: list[AppServer]
    port: int
    prefix: Path
    nginx: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    worker_data: Path | None = None
    _routes: dict[int, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://{HOSTNAME}:{self.port}"

    def access_log(self) -> list[tuple[str, list[int], int, str]]:
        """(route cookie, the app servers' ports tried in turn, status, request URI) of each request nginx logged
        (a websocket's once it closed)."""
        path = self.prefix / "access.log"
        rows = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else ():
            route, upstreams, status, uri = line.split("|", 3)
            ports = [int(m) for m in re.findall(r":(\d+)", upstreams)]
            rows.append((route if route != "-" else "", ports, int(status), uri))
        return rows

    def server_index(self, port: int) -> int:
        return [s.port for s in self.servers].index(port)

    def request(self, path: str, route: str | None = None, headers: dict[str, str] | None = None,
                method: str = "GET") -> http.client.HTTPResponse:  # fmt: skip
        """One request to nginx over TLS, as a browser at ``url`` with the route cookie ``route``; read it whole."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=_tls(), timeout=30)
        sent = {"Host": f"{HOSTNAME}:{self.port}", **(headers or {})}
        if route is not None:
            sent["Cookie"] = f"{ROUTE_COOKIE}={route}"
        conn.request(method, path, headers=sent)
        reply = conn.getresponse()
        reply.read()
        conn.close()
        return reply

    def served_by(self, route: str) -> int:
        """The index of the app server nginx sends ``route`` to (the last it tried)."""
        probe = f"/_stcore/health?probe={uuid.uuid4().hex}"
        self.request(probe, route)
        for _ in range(100):  # nginx writes the line as the request ends, just after its answer
            found = [ports for _, ports, _, uri in self.access_log() if uri == probe]
            if found:
                return self.server_index(found[0][-1])
            time.sleep(0.02)
        raise RuntimeError(f"nginx logged no line for {probe}")

    def route_to(self, index: int) -> str:
        """A route cookie's value that nginx sends to server ``index`` (while every server is up)."""
        n = 0
        while index not in self._routes:
            route = f"r{n:04x}{uuid.uuid4().hex[:8]}"
            self._routes.setdefault(self.served_by(route), route)
            n += 1
            if n > 200:
                raise RuntimeError(f"no route reached server {index} in 200 tries")
        return self._routes[index]

    def job_runs(self) -> list[tuple[int, str, int | None, str]]:
        """(job id, state, worker process id, error) of each job a queue worker started, oldest first."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(  # type: ignore[misc]
                "SELECT job_id, state, worker_pid, coalesce(error, '') FROM handteach_queue.handteach_job_runs"
                " ORDER BY job_id")]  # fmt: skip

    def diagnose(self) -> str:
        """What a failing test prints: the queue's jobs and workers, the job rows, and each log's end."""
        import psycopg

        lines = []
        with contextlib.suppress(psycopg.Error), psycopg.connect(self.database_url, autocommit=True) as conn:
            for sql in ("SELECT id, status, lock, queueing_lock, priority, attempts FROM handteach_queue."
                        "procrastinate_jobs ORDER BY id", "SELECT id, last_heartbeat FROM handteach_queue."
                        "procrastinate_workers", "SELECT job_id, state, worker_pid, error FROM handteach_queue."
                        "handteach_job_runs ORDER BY job_id"):  # fmt: skip
                lines += [sql.split(" FROM ")[1], *map(str, conn.execute(sql).fetchall())]
        logs = {f"server{i}": text for i, text in self.server_logs().items()}
        logs["worker"] = (self.root / "worker.log").read_text(errors="replace") if self.worker else ""
        logs["nginx"] = self.nginx_log()
        lines += [f"--- {name} log's end:\n{text[-1500:]}" for name, text in logs.items()]
        return "\n".join(lines)

    def worker_pids(self) -> set[int]:
        """The processes of the worker command (its pool and the workers it started)."""
        if self.worker is None:
            return set()
        parents = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        found, grew = {self.worker.pid}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in found} - found
            found, grew = found | more, bool(more)
        return found

    @contextlib.contextmanager
    def database_down(self) -> Iterator[None]:
        """PostgreSQL stopped (a fast shutdown) for the block, then started again with the options it had; this
        process's own pooled connections to it, broken by the restart, are closed (the servers' and the worker's are
        theirs to mend)."""
        from core.data.sql.postgres import close_pools

        self.cluster.stop_server()
        try:
            yield
        finally:
            self.cluster.start_again()
            close_pools(self.database_url)

    def kill_server(self, index: int) -> None:
        """Server ``index`` killed (SIGKILL: a crash, not a shutdown), waited for."""
        process = self.servers[index].process
        assert process is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def server_logs(self) -> dict[int, str]:
        return {i: s.log.read_text(encoding="utf-8", errors="replace") for i, s in enumerate(self.servers)}

    def nginx_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Everything this site started, each by its PID: the worker, the servers and nginx together, the cluster."""
        if self.worker is not None:
            _stop(self.worker, os.killpg)
        _together([s.stop for s in self.servers] + ([lambda: _stop(self.nginx)] if self.nginx else []))
        from core.data.sql.postgres import close_pools

        close_pools(self.database_url)  # the test process's own connections to it, before its server goes
        self.cluster.stop()


def _stop(process: subprocess.Popen, kill: Callable[[int, int], None] = os.kill) -> None:
    """SIGTERM, then SIGKILL after 15 s; ``kill`` is ``os.killpg`` for a process leading a group of its own."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            kill(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                kill(process.pid, signal.SIGKILL)
            process.wait(5)


def _together(steps: list[Callable[[], object]]) -> None:
    """Run ``steps`` in threads at once; the first error, if any, raised once all have ended."""
    errors: list[BaseException] = []

    def run(step: Callable[[], object]) -> None:
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _tls() -> ssl.SSLContext:
    """A client's TLS for the site's self-signed certificate (as a school's browsers once it is installed)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def _database(cluster: Cluster, url: str, store_dir: Path) -> None:
    """The cluster up, the store's database made and migrated (before any server: none then makes it first)."""
    import psycopg

    from core.data.sql.database import URL_VARIABLE
    from core.data.store import Store

    cluster.start()
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE handteach")
    saved = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = url
    try:
        Store(store_dir)
    finally:
        if saved is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = saved


def _start_nginx(site: Site) -> None:
    site.nginx = run_nginx(site.prefix, site.port, [s.port for s in site.servers])


def run_nginx(prefix: Path, port: int, app_ports: list[int]) -> subprocess.Popen[bytes]:
    """nginx on ``port`` running ``deploy/nginx-servers.conf`` in front of ``app_ports``, everything in ``prefix``,
    once it answers a TLS handshake; stop it by its PID."""
    cert, key = self_signed(prefix)
    config = site_config(f"127.0.0.1:{port}", app_ports, cert, key)
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix, site=_indented(config)))
    nginx = shutil.which(NGINX) or f"/usr/sbin/{NGINX}"
    started = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                str(prefix / "nginx.conf")], stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if started.poll() is not None:
            said = started.stderr.read().decode(errors="replace") if started.stderr else ""
            log = (prefix / "error.log").read_text(errors="replace") if (prefix / "error.log").exists() else ""
            raise RuntimeError(f"nginx stopped: {said}{log}")
        # a handshake only: a request before the servers are up would mark them failed for fail_timeout
        with (contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
              _tls().wrap_socket(raw, server_hostname=HOSTNAME)):  # fmt: skip
            return started
        time.sleep(0.1)
    _stop(started)
    raise RuntimeError(f"nginx did not answer on {port}")


def start_worker(site: Site, workers: int = 1) -> subprocess.Popen[bytes]:
    """``python -m core jobs worker`` on a data folder of its own (a group of its own: stopped with its children)."""
    from core.data.sql.database import URL_VARIABLE

    site.worker_data = site.worker_data or site.root / "worker" / "data"
    env = {**os.environ, URL_VARIABLE: site.database_url, "HANDTEACH_DATA": str(site.worker_data)}
    log = (site.root / "worker.log").open("ab")
    site.worker = subprocess.Popen([sys.executable, "-m", "core", "--data", str(site.worker_data), "jobs", "worker",
                                    "--workers", str(workers)], cwd=ROOT, env=env, stdout=log, stderr=log,
                                   start_new_session=True)  # fmt: skip
    return site.worker


def missing() -> str | None:
    """Why the site cannot run here (None: PostgreSQL's server, nginx and openssl are installed)."""
    from bench.server.https_proxy import nginx_missing

    if server_bin() is None:
        return "PostgreSQL's server binaries (apt-get install postgresql)"
    return nginx_missing()


def _indented(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())


@contextlib.contextmanager
def scaled_site(root: Path, servers: int = 2, worker: bool = False, env: dict[str, str] | None = None,
                one_folder: bool = False) -> Iterator[Site]:  # fmt: skip
    """The site under ``root`` (see the module docstring), stopped on exit; ``env``: more for each app server;
    ``one_folder``: the servers and the worker share one data folder (the models still live in a project's folder
    until they are in the database)."""
    from core.data.sql.database import URL_VARIABLE

    bindir = server_bin()
    assert bindir is not None, missing()
    cluster = Cluster(bindir)
    url = cluster.url("handteach")
    prefix = root / "nginx"
    prefix.mkdir(parents=True)
    server_env = {URL_VARIABLE: url, "HANDTEACH_TRUSTED_PROXIES": "127.0.0.1", "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
                  **(env or {})}  # fmt: skip
    folders = [root / "data" if one_folder else root / f"server{i}" / "data" for i in range(servers)]
    apps = [AppServer(folder, env=server_env, keypoints="browser", log=root / f"server{i}.log")
            for i, folder in enumerate(folders)]  # fmt: skip
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    site = Site(root, cluster, url, apps, free_port(), prefix, worker_data=root / "data" if one_folder else None)
    try:
        _together([lambda: _database(cluster, url, root / "migrate"), lambda: _start_nginx(site),
                   *[app.start for app in apps]])  # fmt: skip
        if worker:
            start_worker(site)
        yield site
    finally:
        site.stop()
