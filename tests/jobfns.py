"""Job functions for the runner's tests: module-level (a spawned worker imports them by name), each doing real
work in its own process: sleeping in steps, failing, ignoring a cancel, saying its process id."""

from __future__ import annotations

import os
import time
from pathlib import Path

from core.jobs.job import JobContext


def steps(context: JobContext, n: int = 5, step_s: float = 0.1, mark: str = "") -> dict:
    """``n`` steps of ``step_s``, progress after each, stopping early on cancel; appends ``mark`` to a file as it
    starts (the order jobs ran in) when ``mark`` is ``path:text``."""
    if mark:
        path, text = mark.split(":", 1)
        with Path(path).open("a") as f:
            f.write(f"{text} {time.monotonic():.3f}\n")
    for i in range(n):
        if context.cancel.is_set():
            return {"pid": os.getpid(), "done": i}
        time.sleep(step_s)
        context.progress(i + 1, n, {"step": i + 1})
    return {"pid": os.getpid(), "done": n}


def fails(context: JobContext, message: str = "the samples are unreadable") -> None:
    raise ValueError(message)


def stubborn(context: JobContext, seconds: float = 60.0) -> None:
    """Ignores its cancel: the runner must end its worker."""
    time.sleep(seconds)


def unpicklable(context: JobContext) -> object:
    return lambda: None


def slow_measure(context: JobContext, **_: object) -> None:
    """``core.jobs.tasks.measure``'s stand-in: round 1 of 5 done, then waits (up to 60 s) for Skip."""
    context.progress(0, 5, None)
    time.sleep(0.2)
    context.progress(1, 5, None)
    if not context.cancel.wait(60):
        raise AssertionError("the Skip button did not reach the worker")


def slow_curve(context: JobContext, **_: object) -> None:
    """``core.jobs.tasks.curve``'s stand-in: 3 of 10 trainings done, then waits (up to 60 s) for Stop."""
    context.progress(0, 10, None)
    time.sleep(0.2)
    context.progress(3, 10, None)
    if not context.cancel.wait(60):
        raise AssertionError("Stop did not reach the worker")


def skipped_measure(context: JobContext, **kwargs: object) -> object:
    """``core.jobs.tasks.measure`` as a press on Skip measuring ends it: its folds stopped before the first."""
    import threading

    from core.jobs import tasks

    skipped = threading.Event()
    skipped.set()
    return tasks.measure(JobContext(context.progress, skipped), **kwargs)


def paused_train(context: JobContext, go_on: str, **kwargs: object) -> object:
    """``core.jobs.tasks.train`` that waits after its first pass (up to 60 s) until the file ``go_on`` exists: what
    another tab does meanwhile happens while the training is under way."""
    from core.jobs import tasks

    def progress(done: int, total: int, detail: object) -> None:
        context.progress(done, total, detail)
        deadline = time.monotonic() + 60
        while done == 1 and not Path(go_on).exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    return tasks.train(JobContext(progress, context.cancel), **kwargs)


def paused_file(context: JobContext, there: str, result: str, **_: object) -> object:
    """A file job's stand-in (Record's import, a CSV, a video's clips): frame 40 of 325, then its process id written
    to the file ``there`` and a wait (up to 60 s) for Cancel; returns what the real job returns when stopped
    (``result``: "upload", "csv" or "clips")."""
    context.progress(0, 325, None)
    time.sleep(0.3)
    context.progress(40, 325, None)
    Path(there).write_text(str(os.getpid()))
    if not context.cancel.wait(60):
        raise AssertionError("Cancel did not reach the worker")
    if result == "upload":
        from core.data.imports.uploads import UploadReport

        return UploadReport(frames=40, cancelled=True)
    return (0, [], True) if result == "clips" else None


def there_pid(there: Path, timeout: float = 120.0) -> int:
    """The process id ``paused_file`` wrote once at frame 40 (waiting for the worker to start and reach it)."""
    deadline = time.monotonic() + timeout
    while not there.exists() or not there.read_text():
        assert time.monotonic() < deadline, "the job never reached frame 40"
        time.sleep(0.05)
    return int(there.read_text())


def held(context: JobContext, job: str, at: int, **kwargs: object) -> object:
    """``core.jobs.model_tasks.<job>`` (the real one, in this worker) that holds once ``at`` steps (epochs) are done,
    for up to 60 s: a test ends its worker there, mid-training, as the out-of-memory killer would."""
    from core.jobs import model_tasks

    def progress(done: int, total: int, detail: object) -> None:
        context.progress(done, total, detail)
        deadline = time.monotonic() + 60
        while done >= at and time.monotonic() < deadline and not context.cancel.is_set():
            time.sleep(0.05)

    return getattr(model_tasks, job)(JobContext(progress, context.cancel), **kwargs)


def torch_threads(context: JobContext) -> int:
    import torch

    return torch.get_num_threads()


def data_folder(context: JobContext, data_dir: str) -> str:
    """The data folder the job was given (a queue worker gives its own)."""
    return data_dir
