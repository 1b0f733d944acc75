"""This app server's heartbeat (``core.site.heartbeat``): started by the launcher (``ui.server.serve``), it writes
every few seconds who this server is (this machine's name and the port it serves), its process, the machine's load,
the browser tabs connected to it and its own job pool's jobs, for ``python -m core status`` and the Class page.
Nothing is written before Streamlit serves (no port yet) or where the data folder holds no store yet; a clean stop
takes the row away."""

from __future__ import annotations

import atexit
import os
import socket

from core.data.sql.schema import default_data_dir
from core.jobs.local import open_load
from core.jobs.runner import usable_cores
from core.site.heartbeat import Heartbeat, ServerBeat

_started: list[Heartbeat] = []


def _tabs() -> int | None:
    """The browser tabs connected now; None while Streamlit's runtime is still being made (a beat at the server's
    start found the runtime without its session manager, and logged a traceback)."""
    from streamlit.runtime import Runtime

    manager = getattr(Runtime.instance(), "_session_mgr", None)  # Streamlit's own, as ui.server.uploads uses
    return None if manager is None else int(manager.num_active_sessions())


def facts() -> ServerBeat | None:
    """This server now; None until Streamlit serves."""
    from streamlit import config
    from streamlit.runtime import Runtime

    tabs = _tabs() if Runtime.exists() else None
    if tabs is None:
        return None
    try:
        load1: float | None = os.getloadavg()[0]
    except OSError:  # no load average on this system
        load1 = None
    return ServerBeat(socket.gethostname(), int(config.get_option("server.port")), os.getpid(), tabs, load1,
                      usable_cores(), open_load())  # fmt: skip


def start_heartbeat() -> Heartbeat:
    """Start this server's heartbeat (once); a clean exit removes its row."""
    if not _started:
        _started.append(Heartbeat(default_data_dir, facts).start())  # the pages' store: ui.server.settings
        atexit.register(_started[0].stop)
    return _started[0]


def live_servers() -> int:
    """The site's app servers now, as this server's last heartbeat counted them (1 before it beat, or without one)."""
    return _started[0].servers if _started else 1
