"""Several app servers behind nginx (issue 65), in real Chromium: two ``python -m ui.server.serve`` on loopback, each
with a data folder of its own, on one PostgreSQL store, behind nginx running ``deploy/nginx-servers.conf`` as
docs/site-servers.md shows it (``tests/scaled_site.py``: a consistent hash of a route cookie nginx sets; HTTPS at a name
that is not localhost). The route cookie chooses the server, so a test moves a student from one server to the other
by changing it:

* the recipe in the docs is the file the test runs; through nginx each server's websocket origin check lets the
  app's own pages in and refuses another origin's (the ``Host`` with its port passed on);
* two students in browsers of their own sign in, each on another server; moved to the other server, each is still
  signed in and lists only their own projects; a copy of one's cookie signs in on the other server in a fresh
  browser, and after *Sign out* gets the sign-in form on both;
* a take recorded through one server (the browser path, the fake camera), trained by the queue's worker process (a
  data folder of its own), runs on Live through the other server (its own copy of the model from the store);
* faults: a worker process killed mid-training is the page's one line and the next press trains; one server killed
  mid-session: its student's next page load reaches the other, still signed in, the project they had just made there
  listed; PostgreSQL stopped while a take is on its way, then a retry and a training (extended).

Each browser test has a context of its own, 1280x720, in one Chromium with the fake camera. Skips without
PostgreSQL's server binaries, nginx, openssl, chromium, ffmpeg, playwright, the video or the built frontend.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip

from bench.common.browser import CHROMIUM, chromium_args, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO
from bench.common.webcam_browser import CAMERA_IFRAME, LABEL_ON_CARD
from bench.server.https_proxy import HOSTNAME, RESOLVE
from tests.classmaker import ANA_PASSWORD, BEN_PASSWORD, make_class
from tests.scaled_site import ROUTE_COOKIE, SITE_FILE, Site, missing, scaled_site
from ui.browser.component import BUILD_COMMAND, missing_assets

RECIPE = Path(__file__).resolve().parents[1] / "docs" / "site-servers.md"
OUTPUT = Path(__file__).resolve().parents[1] / "test-output" / "scaled"
WAIT_MS = 60_000
_TRIES = itertools.count(1)  # a project name for each try of the walk across servers


def test_the_recipe_copies_and_shows_the_tested_nginx_file() -> None:
    recipe = RECIPE.read_text(encoding="utf-8")
    assert f"```nginx\n{SITE_FILE.read_text(encoding='utf-8')}```" in recipe
    assert "sudo cp deploy/nginx-servers.conf /etc/nginx/sites-enabled/handteach" in recipe


def _skip_unless_ready() -> None:
    if reason := missing():
        pytest.skip(f"several app servers behind nginx need {reason}")
    if missing_assets():
        pytest.skip(f"the browser path is not built ({', '.join(missing_assets())} missing): run `{BUILD_COMMAND}`")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a Site
    _skip_unless_ready()
    with scaled_site(tmp_path_factory.mktemp("scaled"), worker=True) as running:
        yield running
    for index, log in running.server_logs().items():
        assert "Traceback" not in log, f"server {index}: {log[-3000:]}"


@pytest.fixture(scope="module")
def school(site: Site, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a ClassSetup
    return _school(site, tmp_path_factory.mktemp("class"))


def _school(site: Site, folder: Path):  # noqa: ANN202 - a ClassSetup
    """Class 7B in the site's store: Ana and Ben, a project each (made here, as ``handteach class`` would)."""
    from core.data.sql.database import URL_VARIABLE

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(URL_VARIABLE, site.database_url)
        return make_class(folder / "data")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a playwright Browser
    from playwright.sync_api import sync_playwright

    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path_factory.mktemp("y4m"))
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*chromium_args(y4m), RESOLVE])
        yield launched
        launched.close()


