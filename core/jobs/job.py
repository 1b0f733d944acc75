"""What crosses the job runner's boundary: a request, the status a page follows, the context a job function gets.

Every value here is plain data (picklable), so a runner on other machines (RQ, Celery, Ray) could carry it as the
local process pool does. ``owner`` is whose job it is, for fairness: today a Streamlit session's id
(``session:<id>``), with sign-in the signed-in user (``user:<id>``); ``session`` is the tab that follows the job,
which is cancelled when that tab goes.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The runner's kinds and their priority (lower runs first): a student waiting to see a model beats a figure
# nobody asked for yet, so the accuracy's measuring and the learning curve yield to everything else.
TRAIN, MEASURE, CURVE, FINETUNE, IMPORT, EXTRACT = "train", "measure", "curve", "finetune", "import", "extract"
PRIORITY = {TRAIN: 0, FINETUNE: 0, IMPORT: 0, EXTRACT: 0, MEASURE: 1, CURVE: 1}
NOUNS = {TRAIN: "training", MEASURE: "measuring", CURVE: "learning curve", FINETUNE: "fine-tuning",
         IMPORT: "import", EXTRACT: "video"}  # fmt: skip

SERVER_FULL = "The server is full, try again in a minute."
WORKER_DIED = ("The worker running this job stopped (the server ran out of memory, or it was ended); nothing of it "
               "was saved and your previous model stays. Press again to retry.")  # fmt: skip
WORKER_DIED_IMPORT = ("The worker running this import stopped (the server ran out of memory, or it was ended); part "
                      "of it may have been stored, so check the counts before importing again.")  # fmt: skip
WORKER_DIED_VIDEO = ("The worker reading this video stopped (the server ran out of memory, or it was ended); no clip "
                     "was added. Press again to retry.")  # fmt: skip


OWNER_PREFIX = "user:"


def account_owner(account_id: int) -> str:
    """The ``owner`` of a signed-in person's jobs (``user:<id>``): every tab of theirs shares one turn, and deleting
    their account cancels them all (``core.classes.removal``)."""
    return f"{OWNER_PREFIX}{account_id}"


def worker_died(kind: str) -> str:
    """The one line a page shows when the worker running a job of ``kind`` died: what was kept, in the job's words."""
    return {IMPORT: WORKER_DIED_IMPORT, EXTRACT: WORKER_DIED_VIDEO}.get(kind, WORKER_DIED)


TIME_LIMIT = "TimeLimit"  # the error_type of a job stopped at its time limit (its error is the line to show)
_KEPT = {TRAIN: "your previous model stays", FINETUNE: "your previous model stays", IMPORT: "nothing of it was stored",
         EXTRACT: "no clip was added", MEASURE: "no figure for this model", CURVE: "no curve was drawn"}  # fmt: skip


def time_limit_line(kind: str, seconds: float) -> str:
    """The one line of a job stopped at its class's time limit (``JobRequest.limit_s``), in the job's words."""
    return (f"Your {NOUNS.get(kind, 'job')} was stopped after {seconds:,.0f} s, your class's time limit for one job: "
            f"{_KEPT.get(kind, 'nothing of it was kept')}. Make it smaller, or ask your teacher.")  # fmt: skip


DATABASE_AWAY = "DatabaseAway"  # error_type of a job that failed as the database could not be reached (error: the line)


def database_away_line(kind: str) -> str:
    """The one line of a job that failed as the site's database could not be reached (restarting, or its machine
    away): not the worker's fault, so not ``worker_died``'s words; what was kept, in the job's words."""
    kept = "part of it may have been stored, so check the counts first" if kind == IMPORT else _KEPT.get(kind, "")
    again = "" if kind in (MEASURE, CURVE) else " Press again in a minute to retry."
    return (f"The database could not be reached while your {NOUNS.get(kind, 'job')} ran (it was restarting, or its "
            f"machine was away): {kept or 'nothing of it was kept'}.{again}")  # fmt: skip


WORKER_VERSION = "WorkerVersion"  # error_type of a job a queue worker of another version refused (error: the line)


# from the app server's checkout, with a data folder of its own, as docs/site-servers.md's step 5 starts it
WORKER_COMMAND = ".venv/bin/handteach --data /srv/handteach/worker jobs worker"


