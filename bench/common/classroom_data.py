"""The classroom benchmark's projects (bench/server/classroom.py): one per student, real hands, and the check after.

Each student's project holds 8 gestures × 10 samples: MediaPipe's keypoints of HaGRID photos (``../shared``),
found once and stored into every student's project (the same hands: the work per training is what matters).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "hands" / "hagrid_380" / "images"
# class → HaGRID folder: six of the default classes and two more, so eight gestures are recorded
GESTURES = {"thumbs_up": "like", "thumbs_down": "dislike", "pointing_up": "one", "ok": "ok", "fist": "fist",
            "open_palm": "palm", "peace": "peace", "rock": "rock"}  # fmt: skip
OBSERVER = "observer"  # the project of the student who only loads pages


def student(i: int) -> str:
    return f"student-{i:02d}"


def build(data_dir: Path, students: int, per_class: int) -> None:
    """``students`` projects (and the observer's) of ``per_class`` samples of each of ``GESTURES``."""
    sys.path.insert(0, str(ROOT))
    from core.data.imports.extract import extract_to_store
    from core.data.store import Store

    if not SHARED.is_dir():
        raise SystemExit(f"the classroom benchmark needs HaGRID photos in {SHARED} (../shared/data)")
    store = Store(data_dir)
    template = student(0)
    store.create_project(template)
    for name, folder in GESTURES.items():
        photos = sorted((SHARED / folder).glob("*.jpg"))[: per_class * 2]
        extract_to_store(store, template, name, photos, create_class=True)
    samples = [s for s in store.list_samples(template)]
    kept: list = []
    for name in GESTURES:
        own = [s for s in samples if s.class_name == name][:per_class]
        if len(own) < per_class:
            raise SystemExit(f"MediaPipe found {len(own)} hands of {name!r}, fewer than {per_class}")
        kept += own
    store.delete_project(template)
    for project in [OBSERVER, *(student(i) for i in range(students + 1))]:  # student 0 trains alone first
        store.create_project(project)
        store.add_samples(project, [dataclasses.replace(s, id=None) for s in kept], create_classes=True)


def model_file(data_dir: Path, project: str) -> Path:
    from core.data.store import Store

    return Store(data_dir, read_only=True).project_dir(project, create=False) / "model" / "model.json"


def saved_at(path: Path) -> tuple[float, bool] | None:
    """(modification time, measured) of a model's ``model.json``; None while there is none."""
    try:
        stat, text = path.stat(), path.read_text()
        return stat.st_mtime, "crossval" in json.loads(text).get("metadata", {})
    except (OSError, ValueError):  # not there yet, or being replaced
        return None


def lost_or_corrupt(data_dir: Path, projects: list[str], per_class: int) -> list[str]:
    """The projects whose model does not load or whose samples are not all there, with why."""
    from core.data.project import model_dir
    from core.data.store import Store
    from core.gestures.classifier import GestureClassifier

    store, problems = Store(data_dir, read_only=True), []
    for project in projects:
        counts = store.class_counts(project)
        if any(counts.get(name, 0) != per_class for name in GESTURES):
            problems.append(f"{project}: samples {counts}")
        try:
            model = GestureClassifier.load(model_dir(store, project))
        except Exception as exc:  # noqa: BLE001 - any failure to load is what is counted
            problems.append(f"{project}: model {type(exc).__name__}: {exc}")
            continue
        if not set(GESTURES) <= set(model.classes):
            problems.append(f"{project}: model classes {model.classes}")
    return problems
