"""Job functions for the outage tests (``tests/test_jobs_outages.py``): module-level, so a queue worker imports them
by name (``--allow-module outagefns``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg

from core.jobs.job import JobContext


def reads_after(context: JobContext, go_on: str, n: int = 4) -> dict:
    """``n`` steps, then, once the file ``go_on`` exists, reads the site's database as a training reads its samples:
    run while PostgreSQL is stopped, it fails as a job's store read does then."""
    for i in range(n):
        time.sleep(0.1)
        context.progress(i + 1, n + 1, None)
    while not Path(go_on).exists():
        time.sleep(0.05)
    with psycopg.connect(os.environ["HANDTEACH_DATABASE_URL"], connect_timeout=2) as conn:
        conn.execute("SELECT 1")
    context.progress(n + 1, n + 1, None)
    return {"pid": os.getpid()}
