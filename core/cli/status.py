"""``python -m core status [--json]``: what the whole site is doing now (``core.site.status``).

A sentence (the Class page's), then the app servers (each one's heartbeat: process, age, last heard, load, open tabs,
its own job pool), and on PostgreSQL the job queue (waiting and running jobs by kind, the longest wait) and its
workers (last heartbeat, the job each runs). On SQLite it is one machine's store: no queue, each server's own pool.
``--json`` prints the same as one JSON object, for scripts. It only reads: no store is created where none is.
Registered by ``core.cli.registry``; it imports only the store.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from typing import Any

from core.data.sql.schema import default_data_dir

CHECKOUT = "this checkout's"  # whose version the command line's summary says no worker runs: its own code's
NO_STORE = "no handteach store here yet: no server has run on it"
# a server writes its heartbeat only once the store's tables exist: made by its first page, or a handteach command
NO_TABLES = (
    "the database has no handteach tables yet, so no app server reports in it: they are made by the first "
    "page anyone opens or by a handteach command (class create)"
)


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "what the site is doing: app servers, the job queue and its workers, each server's load"
    parser = sub.add_parser("status", help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table, for scripts")
    parser.set_defaults(handler=_status)


def _status(args: argparse.Namespace) -> int:
    from core.data.sql.database import Database, database_url, store_exists
    from core.data.sql.postgres import shown
    from core.site.status import SiteStatus, read_status

    url = database_url()
    where = shown(url) if url else f"SQLite, {args.data or default_data_dir()}"
    if store_exists(args.data):
        status = read_status(Database(args.data, read_only=True))
    else:
        status = SiteStatus(bool(url), (), None, (), (NO_TABLES if url else NO_STORE,))
    if not url and not any(not s.gone for s in status.servers):
        status = replace(status, notes=(*status.notes, elsewhere_note(args.data or default_data_dir())))
    if args.json:
        print(json.dumps(as_json(status, where), sort_keys=True))
    else:
        print("\n".join(table(status, where)))
    return 0


def elsewhere_note(data: Any) -> str:  # noqa: ANN401 - a path
    """Where no app server reported to the SQLite store looked at: which store that was, and how to look at the site's
    (its servers on PostgreSQL report in their database, which this shell does not name)."""
    return (
        f"this looked at the SQLite store in {data}, as HANDTEACH_DATABASE_URL is not set in this shell. App "
        "servers on PostgreSQL report in their database: run it again with HANDTEACH_DATABASE_URL set as theirs "
        "(export HANDTEACH_DATABASE_URL=postgresql://…), or with --data naming a server's data folder on SQLite"
    )


def as_json(status: Any, where: str) -> dict[str, Any]:  # noqa: ANN401 - a SiteStatus
    from core.site.status import summary

    servers = [{**asdict(s.beat), "name": s.beat.name, "silent_s": s.silent_s, "gone": s.gone, "up_s": s.up_s}
               for s in status.servers]  # fmt: skip
    return {"database": "postgresql" if status.shared else "sqlite", "store": where, "summary": summary(status, whose=CHECKOUT),
            "servers": servers, "queue": None if status.queue is None else asdict(status.queue),
            "workers": [asdict(w) for w in status.workers], "notes": list(status.notes)}  # fmt: skip


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def _pool_text(local: Any) -> str:  # noqa: ANN401 - a PoolLoad or None
    if local is None:
        return "-"
    busy = sum(local.running.values())
    waiting = sum(local.waiting.values())
    return f"{busy} of {local.size} busy, {waiting} waiting"


def table(status: Any, where: str) -> list[str]:  # noqa: ANN401 - a SiteStatus
    """The lines ``status`` prints: the sentence, the store, then a table per part."""
    from core.site.status import jobs_text, seconds_text, summary

    lines = [summary(status, whose=CHECKOUT), f"Store: {where}", ""]
    lines.append(f"App servers ({len(status.servers)})")
    if status.servers:
        rows = [["server", "pid", "up", "last heard", "load", "tabs", "own job pool"]]
        for server in status.servers:
            beat = server.beat
            heard = f"{seconds_text(server.silent_s)} ago" + (" (gone)" if server.gone else "")
            load = "-" if beat.load1 is None else f"{beat.load1:.2f} on {beat.cores} cores"
            rows.append([beat.name, str(beat.pid), seconds_text(server.up_s), heard, load, str(beat.tabs),
                         _pool_text(beat.local)])  # fmt: skip
        lines += _columns(rows)
    if status.queue is not None:
        queue = status.queue
        oldest = "" if queue.oldest_wait_s is None else f", longest {seconds_text(queue.oldest_wait_s)}"
        lines += ["", f"Job queue: {jobs_text(queue.running) or 'nothing'} running; "
                  f"{jobs_text(queue.waiting) or 'nothing'} waiting{oldest}"]  # fmt: skip
        lines.append(f"Workers ({len(status.workers)})")
        if status.workers:
            rows = [["worker", "last heard", "job", "for", "pid", "version"]]
            for worker in status.workers:
                heard = f"{seconds_text(worker.silent_s)} ago" + (" (gone)" if worker.gone else "")
                rows.append([str(worker.id), heard, worker.job or "idle",
                             "" if worker.job_s is None else seconds_text(worker.job_s),
                             "" if worker.pid is None else str(worker.pid), worker.version or "-"])  # fmt: skip
            lines += _columns(rows)
    lines += [f"Note: {note}" for note in status.notes]
    return lines
