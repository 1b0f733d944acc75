"""``projects export NAME -o FILE`` and ``projects import FILE [--as NEW] [--replace]``: a project as one file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli.common import open_store, reading_store
from core.data.bundles.bundle import bundle_name, export_project, import_project
from core.data.counts import project_counts
from core.data.managed import check_output
from core.data.sql.write_lock import busy_notices


def export(args: argparse.Namespace) -> int:
    """Write the project to ``--output`` (default ``NAME.handteach`` in the current folder); last line JSON."""
    output = check_output(args.output or bundle_name(args.name), args.data)
    store = reading_store(args, args.name)
    report = export_project(store, args.name, output)
    models = f", models: {', '.join(report.models)}" if report.models else ", no trained model"
    counts = project_counts(store, report.project).summary()  # the app's words: "74 samples in 6 of 9 gestures"
    print(f"wrote project {report.project!r} ({counts}{models}) to {output}")
    print(json.dumps({"project": report.project, "file": str(output), "bytes": report.bytes, "samples": report.samples,
                      "clips": report.clips, "classes": report.classes, "models": list(report.models)}))  # fmt: skip
    return 0


def import_file(args: argparse.Namespace) -> int:
    """Store the file's project (checked whole first; nothing is stored when anything is wrong); last line JSON."""
    store = open_store(args)
    with busy_notices(lambda notice: print(notice, file=sys.stderr, flush=True)):  # another write holds the store
        report = import_project(store, Path(args.name), as_name=args.as_name, replace=args.replace)
    models = f", models: {', '.join(report.models)}" if report.models else ", no trained model"
    verb = "replaced" if report.replaced else "imported"
    counts = project_counts(store, report.project).summary()
    print(f"{verb} project {report.project!r} ({counts}{models}) from {args.name}")
    print(json.dumps({"project": report.project, "samples": report.samples, "clips": report.clips,
                      "classes": report.classes, "models": list(report.models), "replaced": report.replaced}))  # fmt: skip
    return 0
