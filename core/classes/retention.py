"""A child's pictures kept only when needed: a class's projects keep keypoints only unless its teacher allows
crops (``SchoolClass.crops_allowed``), and crops older than the class's retention are deleted.

``keeps_crops`` is asked by the store's one write path of samples (``Store.insert_samples``), so a take, an
upload, a CSV or a project file all obey it; a project with no owner (no class) keeps its crops as always.
``expire_crops`` drops the picture of each sample stored longer ago than its class's ``retention_days`` and keeps
the sample's keypoints; the sign-in page runs it on each sign-in. Age counts from ``stored_at``, when this server
stored the sample (``core.data.sql.schema.STORED_NOW``), never from the sample's own ``created_at``: a project file
whose samples said the year 3000 kept its pictures past every retention (issue 63). ``what_is_stored`` says so to a student (Home).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

from core.classes.roster import SchoolClass, check_retention, class_row
from core.data.sql.database import Database

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
    """Drop the crops of samples stored longer ago than their class's retention (keypoints stay); returns how many
    went. ``created_at`` only where ``stored_at`` is missing (a row no migration or insert filled)."""
    now = time.time() if now is None else now
    with store.write_transaction(erase=True) as conn:  # a dropped picture's bytes are zeroed, not left in free pages
        # from the classes' projects down (owner, then samples by class; CROSS JOIN keeps SQLite to that order):
        # the server's own samples, perhaps a million from CSV imports, are not scanned under the write lock
        return conn.execute(
            "UPDATE samples SET crop_jpeg = NULL WHERE id IN ("
            " SELECT s.id FROM school_classes c CROSS JOIN accounts a CROSS JOIN projects p CROSS JOIN classes k"
            " CROSS JOIN samples s WHERE a.school_class_id = c.id AND p.owner = a.id AND k.project_id = p.id"
            " AND s.class_id = k.id AND s.crop_jpeg IS NOT NULL"
            " AND COALESCE(s.stored_at, s.created_at) < ? - c.retention_days * ?)",
            (now, DAY_S),
        ).rowcount


def change_rules(store: Database, class_name: str, retention_days: int | None = None,
                 crops_allowed: bool | None = None) -> tuple[SchoolClass, int]:  # fmt: skip
    """The class with its new rules, and how many pictures went: turning crops off deletes every picture of the
    class's projects (only keypoints are kept from then on); a shorter retention deletes those now too old."""
    days = None if retention_days is None else check_retention(retention_days)
    with store.write_transaction(erase=True) as conn:  # pictures turned off: their bytes zeroed, as expire_crops
        school_class = class_row(conn, class_name)
        changed = replace(school_class, retention_days=school_class.retention_days if days is None else days,
                          crops_allowed=school_class.crops_allowed if crops_allowed is None else crops_allowed)  # fmt: skip
        conn.execute("UPDATE school_classes SET retention_days = ?, crops_allowed = ? WHERE id = ?",
                     (changed.retention_days, int(changed.crops_allowed), changed.id))  # fmt: skip
        gone = 0
        if not changed.crops_allowed:
            gone = conn.execute(
                "UPDATE samples SET crop_jpeg = NULL WHERE crop_jpeg IS NOT NULL AND class_id IN ("
                " SELECT k.id FROM accounts a CROSS JOIN projects p CROSS JOIN classes k"
                " WHERE a.school_class_id = ? AND p.owner = a.id AND k.project_id = p.id)",
                (changed.id,),
            ).rowcount
    if changed.crops_allowed and changed.retention_days < school_class.retention_days:
        gone = expire_crops(store)
    return changed, gone


def what_is_stored(school_class: SchoolClass) -> str:
    """One line for a student: what this server keeps about them and for how long (their class's rules)."""
    pictures = (f"small pictures of your hand, each deleted {school_class.retention_days} days after it was taken"
                if school_class.crops_allowed else "no pictures of your hands")  # fmt: skip
    return ("What is stored about you: your name, your projects and the positions of the points of your hands, "
            f"kept until your teacher deletes them or ends the class; {pictures}.")  # fmt: skip
