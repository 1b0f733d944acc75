"""One student floods the class server while a classmate trains (issue 63): does the classmate's training still come
within about one training's time, and their page within 2 s?

    .venv/bin/python -m bench.server.classroom --flood       # a table, then one JSON line

A class on a fresh data folder (``core.classes``: a teacher, the flooder and the victim, each signed in with the
cookie a browser gets, ``core.classes.session``), the app on loopback with one job worker. The flooder has
``FLOOD_TABS`` projects of 8 gestures × 10 real hands (bench/common/classroom_data.py); the victim has one. First
the victim trains alone (``victim_alone_s``: press → model saved). Then the flooder opens a Train tab on each of
their projects (scripted sessions, bench/server/scripted_tab.py) and keeps pressing Train in every one of them every
``PRESS_EVERY_S`` with the biggest model the page allows their class (and once an 8 × 2048 one, which the page
refuses), and tries to import a ``--flood-mb`` MB CSV on Record (uploaded as the browser does: the file's URL asked
for, the file PUT, the Import button pressed). While the flood goes on the victim presses Train
(``victim_train_s``: press → model saved; target 2 × alone + 10 s) and their Record page is loaded in Chromium every
``--every`` s (``page_load_p95_s``, target 2 s). After: every project holds its 80 samples and the victim's model
loads (``lost_or_corrupt``), and what the flooder was told, one line each.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import http.client
import statistics
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.common import classroom_data as data
from bench.common.browser import CHROMIUM, AppServer
from bench.server.class_pages import load_page, p95, press_and_wait
from bench.server.scripted_tab import ScriptedTab

FLOOD_TABS = 20
PRESS_EVERY_S = 10.0  # a determined student pressing again in each tab (a human's pace, not a script's)
TEACHER, FLOODER, VICTIM = "Bench Teacher", "Flo Flood", "Vic Tim"
VICTIM_PROJECT = "vic-signs"
COOKIE = "handteach_session"


def flood_project(i: int) -> str:
    return f"flood-{i:02d}"


class FloodTab(ScriptedTab):
    """A scripted tab that also keeps the ids of the text, number and file inputs it is shown, the alert lines it
    is told (``st.error``, ``st.info``), and can upload a file as the browser's uploader does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - ScriptedTab's own
        super().__init__(*args, **kwargs)
        self.inputs: dict[str, str] = {}  # label → widget id
        self.alerts: list[str] = []
        self.progress = ""  # the latest progress bar's text ("Training: practice 12 of at most 300 ...")
        self.session_id = ""
        self._urls: asyncio.Future | None = None

    def _take(self, message: ForwardMsg) -> None:
        super()._take(message)
        kind = message.WhichOneof("type")
        if kind == "new_session" and message.new_session.initialize.session_id:
            self.session_id = message.new_session.initialize.session_id
        elif kind == "file_urls_response" and self._urls is not None and not self._urls.done():
            self._urls.set_result(message.file_urls_response)
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            which = element.WhichOneof("type")
            if which in ("text_input", "number_input", "file_uploader", "button_group", "checkbox"):
                widget = getattr(element, which)
                self.inputs[widget.label] = widget.id
            elif which == "alert":
                self.alerts.append(element.alert.body)
            elif which == "progress":
                self.progress = element.progress.text

    async def press_with(self, label: str, states: list[WidgetState], timeout: float = 120.0) -> float:
        (button,) = [shown for shown in self.buttons if shown == label] or [s for s in self.buttons if label in s]
        return await self.rerun([*states, WidgetState(id=self.buttons[button], trigger_value=True)], timeout=timeout)

    async def upload(self, uploader: str, name: str, size: int, xsrf: str) -> tuple[int, WidgetState]:
        """(the PUT's status, the uploader's state naming the file) for ``size`` bytes of a CSV's look."""
        self._urls = asyncio.get_running_loop().create_future()
        message = BackMsg()
        message.file_urls_request.request_id = uuid.uuid4().hex
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        assert self._socket is not None
        await self._socket.send(message.SerializeToString())
        answer = await asyncio.wait_for(self._urls, 30)
        if not answer.file_urls:
            raise RuntimeError(f"no upload address was given: {answer.error_msg or 'no reason said'}")
        urls = answer.file_urls[0]
        base = self.url.replace("ws://", "", 1).split("/", 1)[0]
        status = await asyncio.to_thread(_put, base, urls.upload_url, name, size, xsrf, self.cookie)
        state = WidgetState(id=self.inputs[uploader])
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, size
        info.file_urls.file_id, info.file_urls.upload_url, info.file_urls.delete_url = (
            urls.file_id, urls.upload_url, urls.delete_url)  # fmt: skip
        return status, state


