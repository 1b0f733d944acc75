"""A browser tab without the browser: one Streamlit session spoken to over its websocket, as the page's own
JavaScript does, for benchmarks that need many students without many Chromiums on the server's cores.

It sends what Streamlit's frontend sends (``BackMsg.rerun_script`` with the page's name, the query string and the
widget states), reads every ``ForwardMsg``, keeps each button it is shown (label → widget id), presses one with a
trigger value as a click does, and reruns each fragment at the interval its ``auto_rerun`` message asks for (how a
tab follows a job). It does not draw, run components or hold cached messages (it tells the server it has none, so
every message comes whole).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass
class RunTimes:
    """Seconds from each rerun request sent to its ``script_finished``; whole page runs and fragment runs apart."""

    page: list[float] = field(default_factory=list)
    fragment: list[float] = field(default_factory=list)


class ScriptedTab:
    """One session on ``page`` (its URL path, "" for the default page) with ``query`` ("project=x"), sending
    ``cookie`` (a ``Cookie`` header's value) as the browser would."""

    def __init__(self, base_url: str, page: str, query: str = "", cookie: str = "") -> None:
        self.url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))  # the page's own (ui/server/origin.py)
        self.page, self.query = page, query
        self.cookie = cookie
        self.buttons: dict[str, str] = {}  # label → widget id, from the latest runs
        self.texts: list[str] = []  # the plain text elements drawn (st.text), in order, every run
        self.times = RunTimes()
        self.errors: list[str] = []  # exception elements the page showed (their messages)
        self._socket: websockets.ClientConnection | None = None
        self._finished = asyncio.Event()
        self._sent_at: float | None = None
        self._sent_fragment = ""
        self._page_hash = ""
        self._fragments: dict[str, asyncio.Task] = {}
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()  # one run at a time, as a tab's frontend queues them

    async def open(self, timeout: float = 120.0) -> float:
        """Connect and run the page once; seconds it took."""
        self._socket = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, origin=self.origin,
                                                additional_headers={"Cookie": self.cookie} if self.cookie else None,
                                                open_timeout=timeout, ping_interval=None)  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        return await self.rerun(timeout=timeout)

    async def close(self) -> None:
        for task in [*self._fragments.values(), self._reader]:
            if task is not None:
                task.cancel()
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    async def press(self, label: str, timeout: float = 120.0) -> float:
        """Click the one button whose label is or holds ``label`` (as last drawn); seconds of the run it starts."""
        matches = [shown for shown in self.buttons if shown == label or label in shown]  # as Playwright's name=
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} buttons {label!r} on {self.page!r}; there are {sorted(self.buttons)}")
        state = WidgetState(id=self.buttons[matches[0]], trigger_value=True)
        return await self.rerun([state], timeout=timeout)

    async def rerun(self, widgets: list[WidgetState] | None = None, fragment: str = "",
                    timeout: float = 120.0) -> float:  # fmt: skip
        async with self._lock:
            message = BackMsg()
            state = message.rerun_script
            state.query_string = self.query
            if self._page_hash:  # as the frontend: by hash once known (st.rerun() keeps the page by it)
                state.page_script_hash = self._page_hash
            else:
                state.page_name = self.page
            state.fragment_id, state.is_auto_rerun = fragment, bool(fragment)
            state.widget_states.widgets.extend(widgets or [])
            self._finished.clear()
            self._sent_at, self._sent_fragment = time.monotonic(), fragment
            assert self._socket is not None, "open() first"
            await self._socket.send(message.SerializeToString())
            await asyncio.wait_for(self._finished.wait(), timeout)
            return (self.times.fragment if fragment else self.times.page)[-1]

    async def _read(self) -> None:
        assert self._socket is not None
        async for data in self._socket:
            message = ForwardMsg()
            message.ParseFromString(data)
            self._take(message)

    def _take(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                self.buttons[element.button.label] = element.button.id
            elif which == "exception":
                self.errors.append(element.exception.message)
            elif which == "text":
                self.texts.append(element.text.body)
        elif kind == "auto_rerun" and message.auto_rerun.fragment_id not in self._fragments:
            fragment = message.auto_rerun.fragment_id
            self._fragments[fragment] = asyncio.create_task(self._follow(fragment, message.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            self._stop_following(list(message.stop_auto_rerun.fragment_ids))
        elif kind == "navigation":  # st.navigation's page shown (new_session's hash is app.py's)
            self._page_hash = message.navigation.page_script_hash
        elif kind == "new_session" and not message.metadata.run.fragment_ids:
            self._stop_following(list(self._fragments))  # a whole run: its fragments ask again as they are drawn
        elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            pass  # the page called st.rerun(): the run that answers is the next one
        elif kind == "script_finished" and self._sent_at is not None:
            (self.times.fragment if self._sent_fragment else self.times.page).append(time.monotonic() - self._sent_at)
            self._finished.set()

    def _stop_following(self, fragments: list[str]) -> None:
        for fragment in fragments:
            task = self._fragments.pop(fragment, None)
            if task is not None:
                task.cancel()

    async def _follow(self, fragment: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
                await self.rerun(fragment=fragment)
