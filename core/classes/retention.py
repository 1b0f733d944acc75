"""A child's pictures kept only when needed: a class's projects keep keypoints only unless its teacher allows
crops (``SchoolClass.crops_allowed``), and crops older than the class's retention are deleted.

``keeps_crops`` is asked by the store's one write path of samples (``Store.insert_samples``), so a take, an
upload, a CSV or a project file all obey it; a project with no owner (no class) keeps its crops as always.
``expire_crops`` drops the picture of each sample older than its class's ``retention_days`` and keeps the
sample's keypoints; the sign-in page runs it on each sign-in.
"""

from __future__ import annotations

import sqlite3
import time

from core.data.database import Database

DAY_S = 86_400.0


def keeps_crops(conn: sqlite3.Connection, pid: int) -> bool:
    """Whether project ``pid``'s new samples keep their crop: its class allows them, or it belongs to no class."""
    row = conn.execute(
        "SELECT c.crops_allowed FROM projects p JOIN accounts a ON a.id = p.owner "
        "JOIN school_classes c ON c.id = a.school_class_id WHERE p.id = ?",
        (pid,),
    ).fetchone()
    return row is None or bool(row[0])


def expire_crops(store: Database, now: float | None = None) -> int:
    """Drop the crops of samples older than their class's retention (keypoints stay); returns how many went."""
    now = time.time() if now is None else now
    with store.write_transaction() as conn:
        return conn.execute(
            "UPDATE samples SET crop_jpeg = NULL WHERE crop_jpeg IS NOT NULL AND id IN ("
            " SELECT s.id FROM samples s JOIN classes k ON k.id = s.class_id JOIN projects p ON p.id = k.project_id"
            " JOIN accounts a ON a.id = p.owner JOIN school_classes c ON c.id = a.school_class_id"
            " WHERE s.created_at < ? - c.retention_days * ?)",
            (now, DAY_S),
        ).rowcount