def _put(host: str, url: str, name: str, size: int, xsrf: str, cookie: str) -> int:
    """One multipart PUT of ``size`` bytes to the upload ``url`` (streamed, as a browser sends it); its status."""
    boundary = uuid.uuid4().hex
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()  # fmt: skip
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection(host, timeout=300)
    path = url.split(host, 1)[-1] if "://" in url else url
    try:
        connection.putrequest("PUT", path)
        for key, value in (("Content-Type", f"multipart/form-data; boundary={boundary}"),
                           ("Content-Length", str(len(head) + size + len(tail))),
                           ("Cookie", f"_streamlit_xsrf={xsrf}; {cookie}"), ("X-Xsrftoken", xsrf)):  # fmt: skip
            connection.putheader(key, value)
        connection.endheaders()
        connection.send(head)
        row = b"ok,0.5,0.25,0.125,1.0\n"
        chunk = row * (2**20 // len(row))
        sent = 0
        while sent + len(chunk) <= size:
            connection.send(chunk)
            sent += len(chunk)
        connection.send(b"x" * (size - sent) + tail)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


async def import_csv(server: AppServer, cookie: str, told: dict[str, Any], megabytes: float) -> None:
    """Record's *Import CSV* with a file of ``megabytes`` MB, as the browser does: the source chosen, the file's
    upload address asked for, the file PUT, *Import* pressed with the uploader holding it."""
    record = FloodTab(server.url, "record", f"project={flood_project(0)}", cookie=cookie)
    await record.open(timeout=180)
    more = WidgetState(id=record.inputs["More"], bool_value=True)  # the CSV import is behind Record's More switch
    await record.rerun([more])
    choice = WidgetState(id=record.inputs["Record from"])  # the control as drawn with the CSV import among its sources
    choice.string_array_value.data.append("📄 Import CSV")
    source = [more, choice]
    await record.rerun(source)
    started = time.monotonic()
    status, state = await record.upload("Keypoint CSV files", "big.csv", int(megabytes * 2**20), xsrf_token(server.url))
    told["csv_upload_status"], told["csv_upload_s"] = status, round(time.monotonic() - started, 1)
    await record.press_with("Import", [*source, state])
    told["csv"] = record.alerts[-1] if record.alerts else "(no line)"
    told["csv_refused_s"] = round(time.monotonic() - started, 1)
    await record.close()


def make_class(data_dir: Path, per_class: int) -> dict[str, str]:
    """The class and its projects (the hands found once, bench/common/classroom_data.py); each student's cookie."""
    from core.classes.roster import add_student, create_class
    from core.classes.session import session_token
    from core.classes.signin import sign_in
    from core.data.store import Store

    data.build(data_dir, 0, per_class)  # student-00 (and the observer's): the server's, their samples copied below
    store = Store(data_dir)
    kept = store.list_samples(data.student(0), with_crops=True)
    school = create_class(store, "Bench class", TEACHER, "bench-teacher-pass")
    cookies = {}
    for name, projects in ((FLOODER, [flood_project(i) for i in range(FLOOD_TABS)]), (VICTIM, [VICTIM_PROJECT])):
        password = f"pass-{uuid.uuid4().hex[:8]}"
        add_student(store, school.name, name, password)
        viewer = sign_in(store, school.code, name, password, "127.0.0.1")
        mine = Store(data_dir, viewer=viewer)
        for project in projects:
            mine.create_project(project)
            mine.add_samples(project, [dataclasses.replace(s, id=None) for s in kept], create_classes=True)
        cookies[name] = f"{COOKIE}={session_token(store, viewer)}"
    return cookies


def xsrf_token(url: str) -> str:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as reply:
        cookies = reply.headers.get_all("Set-Cookie") or []
    return next((c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf=")), "")


async def flood(server: AppServer, cookie: str, stop: asyncio.Event, told: dict[str, Any], megabytes: float) -> None:
    """The flooder: a Train tab per project pressing every ``PRESS_EVERY_S`` with the biggest model the page allows
    (once an 8 × 2048 one), and a CSV of ``megabytes`` MB imported on Record."""
    from core.classes.quotas import DEFAULTS

    tabs = [FloodTab(server.url, "train", f"project={flood_project(i)}", cookie=cookie) for i in range(FLOOD_TABS)]
    for tab in tabs:
        await tab.open(timeout=180)

    def model(tab: FloodTab, hidden: str) -> list[WidgetState]:
        return [WidgetState(id=tab.inputs["Hidden layer sizes"], string_value=hidden),
                WidgetState(id=tab.inputs["Practices with your samples, at most"], int_value=DEFAULTS.epochs)]  # fmt: skip

    biggest = ", ".join([str(DEFAULTS.width)] * DEFAULTS.layers)
    seen = len(tabs[0].alerts)
    await tabs[0].press_with("Start training", model(tabs[0], "2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048"))
    told["huge_model"] = next((a for a in tabs[0].alerts[seen:] if "Hidden layer" in a), "(no line)")
    try:
        await import_csv(server, cookie, told, megabytes)
    except Exception as exc:  # noqa: BLE001 - said in the table; the flood goes on
        told["csv"] = f"the CSV import could not be tried: {type(exc).__name__}: {exc}"
    told["tabs"], presses = tabs, 0
    while not stop.is_set():
        for tab in tabs:
            if stop.is_set():
                break
            await tab.press_with("Start training", model(tab, biggest))
            presses += 1
        told.setdefault("flood_started", time.monotonic())
        await asyncio.sleep(PRESS_EVERY_S)
    told["presses"] = presses
    told["lines"] = sorted({line for tab in tabs for line in tab.alerts})
    await asyncio.gather(*(tab.close() for tab in tabs))


async def run(args: argparse.Namespace, server: AppServer, cookies: dict[str, str], report: dict) -> None:
    from playwright.async_api import async_playwright

    victim = FloodTab(server.url, "train", f"project={VICTIM_PROJECT}", cookie=cookies[VICTIM])
    await victim.open(timeout=180)
    model = data.model_file(args.data, VICTIM_PROJECT)
    _, alone, _ = await press_and_wait(lambda: victim.press("Start training"), model, 0.0, args.timeout, True)
    report["victim_alone_s"] = alone
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        observer = await browser.new_context()
        name, value = cookies[VICTIM].split("=", 1)
        await observer.add_cookies([{"name": name, "value": value, "url": server.url}])
        url = f"{server.url}/record?project={VICTIM_PROJECT}"
        await load_page(observer, url)  # the cache filled: a student's browser after their first page
        report["before"] = [await load_page(observer, url) for _ in range(3)]
        stop, told, loads = asyncio.Event(), {}, []
        flooder = asyncio.create_task(flood(server, cookies[FLOODER], stop, told, args.flood_mb))
        while "flood_started" not in told and not flooder.done():
            await asyncio.sleep(0.2)
        deadline = time.monotonic() + 60  # the victim presses while one of the flooder's trainings is under way
        while time.monotonic() < deadline and not any(
            t.progress.startswith("Training: practice") for t in told["tabs"]
        ):
            await asyncio.sleep(0.1)
        report["flooder_training_when_pressed"] = next((t.progress for t in told["tabs"] if t.progress), "")

        async def watch() -> None:
            while not stop.is_set() or len(loads) < 8:
                loads.append(await load_page(observer, url))
                await asyncio.sleep(args.every)

        watcher = asyncio.create_task(watch())
        _, trained, _ = await press_and_wait(lambda: victim.press("Start training"), model, 0.0, args.timeout, False)
        report["victim_train_s"] = trained
        stop.set()
        await asyncio.gather(watcher, flooder)
        told.pop("tabs", None)
        report.update(loads=loads, told=told)
        await victim.close()
        await browser.close()


def lost_or_corrupt(data_dir: Path, per_class: int) -> list[str]:
    from core.data.project import model_dir
    from core.data.store import Store
    from core.gestures.classifier import GestureClassifier

    store, problems = Store(data_dir, read_only=True), []
    for project in [VICTIM_PROJECT, *(flood_project(i) for i in range(FLOOD_TABS))]:
        counts = store.class_counts(project)
        if any(counts.get(name, 0) != per_class for name in data.GESTURES) or sum(counts.values()) != 8 * per_class:
            problems.append(f"{project}: samples {counts}")
    try:
        GestureClassifier.load(model_dir(store, VICTIM_PROJECT))
    except Exception as exc:  # noqa: BLE001 - any failure to load is what is counted
        problems.append(f"{VICTIM_PROJECT}: model {type(exc).__name__}: {exc}")
    return problems


def summary(report: dict, problems: list[str]) -> dict[str, Any]:
    alone, trained, told = report.get("victim_alone_s"), report.get("victim_train_s"), report.get("told", {})
    return {
        "victim_alone_s": round(alone, 1) if alone else None,
        "victim_train_s": round(trained, 1) if trained else None,
        "victim_target_s": round(2 * alone + 10, 1) if alone else None,
        "flooder_training_when_pressed": report.get("flooder_training_when_pressed"),
        "page_load_p95_s": round(p95(report.get("loads", [])), 2),
        "page_load_max_s": round(max(report.get("loads", []), default=0), 2),
        "page_loads": len(report.get("loads", [])),
        "page_load_before_s": round(statistics.median(report["before"]), 2) if report.get("before") else None,
        "flood_tabs": FLOOD_TABS, "flood_presses": told.get("presses"),
        "flood_lines": told.get("lines", []), "huge_model_line": told.get("huge_model"),
        "csv_upload_status": told.get("csv_upload_status"), "csv_line": told.get("csv"),
        "csv_refused_after_s": told.get("csv_refused_s"),
        "lost_or_corrupt": len(problems),
    }  # fmt: skip


def run_flood(args: argparse.Namespace) -> dict[str, Any]:
    """Build, serve, flood; the summary (``args``: classroom.py's, with ``--flood-mb``)."""
    from core.keypoints.native_logs import quiet_native_logs

    quiet_native_logs()
    cookies = make_class(args.data, args.samples)
    server, report = AppServer(args.data, env={"HANDTEACH_JOB_WORKERS": "1"}, keypoints="browser").start(), {}
    try:
        asyncio.run(run(args, server, cookies, report))
    finally:
        server.stop()
    problems = lost_or_corrupt(args.data, args.samples)
    for problem in problems:
        print(f"lost or corrupt: {problem}")
    return summary(report, problems)
