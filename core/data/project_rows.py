"""What the modules beside the project store need of it, as a ``Protocol``: they are given a store and never
import ``core.data.projects`` (which imports them), so the data layer has no import circle.

``core.data.projects.ProjectStore`` is the one implementation; the folders (``core.data.saved_models.project_folders``) and
the class rules (``core.classes.access``) take any object with these members.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol


class ProjectRows(Protocol):
    """A store's connections and its one door to a project's row."""

    data_dir: Path  # holds the database and the ``projects/`` folders

    @property
    def shared(self) -> bool:
        """Whether several servers share the store (its models are rows then: ``core.data.saved_models.model_files``)."""
        ...

    def read_connection(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def write_transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def project_id(self, conn: sqlite3.Connection, project: str) -> int:
        """The row id of ``project``; ``NotFoundError`` when there is none (or the viewer may not read it)."""
        ...
