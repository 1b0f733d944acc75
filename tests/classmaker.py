"""A class on a real store for the classes tests: a teacher, two students, a project of each student with
samples (crops included) and a model file in its folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.classes.access import Viewer
from core.classes.roster import add_student, create_class
from core.classes.signin import sign_in
from core.data.sql.schema import Sample
from core.data.store import Store
from tests.storemaker import make_hand

TEACHER_PASSWORD, ANA_PASSWORD, BEN_PASSWORD = "teach-7B-pass", "ana-pass-1", "ben-pass-2"


@dataclass(frozen=True)
class ClassSetup:
    data_dir: Path
    code: str
    teacher: Viewer
    ana: Viewer
    ben: Viewer

    def store(self, viewer: Viewer | None) -> Store:
        return Store(self.data_dir, viewer=viewer)


def fill_project(store: Store, name: str, samples: int, seed: int) -> None:
    """A project of ``store``'s viewer with ``samples`` samples of 'ok' (a random JPEG crop each) and a model file."""
    rng = np.random.default_rng(seed)
    store.create_project(name)
    crop = cv2.imencode(".jpg", rng.integers(0, 255, (48, 48, 3), dtype=np.uint8))[1].tobytes()
    store.add_samples(name, [Sample(make_hand(rng), "ok", "webcam", crop_jpeg=crop) for _ in range(samples)])
    (store.project_dir(name) / "model.safetensors").write_bytes(b"m" * 1000)


def make_class(data_dir: Path, class_name: str = "7B", crops_allowed: bool = True) -> ClassSetup:
    """A teacher, Ana and Ben signed in, a project each; crops allowed unless told (a class's default is not)."""
    store = Store(data_dir)
    school_class = create_class(store, class_name, "Ms Teacher", TEACHER_PASSWORD, crops_allowed=crops_allowed)
    add_student(store, class_name, "Ana", ANA_PASSWORD)
    add_student(store, class_name, "Ben", BEN_PASSWORD)
    people = [sign_in(store, school_class.code, n, p, "127.0.0.1")
              for n, p in (("Ms Teacher", TEACHER_PASSWORD), ("Ana", ANA_PASSWORD), ("Ben", BEN_PASSWORD))]  # fmt: skip
    setup = ClassSetup(data_dir, school_class.code, *people)
    fill_project(setup.store(setup.ana), "ana-signs", 20, seed=1)
    fill_project(setup.store(setup.ben), "ben-signs", 5, seed=2)
    return setup
