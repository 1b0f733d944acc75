"""What a teacher sees of their class: each student, their projects, how many samples each holds and when they
last did anything (the Class page, ``ui.classroom``). One read of the store; names as typed."""

from __future__ import annotations

from dataclasses import dataclass

from core.classes.roster import Account, students_of
from core.data.sql.database import Database


@dataclass(frozen=True)
class ProjectLine:
    """One project of a student."""

    name: str
    samples: int  # sample rows (keypoints), with or without a picture
    crops: int  # of them, those still holding a picture of the hand
    last_sample_at: float | None  # Unix seconds of the newest sample, None when empty


@dataclass(frozen=True)
class StudentLine:
    """One student of the class and their projects (by name)."""

    account: Account
    projects: tuple[ProjectLine, ...]

    @property
    def last_activity(self) -> float | None:
        """Unix seconds of their last sign-in or newest sample, whichever is later; None if neither happened."""
        times = [t for t in (self.account.last_seen, *(p.last_sample_at for p in self.projects)) if t is not None]
        return max(times, default=None)


def class_overview(store: Database, class_id: int) -> list[StudentLine]:
    """The class's students by name, each with their projects by name and those projects' sample counts."""
    with store.read_connection() as conn:
        students = students_of(conn, class_id)
        rows = conn.execute(
            "SELECT p.owner, p.name, COUNT(s.id), COUNT(s.crop_jpeg), MAX(s.created_at) FROM projects p "
            "JOIN accounts a ON a.id = p.owner LEFT JOIN classes k ON k.project_id = p.id "
            "LEFT JOIN samples s ON s.class_id = k.id WHERE a.school_class_id = ? GROUP BY p.id ORDER BY p.name",
            (int(class_id),),
        ).fetchall()
    projects: dict[int, list[ProjectLine]] = {}
    for owner, name, samples, crops, last in rows:
        projects.setdefault(owner, []).append(ProjectLine(name, int(samples), int(crops), last))
    return [StudentLine(s, tuple(projects.get(s.id, ()))) for s in students]
