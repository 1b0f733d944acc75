"""ui.server.uploads (issue 63, item 6): an upload comes in only to a file id issued to its page's uploader, with a
length said first and within what a session and an address may hold; files no widget holds any more are let go
before a refusal. The served check (an outsider's 100 MB, refused before it is read) is in
tests/test_server_outsider.py."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.session_state import Serialized, WStates
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from ui.server import uploads
from ui.server.uploads import UploadBound

MB = 2**20


class _Streamlit:
    """Stands for Streamlit's upload route: reads the body, keeps it in ``manager``, answers 204."""

    def __init__(self, manager: MemoryUploadedFileManager) -> None:
        self.manager, self.calls = manager, 0

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        self.calls += 1
        body = (await receive()).get("body", b"")
        session_id, file_id = scope["path"].rsplit("/", 2)[1:]
        self.manager.add_file(session_id, UploadedFileRec(file_id, "f.csv", "text/csv", body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _put(bound: UploadBound, session_id: str, file_id: str, size: int | None, address: str = "10.0.0.9") -> tuple:
    """(status, body, how many times the body was asked for) of one PUT of ``size`` bytes (None: no length said)."""
    asked, sent = [0], []
    headers = [] if size is None else [(b"content-length", str(size).encode())]

    async def receive() -> dict:
        asked[0] += 1
        return {"type": "http.request", "body": b"x" * (size or 0), "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "PUT", "path": f"/_stcore/upload_file/{session_id}/{file_id}",
             "headers": headers, "client": (address, 5000)}  # fmt: skip
    asyncio.run(bound(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body.decode(), asked[0]


@pytest.fixture
def manager() -> MemoryUploadedFileManager:
    return MemoryUploadedFileManager("/_stcore/upload_file")


def test_a_put_to_a_file_id_never_issued_is_refused_before_its_body_is_read(manager) -> None:  # noqa: ANN001
    app = _Streamlit(manager)
    status, line, asked = _put(UploadBound(app, manager), "outsider", "made-up-id", 100 * MB)
    assert (status, asked, app.calls) == (403, 0, 0)
    assert line == "This upload was not asked for by a page with an uploader."
    assert manager.file_storage == {}


def test_an_issued_id_takes_one_upload_said_in_length_and_within_the_file_limit(manager) -> None:  # noqa: ANN001
    bound = UploadBound(app := _Streamlit(manager), manager)
    uploads.issue("page-1", ["a", "b", "c"])
    assert _put(bound, "page-1", "a", 1000)[0] == 204 and app.calls == 1
    assert _put(bound, "page-1", "a", 1000)[0] == 403  # once an id
    assert _put(bound, "page-2", "b", 1000)[0] == 403  # issued to another page
    assert _put(bound, "page-1", "b", None)[:2] == (411, "An upload must say its length.")
    assert _put(bound, "page-1", "c", 201 * MB)[:2] == (413, "The file is over the upload limit of 200 MB.")
    assert app.calls == 1 and len(manager.file_storage["page-1"]) == 1


def _uploader_state(holding: list[str]) -> SimpleNamespace:
    """Streamlit's widget state of a page whose one uploader holds the files ``holding`` (as its frontend said)."""
    widgets = WStates()
    widgets.widget_metadata["$$ID-up"] = WidgetMetadata("$$ID-up", lambda v: v, lambda v: v,
                                                        "file_uploader_state_value")  # fmt: skip
    proto = WidgetState(id="$$ID-up")
    for file_id in holding:
        proto.file_uploader_state_value.uploaded_file_info.add(file_id=file_id, name=f"{file_id}.csv", size=1)
    widgets.states["$$ID-up"] = Serialized(proto)
    return SimpleNamespace(_new_widget_state=widgets, _old_state={})


def test_a_session_holds_its_bound_and_files_no_widget_holds_are_let_go_first(manager, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("HANDTEACH_UPLOAD_MB_PER_SESSION", "1.5")
    long_ago = time.monotonic() - 1000
    for file_id in ("kept", "done"):  # "done": an import's file, its uploader since replaced by a fresh one
        manager.add_file("page-3", UploadedFileRec(file_id, "f.csv", "text/csv", b"x" * (600 * 1024)))
        uploads._uploaded[("page-3", file_id)] = ("10.0.0.9", long_ago)
    bound = UploadBound(_Streamlit(manager), manager, state_of=lambda session: _uploader_state(["kept"]))
    uploads.issue("page-3", ["new", "big"])
    assert _put(bound, "page-3", "new", 512 * 1024)[0] == 204  # 1.7 MB with "done": it was let go first
    assert set(manager.file_storage["page-3"]) == {"kept", "new"}
    status, line, asked = _put(bound, "page-3", "big", MB)
    assert (status, asked) == (413, 0) and line == "This page holds 1.5 MB of uploads at most: remove a file first."
    assert set(manager.file_storage["page-3"]) == {"kept", "new"}  # "new" was just uploaded: kept for its rerun


def test_an_address_holds_its_bound_across_its_pages(manager, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("HANDTEACH_UPLOAD_MB_PER_ADDRESS", "1")
    bound = UploadBound(_Streamlit(manager), manager, state_of=lambda session: None)
    for page in ("tab-1", "tab-2", "tab-3"):
        uploads.issue(page, ["f"])
    assert _put(bound, "tab-1", "f", 400 * 1024, address="10.0.0.20")[0] == 204
    assert _put(bound, "tab-2", "f", 400 * 1024, address="10.0.0.20")[0] == 204
    assert _put(bound, "tab-3", "f", 400 * 1024, address="10.0.0.20")[:2] == (
        413, "Uploads from this address hold 1 MB at most: try again later.")  # fmt: skip
    assert _put(bound, "tab-3", "f", 400 * 1024, address="10.0.0.21")[0] == 204  # another address: its own bound
