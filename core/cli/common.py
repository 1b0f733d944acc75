"""What every command group shares: opening the store, writing an ``error:`` line or the JSON result line.

The groups (``commands``, ``model``, ``bundle``, ``motion``, ``live``, ``starter``, ...) import this module
and never each other upwards; ``core.cli.registry`` is the one table that puts them on the parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.data.managed import check_output
from core.data.sql.database import store_exists
from core.data.store import Store
from core.gestures.catalog import DEFAULT_PROJECT


def open_store(args: argparse.Namespace) -> Store:
    return Store(args.data)


def reading_store(args: argparse.Namespace, project: str | None = None) -> Store:
    """A read-only store for commands that only look, so they work on a full or read-only disk.

    A data folder without a database yet, or a missing default ``project``, needs a first
    write (the schema, the default project): then a writable store is opened instead.
    """
    exists = store_exists(args.data)  # a folder there: the Store names it
    looking = Store(args.data, read_only=True) if exists else None
    if looking is not None and (project != DEFAULT_PROJECT or project in looking.list_projects()):
        return looking
    store = open_store(args)
    if project == DEFAULT_PROJECT:
        store.ensure_project(project)
    return store


def print_error(message: str) -> None:
    """``error: <message>`` on stderr as one write: MediaPipe's C++ threads log to the same
    descriptor, and print()'s separate write of the newline let their line land inside ours."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False))


def checked_outputs(args: argparse.Namespace, files: list[Path]) -> dict[Path, Path]:
    """``infer``'s annotated file for each input (``output_paths``), none of them among the data folder's files."""
    from core.gestures.inference import output_paths

    outputs = output_paths(files, Path(args.output) if args.output else None)
    for target in outputs.values():
        check_output(target, args.data)
    return outputs
