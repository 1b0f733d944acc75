"""The version of the code a job runs with: what an app server and a queue worker must agree on (``core.jobs.queue``
sends a job to its version's queue, ``core.jobs.queue_worker`` takes jobs of its own version only).

It is ``WIRE_VERSION`` (a job's layout) and a digest of the ``core`` package's sources, worked out once per process,
as ``core.jobs`` is first imported (an app server at its start, with its heartbeat; a worker process as it starts):
the code it loaded then, not files edited later in its checkout. Two checkouts of one commit agree by themselves;
nothing in the environment changes it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

WIRE_VERSION = 3  # a job's layout; 2: the keyword arguments in their own table; 3: a queue and locks of each version


def code_digest(root: Path) -> str:
    """A digest of the Python sources under ``root`` (their paths and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


CODE = code_digest(Path(__file__).resolve().parents[1])  # once, at import: the code this process started with


def jobs_version() -> str:
    """What a job and its worker must agree on: ``WIRE_VERSION`` and a digest of the ``core`` package's sources (the
    code a worker runs the job with). Two checkouts of one commit agree by themselves, on any machine; a file of
    ``core`` changed on one side makes another version, whose jobs wait for a worker of their own."""
    return f"{WIRE_VERSION}.{CODE}"
