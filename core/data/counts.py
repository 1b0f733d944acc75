"""How much a project holds, counted one way for the sidebar, Home, Record, Train and ``python -m core``.

Each place used to count on its own and they disagreed (issue 45): the sidebar said "0 samples in 0 classes"
(classes with a sample) while Home listed 8 gestures and ``projects list`` said "8 classes" (every class).
Now every place says both, in the same words: "74 samples in 6 of 9 gestures" — 6 gestures have at least one
sample, 9 are listed in the project (recorded or not). Which gestures a model will know is Train's plan
(``core.data.class_plan``), worded there.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.data.store import Store


@dataclass(frozen=True)
class ProjectCounts:
    """One project's samples (clips in a motion project) per class."""

    per_class: dict[str, int]  # every class of the project, zeros too, in display order
    unit: str  # what a row is: "sample", or "clip" in a motion project
    noun: str  # what a class is called: "gesture", or "pose" in a body project

    @property
    def total(self) -> int:
        return sum(self.per_class.values())

    @property
    def listed(self) -> int:
        """Classes of the project, with samples or not."""
        return len(self.per_class)

    @property
    def recorded(self) -> int:
        """Classes with at least one sample."""
        return sum(1 for n in self.per_class.values() if n)

    def summary(self) -> str:
        """ "74 samples in 6 of 9 gestures", "1 clip in 1 of 4 gestures", "no poses yet"."""
        if not self.listed:
            return f"no {self.noun}s yet"
        return f"{plural(self.total, self.unit)} in {self.recorded} of {plural(self.listed, self.noun)}"


def plural(n: int, noun: str) -> str:
    """ "1 sample", "2 samples", "3 classes" (no thousands separator: scripts read the CLI's numbers)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"


def project_counts(store: Store, project: str) -> ProjectCounts:
    """The counts of ``project`` (``NotFoundError`` naming it when there is none)."""
    motion = store.project_is_motion(project)
    body = store.project_skeleton(project).name == "body"
    per_class = store.rows_per_class("clips" if motion else "samples", project)
    return ProjectCounts(per_class, unit="clip" if motion else "sample", noun="pose" if body else "gesture")
