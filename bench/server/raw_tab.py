"""A websocket to Streamlit's stream spoken raw, as a script (not a browser) would: for the outsider checks.

Unlike ``scripted_tab.ScriptedTab`` (a tab's frontend, politely), this one may send anything: a rerun a
thousand times a second, a ``clear_cache``, bytes that are no ``BackMsg``. It keeps what it was sent: the session
id Streamlit gave it, how its page runs ended, and every piece of text that came back (exception messages and
stack lines included), so a check can look for a server path in them. It can also sign in as a student does: the
labels of the inputs and buttons it is shown, the plain text drawn (the sidebar's "Signed in: …"), ``press``.
Over ``https://`` (nginx in front, a self-signed certificate) it speaks ``wss://`` without checking the certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN


def rerun_message(page: str = "") -> bytes:
    """A whole page's rerun, as the frontend sends it when a page loads."""
    message = BackMsg()
    message.rerun_script.page_name = page
    message.rerun_script.query_string = ""
    return message.SerializeToString()


def file_urls_message(names: list[str]) -> bytes:
    """What an uploader sends when files are chosen: "give me an address for each"."""
    message = BackMsg()
    message.file_urls_request.request_id = "raw-tab"
    message.file_urls_request.file_names.extend(names)
    return message.SerializeToString()


def clear_cache_message() -> bytes:
    """What the frontend's "Clear cache" menu item (or the C key) sends."""
    message = BackMsg()
    message.clear_cache = True
    return message.SerializeToString()


class RawTab:
    """One websocket to ``base_url``'s stream, from ``source`` (a local address), with ``cookie`` if given."""

    def __init__(self, base_url: str, cookie: str = "", source: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie, self.source = cookie, source
        self.session_id = ""
        self.texts: list[str] = []  # every exception's type, message and stack line that came back
        self.finished = 0  # page runs ended (not those ended early for a rerun)
        self.file_ids: list[list[str]] = []  # the file ids of each answer to a file_urls_request
        self.closed = False
        self.widgets: dict[str, str] = {}  # label → widget id of each input and button drawn
        self.shown: list[str] = []  # the plain text elements drawn (st.text), every run
        self._socket: websockets.ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._ended = asyncio.Event()

    async def open(self, timeout: float = 60.0) -> RawTab:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        secure = self.base_url.startswith("https://")
        context = ssl.create_default_context() if secure else None
        if context is not None:  # the test site's self-signed certificate
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self._socket = await websockets.connect(
            self.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/_stcore/stream",
            subprotocols=["streamlit"], origin=self.base_url, additional_headers=headers, max_size=None,
            open_timeout=timeout, ping_interval=None, ssl=context,
            local_addr=(self.source, 0) if self.source else None)  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        return self

    async def page(self, timeout: float = 60.0, name: str = "") -> float:
        """Run the page once (``name``: its URL path, "" for the first page); seconds until its run ended."""
        started = time.monotonic()
        self._ended.clear()
        await self.send(rerun_message(name))
        await asyncio.wait_for(self._ended.wait(), timeout)
        return time.monotonic() - started

    async def press(self, button: str, values: dict[str, str], timeout: float = 60.0) -> float:
        """Type ``values`` (input label → text) and press ``button`` as a form's submit does; seconds until the run
        it starts (or the one after, when the page reruns itself) ended."""
        message = BackMsg()
        message.rerun_script.page_name, message.rerun_script.query_string = "", ""
        states = [WidgetState(id=self.widgets[label], string_value=text) for label, text in values.items()]
        states.append(WidgetState(id=self.widgets[button], trigger_value=True))
        message.rerun_script.widget_states.widgets.extend(states)
        started = time.monotonic()
        self._ended.clear()
        await self.send(message.SerializeToString())
        await asyncio.wait_for(self._ended.wait(), timeout)
        return time.monotonic() - started

    async def send(self, data: bytes | str) -> bool:
        """Send one frame; False once the server has closed the socket."""
        assert self._socket is not None, "open() first"
        try:
            await self._socket.send(data)
        except websockets.ConnectionClosed:
            self.closed = True
            return False
        return True

    async def file_ids_for(self, names: list[str], timeout: float = 10.0) -> list[str]:
        """Ask for upload addresses as an uploader does; the file ids the server gave ([] when none)."""
        answered = len(self.file_ids)
        await self.send(file_urls_message(names))
        deadline = time.monotonic() + timeout
        while len(self.file_ids) == answered and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.file_ids[answered] if len(self.file_ids) > answered else []

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    async def _read(self) -> None:
        assert self._socket is not None
        try:
            async for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._take(message)
        except websockets.ConnectionClosed:
            pass
        self.closed = True

    def _take(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session" and message.new_session.initialize.session_id:
            self.session_id = message.new_session.initialize.session_id
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                found = element.exception
                self.texts += [found.type, found.message, *found.stack_trace]
            elif which in ("text_input", "button"):
                widget = getattr(element, which)
                self.widgets[widget.label] = widget.id
            elif which == "text":
                self.shown.append(element.text.body)
        elif kind == "file_urls_response":
            self.file_ids.append([urls.file_id for urls in message.file_urls_response.file_urls])
        elif kind == "script_finished" and message.script_finished != EARLY:
            self.finished += 1
            self._ended.set()
