"""A page's view of one queued job (``JobStatus``) from procrastinate's row joined with ours
(``core.jobs.queue``'s status query): which state, which error, what answer."""

from __future__ import annotations

from typing import Any

from core.jobs import wire
from core.jobs.job import JobState, JobStatus, worker_died

ENDED_STATES = {"done": JobState.DONE, "failed": JobState.FAILED, "cancelled": JobState.CANCELLED}
FINAL = frozenset(ENDED_STATES.values())  # a status in one of these never changes again


def row_status(job_id: str, row: dict[str, Any], ahead: int, wait_s: float | None) -> JobStatus:
    """A page's view of one job from procrastinate's row and ours."""
    meta = row["meta"] or {}
    kind, owner = str(meta.get("kind", "")), str(meta.get("owner", ""))
    state, error, error_type = _state(row, kind)
    result = wire.decode(row["result"]) if row["result"] is not None and state is not JobState.FAILED else None
    queued = state is JobState.QUEUED
    detail = wire.decode(row["detail"]) if row["detail"] is not None else None
    return JobStatus(job_id, kind, owner, state, ahead if queued else 0, wait_s if queued else None,
                     int(row["done"] or 0), int(row["total"] or 0), detail, result,
                     error, error_type, float(row["seconds"] or 0.0) if row["state"] else 0.0,
                     cancelled=bool(row["abort_requested"]), error_bases=tuple(row["error_bases"] or ()))  # fmt: skip


def _state(row: dict[str, Any], kind: str) -> tuple[JobState, str | None, str]:
    """(state, error, error type): our row's end where the worker wrote one, else procrastinate's status."""
    if row["state"] in ENDED_STATES:
        return ENDED_STATES[row["state"]], row["error"], row["error_type"] or ""
    status = row["status"]
    if status == "todo":
        return JobState.QUEUED, None, ""
    if status == "doing":
        return JobState.RUNNING, None, ""
    if status in ("cancelled", "aborted"):
        return JobState.CANCELLED, None, ""
    return JobState.FAILED, worker_died(kind), "WorkerDied"  # ended with no word from its worker
