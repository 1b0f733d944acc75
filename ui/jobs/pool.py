"""The server's one job runner, shared by every session, and who is asking.

Training, measuring, the learning curve, fine-tuning, motion training and Record's imports run in worker processes:
a page sends a job and follows its place in the queue, progress and result, so the web process only serves pages.
The runner is this module's: one per server process, whatever the number of tabs and whatever clears Streamlit's
caches; the local pool (``core.jobs.local``), or with the store on PostgreSQL (``HANDTEACH_DATABASE_URL``) the job
queue there (``core.jobs.queue``), whose workers (``python -m core jobs worker``) may run on other machines. A job's
``owner`` is whose turn it is (one running job each, on every server); a job's ``session`` is the tab following it,
whose jobs the server that had the tab cancels when it goes.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.classes import quotas
from core.classes.removal import gone_owners
from core.data.sql.database import Database, database_url, store_exists
from core.data.sql.schema import StoreError, default_data_dir
from core.jobs.job import NOUNS, JobStatus, account_owner
from core.jobs.local import LocalRunner
from ui.common import signin

if TYPE_CHECKING:
    from core.jobs.queue import QueueRunner

# each worker imports these before its first job: a training then waits for no import (torch: seconds)
PRELOAD = ("core.data.project", "core.data.project_accuracy", "core.starter")
OUTSIDE = "local"  # the owner and session of work started outside a Streamlit session (a test, a script)


def tab_alive(session_id: str) -> bool:
    """Whether tab ``session_id`` is connected; True outside a server (no tab can go there)."""
    if session_id == OUTSIDE or not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session_id)


_runner: list[LocalRunner | QueueRunner] = []  # the one runner of this process: never a st.cache_resource (see runner)
_runner_lock = threading.Lock()


def runner() -> LocalRunner | QueueRunner:
    """The process pool of this server (``core.jobs.runner.default_workers`` workers, started as jobs come), or with
    ``HANDTEACH_DATABASE_URL`` set the job queue on that PostgreSQL (a wrong or unreachable one: ``QueueError``'s
    line, a ``StoreError``, and no runner kept: the next page tries again).

    Kept by this module, not in ``st.cache_resource``: a cleared cache (Streamlit's "clear cache" message, which an
    outsider sent from the sign-in page, issue 63) dropped the runner while its workers lived on, so each next page
    started another pool of about 0.5 GB (1 → 5 after four rounds) and the running jobs lost their status."""
    with _runner_lock:
        if not _runner:
            if url := database_url():
                from core.jobs.queue import QueueRunner  # procrastinate and psycopg only where they are used

                _runner.append(QueueRunner(url, session_alive=tab_alive))
            else:
                _runner.append(LocalRunner(preload=PRELOAD, session_alive=tab_alive, owners_gone=accounts_gone))
        return _runner[0]


_accounts: dict[Path, Database] = {}  # the pages' store by folder, read by the local pool's scheduler thread


def accounts_gone(owners: set[str]) -> set[str]:
    """Of the owners of this server's open jobs, those whose account is gone from the pages' store (deleted from
    the command line, out of reach of this server's pool): the pool stops their jobs. The store away: none."""
    data_dir = default_data_dir()
    try:
        if data_dir not in _accounts:  # by folder: one process's tests each have their own, and ids repeat
            if not store_exists(data_dir):
                return set()
            _accounts[data_dir] = Database(data_dir, read_only=True)
        return gone_owners(_accounts[data_dir], owners)
    except StoreError:  # asked again in a second
        return set()


def warm() -> None:
    """On a server (not under AppTest): the runner and its workers start with the first page anyone opens, so the
    first training waits for no import. The job queue's database unreachable: the first job sent says so."""
    if Runtime.exists():
        with contextlib.suppress(StoreError):
            runner().warm()


def session() -> str:
    """This tab's session id (``OUTSIDE`` when not run by Streamlit)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else OUTSIDE


def owner() -> str:
    """Whose job: the signed-in user (``user:<id>``: then jobs are theirs, whatever the tab, and deleting the account
    cancels them, ``core.classes.removal``), else this tab's session (``session:<id>``): one running job each,
    round robin between them, one waiting job of each kind each (``core.jobs.fair``)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return OUTSIDE
    viewer = signin.signed_in()
    return account_owner(viewer.account_id) if viewer is not None else f"session:{ctx.session_id}"


def time_limit() -> float:
    """Seconds a job of this session may run: its class's ``job_seconds`` for a signed-in student (the runner stops
    it after, in one line), else 0 (no limit)."""
    viewer = signin.signed_in()
    if viewer is None:
        return 0.0
    from ui.common import state  # the page's store, opened as the viewer

    return quotas.job_seconds(state.store(), viewer.account_id)


def cancel_this_tab() -> None:
    """This tab's jobs stop (its account was deleted: ``ui.common.signin.gate``'s ``on_deleted``)."""
    runner().cancel_session(session())


# a page following a queued job: thirty waiting tabs at 0.5 s were 60 script runs a second; at 2 s, with thirty
# students' Train pages waiting, another student's page loaded in 2.20 s at p95 (1.65 s before), over the 2 s asked
WAITING_POLL_S = 4.0
RUNNING_POLL_S = 0.5


def poll_every(waiting: bool) -> float:
    """How often a fragment following a job reruns: slowly while the job waits its turn. A fragment made while
    waiting reruns the page once the job starts (``started``), which makes it again at the running pace."""
    return WAITING_POLL_S if waiting else RUNNING_POLL_S


def started(made_waiting: bool, waiting: bool) -> None:
    """In a fragment made at the waiting pace: the job started, so the page runs again at the running pace."""
    if made_waiting and not waiting:
        st.rerun(scope="app")


def waiting_text(status: JobStatus) -> str:
    """ "Waiting: 2 jobs ahead of your training, about 10 s." for a queued job (other students' work comes first)."""
    noun = NOUNS.get(status.kind, "job")
    if status.held:  # no worker of this server's version runs: the teacher's site panel says so to whoever runs it
        return f"Waiting: no computer is ready to run your {noun} yet. Your teacher's Class page says why."
    if status.ahead:
        ahead = f"{status.ahead} {'job' if status.ahead == 1 else 'jobs'} ahead of your {noun}"
    else:
        ahead = f"your {noun} is next"
    wait = f", about {max(1.0, status.wait_s):.0f} s" if status.wait_s is not None else ""
    return f"Waiting: {ahead}{wait}."