@pytest.mark.slow
def test_each_server_lets_the_apps_own_pages_open_a_websocket_through_nginx(site: Site) -> None:
    handshake = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                 "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "streamlit"}  # fmt: skip
    for index in range(len(site.servers)):
        route = site.route_to(index)
        assert site.request("/_stcore/stream", route, {**handshake, "Origin": site.url}).status == 101
        other = f"https://other.{HOSTNAME}:{site.port}"  # another page of the same machine, as in issue 63
        assert site.request("/_stcore/stream", route, {**handshake, "Origin": other}).status == 403
    reached = {site.server_index(ports[-1]) for _, ports, status, _ in site.access_log() if status in (101, 403)}
    assert reached == {0, 1}


def _context(browser, route: str | None = None):  # noqa: ANN001, ANN202 - playwright's objects
    """A fresh browser profile (1280x720, the camera allowed), with ``route`` as its route cookie if given."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, ignore_https_errors=True)
    context.grant_permissions(["camera"])
    if route is not None:
        _route(context, route)
    return context


def _route(context, value: str) -> None:  # noqa: ANN001 - playwright BrowserContext
    """The route cookie as nginx sets it (the next request goes where it says)."""
    context.add_cookies([{"name": ROUTE_COOKIE, "value": value, "domain": HOSTNAME, "path": "/", "secure": True,
                          "httpOnly": True, "sameSite": "Lax"}])  # fmt: skip


def _cookie(context, name: str) -> str | None:  # noqa: ANN001 - playwright BrowserContext
    """The value of ``name`` once the context has it (the session cookie's POST lands just after the page)."""
    for _ in range(100):
        found = [c["value"] for c in context.cookies() if c["name"] == name]
        if found:
            return found[0]
        context.pages[0].wait_for_timeout(100)
    return None


def _sign_in(page, code: str, name: str, password: str) -> None:  # noqa: ANN001 - playwright Page
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in: {name}").wait_for(timeout=WAIT_MS)


def _signed_in_again(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    """A new page load signed in from the cookie alone."""
    page.reload()
    page.get_by_text(f"Signed in: {name}").wait_for(timeout=WAIT_MS)
    assert page.get_by_role("button", name="Sign in").count() == 0


def _listed(page) -> set[str]:  # noqa: ANN001 - playwright Page
    """The projects Home's *Current project* offers."""
    wait_app_ready(page)
    page.get_by_label("Current project").click()
    page.get_by_role("option").first.wait_for(timeout=30_000)
    names = set(page.get_by_role("option").all_inner_texts())
    page.keyboard.press("Escape")
    return names


def _only_their_own(page, own: str, theirs: str) -> None:  # noqa: ANN001 - playwright Page
    names = _listed(page)
    assert own in names and theirs not in names, names
    assert not [n for n in names if theirs.split("-")[0] in n.lower()], names


def _last_servers(site: Site, route: str, since: int = 0, websockets: bool = True) -> set[int]:
    """The servers that answered the requests carrying ``route`` (from the ``since``-th logged line on; without
    ``websockets``, none: nginx logs one as it closes, so a line after a server's death may be one opened before)."""
    rows = site.access_log()[since:]
    return {site.server_index(p[-1]) for r, p, status, _ in rows if r == route and p and (websockets or status != 101)}


def _explained(test: Callable[..., None]) -> Callable[..., None]:
    """The test, which on failure first prints the site's queue, job rows and logs, and each open page's text, and
    keeps a screenshot of each page in test-output/scaled/."""

    @functools.wraps(test)
    def run(**fixtures: object) -> None:
        try:
            test(**fixtures)
        except BaseException:
            site, browser = fixtures.get("site"), fixtures.get("browser")
            if isinstance(site, Site):
                print(site.diagnose())
            OUTPUT.mkdir(parents=True, exist_ok=True)
            for n, page in enumerate(p for c in (browser.contexts if browser else ()) for p in c.pages):  # type: ignore[attr-defined]
                with contextlib.suppress(Exception):  # a page gone with its server
                    page.screenshot(path=str(OUTPUT / f"{test.__name__}-{n}.png"), full_page=True)
                    print(f"--- page {n} ({page.url}):\n{page.locator('[data-testid=stMain]').inner_text()[:1500]}")
            raise
        finally:
            for context in browser.contexts if (browser := fixtures.get("browser")) else ():  # type: ignore[attr-defined]
                context.close()

    return run


def _signed_in(browser, site: Site, school, name: str, password: str, server: int):  # noqa: ANN001, ANN202
    """A fresh browser routed to ``server``, ``name`` signed in there (on Home)."""
    context = _context(browser, site.route_to(server))
    page = context.new_page()
    page.goto(site.url)
    _sign_in(page, school.code, name, password)
    assert _cookie(context, "handteach_session")
    return context, page


def _camera_ready(page, timeout_s: float = 90.0):  # noqa: ANN001, ANN202 - the tab's camera frame
    """The page's camera frame once its hand model runs (the frame is made anew when the page reruns)."""
    import time

    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_selector(CAMERA_IFRAME, timeout=WAIT_MS)
        frames = [f for f in page.frames if "handteach_camera" in (f.url or "") and not f.is_detached()]
        try:
            if frames:
                frames[-1].wait_for_function("() => window.handteach && window.handteach.state.finder",
                                             timeout=max(1_000, (deadline - time.monotonic()) * 1000))  # fmt: skip
                return frames[-1]
        except PlaywrightError:
            if not frames[-1].is_detached() or time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"no camera frame with a running hand model after {timeout_s:.0f} s")
        page.wait_for_timeout(200)


def _samples(site: Site, project: str) -> int:
    """How many samples ``project`` holds in the site's store."""
    from core.data.sql.database import URL_VARIABLE
    from core.data.store import Store

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(URL_VARIABLE, site.database_url)
        return len(Store(site.root / "look", read_only=True).list_samples(project))


STORED = re.compile(r"^Stored (\d+) samples")  # not "Nothing was stored", which a take refused before may still say


def _record(page) -> None:  # noqa: ANN001 - playwright Page on Record, its camera ready
    page.get_by_role("button", name="⏺ Record").click()
    page.get_by_text(STORED).wait_for(timeout=WAIT_MS)


def _train(page) -> None:  # noqa: ANN001 - playwright Page on Train
    """Train with the starter's other gestures kept (one gesture recorded)."""
    keep = page.get_by_role("checkbox", name="Keep starter gestures I did not record")
    if not keep.is_checked():
        page.get_by_text("Keep starter gestures I did not record", exact=True).click()
        wait_app_ready(page)
    page.get_by_role("button", name=re.compile("Start training")).click()


# extended: two servers and a worker: test_jobs_runner and test_app_queue_mode cover the queue, the websocket test here nginx's part
@pytest.mark.extended
@pytest.mark.slow
@_explained
def test_a_take_through_one_server_trained_by_the_worker_is_live_through_the_other(site: Site, school, browser) -> None:  # noqa: ANN001
    from browsermaker import create_project

    context, page = _signed_in(browser, site, school, "Ana", ANA_PASSWORD, server=0)
    project = f"ana-live-{next(_TRIES)}"  # CI's rerun meets the first try's project in the module's site
    query = create_project(page, project, f"Created project '{project}'")
    page.goto(f"{site.url}/record?{query}")
    wait_app_ready(page)
    _camera_ready(page)
    _record(page)
    assert _samples(site, project) >= 3  # 5 a second for 3 s, the hand in view most of it

    page.goto(f"{site.url}/train?{query}")
    wait_app_ready(page)
    known = {run[0] for run in site.job_runs()}
    _train(page)
    page.get_by_text("Trained and saved").wait_for(timeout=120_000)
    # the training is the first job after the press: the accuracy measuring queued once it saved may be running
    job, state, pid, _ = min(run for run in site.job_runs() if run[0] not in known)
    assert state == "done" and pid in site.worker_pids(), (job, state, pid, site.worker_pids())

    _route(context, site.route_to(1))  # Live through the other server
    page.goto(f"{site.url}/live?{query}")
    wait_app_ready(page)
    frame = _camera_ready(page)
    page.wait_for_function(LABEL_ON_CARD, timeout=120_000)
    version = frame.evaluate("() => window.handteach.state.modelVersion")
    # the model the worker saved in the store, in that server's own copy (the page's stamp is its file's time)
    copies = {str(p.stat().st_mtime_ns) for p in site.servers[1].data_dir.glob("model-cache/*/model-*/model.json")}
    assert version and version.split("-")[0] in copies, (version, copies)
    assert _last_servers(site, site.route_to(1), websockets=False) == {1}
    context.close()


def _started_job(site: Site, known: set[int], timeout_s: float = 60.0) -> tuple[int, int]:
    """(job id, worker process id) of the first job not in ``known`` once a worker runs it."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = [(job, pid) for job, state, pid, _ in site.job_runs() if job not in known and state == "running"]
        if running and running[0][1]:
            return running[0]
        time.sleep(0.05)
    raise AssertionError(f"no worker started the job within {timeout_s:.0f} s: {site.job_runs()}")


def _one_line(page, text: str) -> None:  # noqa: ANN001 - playwright Page
    """``text`` is on the page once, as a line of its own: no traceback, no server path, nothing more."""
    said = page.get_by_text(text)
    said.wait_for(timeout=WAIT_MS)
    assert said.count() == 1
    line = said.inner_text().strip()
    assert "\n" not in line and "Traceback" not in line and "/tmp/" not in line, line


@pytest.mark.extended
@pytest.mark.slow
@_explained
def test_a_worker_killed_mid_training_says_so_and_the_next_training_runs(site: Site, school, browser) -> None:  # noqa: ANN001
    from core.jobs.job import WORKER_DIED

    context, page = _signed_in(browser, site, school, "Ana", ANA_PASSWORD, server=1)
    page.goto(f"{site.url}/train?project=ana-signs")
    wait_app_ready(page)
    known = {job for job, *_ in site.job_runs()}
    _train(page)
    job, pid = _started_job(site, known)
    os.kill(pid, signal.SIGKILL)  # mid-training: the worker's row says it is running
    _one_line(page, WORKER_DIED)  # once its heartbeat is missed (5 s)
    _train(page)  # pressed again: a new worker process of the same command takes it
    page.get_by_text("Trained and saved").wait_for(timeout=120_000)
    runs = {j: (state, p) for j, state, p, _ in site.job_runs()}
    assert runs[job][0] == "failed", runs
    done = [j for j in runs if j > job and runs[j][0] == "done"]
    assert done and runs[done[0]][1] not in (pid, None) and runs[done[0]][1] in site.worker_pids(), runs


# A take arriving while the database is away is said in one line ("The store's database is not answering ...": the
# take's refusal, or the page's gate where its whole run meets the database first), nothing is half-written, the take
# pressed again is stored whole, and a training then runs: each app server's pool checks a connection before lending
# it, and the worker makes its own connection again once a restart broke it (before, the training failed as "the
# worker stopped"). Extended: its own site and a database restart, 31-54 s.
@pytest.mark.extended
@pytest.mark.slow
@_explained
def test_postgresql_restarted_mid_take_is_one_line_and_a_retry_stores_it_whole(tmp_path: Path, browser) -> None:  # noqa: ANN001
    _skip_unless_ready()
    with scaled_site(tmp_path / "site", worker=True) as site:  # its own: the others' logs stay free of this fault's
        try:
            _database_restarted_mid_take(site, browser, _school(site, tmp_path))
        except BaseException:
            print(site.diagnose())
            raise
        for index, log in site.server_logs().items():
            assert "Traceback" not in log, f"server {index}: {log[-3000:]}"


def _database_restarted_mid_take(site: Site, browser, school) -> None:  # noqa: ANN001
    context, page = _signed_in(browser, site, school, "Ana", ANA_PASSWORD, server=0)
    page.goto(f"{site.url}/record?project=ana-signs")
    wait_app_ready(page)
    _camera_ready(page)
    before = _samples(site, "ana-signs")
    page.get_by_role("button", name="⏺ Record").click()
    with site.database_down():  # the take arrives while the database is away: said in one line, by the take's
        # refusal ("Nothing was stored: ...") or, where the page's whole run meets the database first, by its gate
        _one_line(page, "The store's database is not answering")
    assert _samples(site, "ana-signs") == before  # nothing half-written
    _record(page)  # pressed again, the database back
    stored = int(STORED.search(page.get_by_text(STORED).inner_text()).group(1))
    assert stored > 0 and _samples(site, "ana-signs") == before + stored
    # the worker and the servers found the database again: a training runs through the other server
    _route(context, site.route_to(1))
    page.goto(f"{site.url}/train?project=ana-signs")
    wait_app_ready(page)
    _train(page)
    page.get_by_text("Trained and saved").wait_for(timeout=120_000)


@pytest.mark.extended
@pytest.mark.slow
@_explained
def test_students_move_between_servers_signed_in_and_one_server_dies(site: Site, school, browser) -> None:  # noqa: ANN001
    from browsermaker import create_project

    ana = _context(browser)  # no route cookie yet: nginx gives her one
    ana_page = ana.new_page()
    ana_page.goto(site.url)
    _sign_in(ana_page, school.code, "Ana", ANA_PASSWORD)
    given = [c for c in ana.cookies() if c["name"] == ROUTE_COOKIE]
    assert given and given[0]["httpOnly"] and given[0]["secure"], given  # set by nginx with her first page
    first = site.served_by(given[0]["value"])
    other = 1 - first
    ben = _context(browser, site.route_to(other))  # Ben on the other server
    ben_page = ben.new_page()
    ben_page.goto(site.url)
    _sign_in(ben_page, school.code, "Ben", BEN_PASSWORD)
    assert _cookie(ana, "handteach_session") and _cookie(ben, "handteach_session")
    _only_their_own(ana_page, "ana-signs", "ben-signs")
    _only_their_own(ben_page, "ben-signs", "ana-signs")

    # each moved to the server that did not sign them in: the cookie alone signs them in there
    _route(ana, site.route_to(other))
    _route(ben, site.route_to(first))
    _signed_in_again(ana_page, "Ana")
    _signed_in_again(ben_page, "Ben")
    _only_their_own(ana_page, "ana-signs", "ben-signs")
    _only_their_own(ben_page, "ben-signs", "ana-signs")
    ana_page.goto(f"{site.url}/?project=ben-signs")
    ana_page.get_by_text("No project named 'ben-signs' here").wait_for(timeout=WAIT_MS)
    assert _last_servers(site, site.route_to(other)) == {other} and _last_servers(site, site.route_to(first)) == {first}

    # a copy of Ben's cookie in a fresh browser signs in on the server that did not make it, until he signs out
    copied = _cookie(ben, "handteach_session")
    thief = _context(browser, site.route_to(other))
    thief.add_cookies([{"name": "handteach_session", "value": copied, "domain": HOSTNAME, "path": "/"}])
    thief_page = thief.new_page()
    thief_page.goto(site.url)
    thief_page.get_by_text("Signed in: Ben").wait_for(timeout=WAIT_MS)
    ben_page.get_by_role("button", name="Sign out").click()  # through the server he is on now
    ben_page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    for index in (other, first):
        _route(thief, site.route_to(index))
        thief_page.reload()
        thief_page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
        assert thief_page.get_by_text("Signed in: Ben").count() == 0
    thief.close()

    # Ana makes a project on her server, which then dies: her next page load reaches the other, signed in
    ana_page.goto(site.url)
    wait_app_ready(ana_page)
    create_project(ana_page, "ana-kept", "Created project 'ana-kept'")
    killed_at = len(site.access_log())
    site.kill_server(other)
    _signed_in_again(ana_page, "Ana")
    assert {"ana-kept", "ana-signs"} <= _listed(ana_page)
    assert _last_servers(site, site.route_to(other), since=killed_at, websockets=False) == {first}
    ana.close()
    ben.close()