def no_worker_line(mine: str, running: list[str], whose: str = "this app server's", versions: bool = True) -> str:
    """Why the jobs of version ``mine`` (``core.jobs.queue_db.jobs_version``: ``whose`` code) wait whatever their
    place: no worker of that version runs (``running``: the versions that do). Both versions and the command that
    starts a matching worker, for whoever runs the site; ``versions`` False (a page): no version digest, which means
    nothing to a teacher reading it."""
    if not versions:
        others = "only workers of another version run" if running else "no worker runs at all"
        return (f"No job worker runs {whose} version of handteach; {others}: its jobs wait for one. "
                f"Start one from the same checkout: {WORKER_COMMAND}")  # fmt: skip
    others = (f"only version{'s' if len(running) > 1 else ''} {', '.join(running)} runs" if running else
              "no worker runs at all")  # fmt: skip
    return (f"No job worker runs {whose} version of handteach ({mine}); {others}: its jobs wait for one. "
            f"Start one from the same checkout: {WORKER_COMMAND}")  # fmt: skip


VERSION_GONE = "VersionGone"  # error_type of a waiting job cancelled as nothing of its version runs any more


def version_gone_line(kind: str, version: str) -> str:
    """The one line of a waiting job cancelled because no app server or worker of its version runs any more
    (``core.jobs.queue_versions``): the site was updated while it waited."""
    return (f"Your {NOUNS.get(kind, 'job')} never started: it waited for version {version} of handteach, which no "
            "server runs any more (the site was updated). Nothing of it was done: press again.")  # fmt: skip


def other_version_line(worker: str, sender: str) -> str:
    """The one line of a job refused by a queue worker of another version (``core.jobs.queue_db.jobs_version``)."""
    return (f"The job workers run another version of handteach ({worker}) than this server ({sender}): nothing was "
            "done. Whoever runs the server should update the workers and the app servers together.")  # fmt: skip


def one_waiting_line(kind: str) -> str:
    noun = NOUNS.get(kind, "job")
    return (f"Another {noun} of yours is waiting for its turn already (one waits for each student at a time): "
            f"press again once it has started.")  # fmt: skip


class ServerFullError(RuntimeError):
    """The queue holds its bound of jobs: this one was not queued (nothing of the student's is lost)."""

    def __init__(self, message: str = SERVER_FULL) -> None:
        super().__init__(message)


class OneWaitingError(ServerFullError):
    """The owner has a job of this kind waiting already (``core.jobs.fair.waiting_of``): this one was not queued."""

    def __init__(self, kind: str) -> None:
        super().__init__(one_waiting_line(kind))


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


JobFunction = Callable[..., Any]  # fn(context: JobContext, **kwargs) -> result; module-level, so it pickles


@dataclass(frozen=True)
class JobRequest:
    kind: str  # a key of PRIORITY
    owner: str  # whose job: one runs at a time per owner; a second request of the same kind is the same job
    fn: JobFunction
    kwargs: dict[str, Any] = field(default_factory=dict)  # picklable values only
    session: str = ""  # the tab following the job: when it goes, the job is cancelled ("": none)
    key: str = ""  # what the job is on (a project): the same owner, kind and key while one is queued or running is
    # that job again (a student pressing Train ten times gets one job)
    limit_s: float = 0.0  # running longer, the job is stopped and fails with ``time_limit_line`` (0: no limit)

    def __post_init__(self) -> None:
        if self.kind not in PRIORITY:
            raise ValueError(f"unknown job kind {self.kind!r}; one of {sorted(PRIORITY)}")


@dataclass(frozen=True)
class JobStatus:
    """A job as its page sees it. ``detail`` is the job's latest progress payload (e.g. the epochs so far)."""

    job_id: str
    kind: str
    owner: str
    state: JobState
    ahead: int  # queued jobs that will start before this one (0 once running)
    wait_s: float | None  # queued: about how long until it starts; None when unknown
    done: int  # steps (epochs, folds, rows, frames) done of ``total`` (0: unknown)
    total: int
    detail: Any
    result: Any  # once DONE
    error: str | None  # once FAILED: a message for the page, one line
    error_type: str  # the exception's class name ("" when none): a page shows its own errors' words alone
    seconds: float  # since it started running (0 while queued)
    cancelled: bool = False  # a cancel was asked: its owner's slot is free already, the worker stops soon
    error_bases: tuple[str, ...] = ()  # the base classes' names of ``error_type`` (a MediaError is a ValueError)
    held: str = ""  # queued: why it cannot start whatever its place (no worker of its version runs: ``no_worker_line``)

    @property
    def ended(self) -> bool:
        return self.state.ended


@dataclass
class JobContext:
    """What a job function gets: ``progress(done, total, detail)`` and a ``cancel`` event checked between steps.

    In a worker process the runner sets ``cancel`` and forwards ``progress``; on the command line ``progress``
    prints and ``cancel`` is never set. ``detail`` carries the job's own progress values (picklable)."""

    progress: Callable[[int, int, Any], None] = lambda done, total, detail=None: None
    cancel: threading.Event = field(default_factory=threading.Event)

    def steps(self, done: int, total: int) -> None:
        """A ``core.io.progress.Progress`` callback (done, total) for work that counts steps only."""
        self.progress(done, total, None)
