"""The Class page's servers panel: what the whole site is doing now (``core.site.status``, the same facts as
``python -m core status``) in a teacher's words: one sentence ("2 app servers, 3 workers, 4 trainings waiting
(longest 40 s)."), and under it each server (how busy, tabs open, jobs running there, when last heard from) and each
worker. Read again every ``REFRESH_S`` while the page is open; a status that cannot be read is one line."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.sql.schema import StoreError
from core.data.store import Store
from core.site.heartbeat import BEAT_S
from core.site.status import ServerState, SiteStatus, WorkerState, jobs_text, read_status, seconds_text, summary

REFRESH_S = 10.0
UNREADABLE = "The servers' state cannot be read just now; it is tried again in a few seconds."
LATE_S = 2 * BEAT_S + 2  # two beats missed: a server killed 13 s ago read "13 s ago, busy 282%" for 40 s
FULL = "full: work waits its turn"  # a load past the machine's cores ("busy 391%" meant nothing to a teacher)


def _busy(server: ServerState) -> str:
    """How busy its machine is, as a share of what it can do at once; nothing for a server that stopped answering
    (its last figure is not today's)."""
    load, cores = server.beat.load1, max(1, server.beat.cores)
    if load is None or server.silent_s >= LATE_S:
        return ""
    return FULL if load >= cores else f"{load / cores:.0%}"


def _heard(silent_s: float, gone: bool) -> str:
    if gone:
        return f"not heard from for {seconds_text(silent_s)}"
    return f"not answering for {seconds_text(silent_s)}" if silent_s >= LATE_S else f"{seconds_text(silent_s)} ago"


def server_rows(status: SiteStatus) -> list[dict[str, str | int]]:
    """One row a server: its name, how busy its machine is, tabs open, the jobs it runs itself, when last heard."""
    rows: list[dict[str, str | int]] = []
    for server in status.servers:
        local = server.beat.local
        jobs = "" if local is None else (jobs_text(local.running) or "none")
        rows.append({"server": server.beat.name, "busy": _busy(server), "tabs open": server.beat.tabs,
                     "jobs running there": jobs, "last heard": _heard(server.silent_s, server.gone)})  # fmt: skip
    return rows


def _worker_text(worker: WorkerState) -> str:
    if worker.gone:
        lost = "; its job fails soon, and can be sent again" if worker.job is not None else ""
        return f"Worker {worker.id}: {_heard(worker.silent_s, True)}{lost}."
    if worker.job is None:
        return f"Worker {worker.id}: free."
    noun = jobs_text({worker.job.rpartition("-")[0]: 1})
    took = f" for {seconds_text(worker.job_s)}" if worker.job_s is not None else ""
    return f"Worker {worker.id}: running {noun.removeprefix('1 ')}{took}."


def _show(store: Store) -> None:
    try:
        status = read_status(store)
    except StoreError:
        st.caption(UNREADABLE)
        return
    st.markdown(summary(status, versions=False))  # our own words and numbers: no name typed, no version digest
    if not status.servers and not status.workers:
        return
    with st.expander("Each server and worker"):
        if status.servers:
            st.dataframe(pd.DataFrame(server_rows(status)), hide_index=True, width="stretch", key="classroom_servers")
        for worker in status.workers:
            st.caption(_worker_text(worker))


def site_panel(store: Store) -> None:
    """The panel, read again every ``REFRESH_S`` on its own (the rest of the page does not rerun)."""
    st.fragment(run_every=REFRESH_S)(_show)(store)
