"""Held-out people of HaGRID's folders: which photos the CPM never trains on, decided by person.

HaGRID's photos show thousands of people, so holding out photos by file would still
train on the held-out people's other photos. ``hagrid_people`` gives a ``user_id`` for
its 464 photos from HaGRID's test and val splits (352 people); a fixed share of those
``user_id``s (by a hash, so the slice never moves between runs) is held out with all
their photos. Its photos without a ``user_id`` train. ``hagrid_crops`` comes from
HaGRID's *train* split, whose people HaGRID keeps apart from test and val, and its
README says no crop is from a photo in ``hagrid_people``: ``crops_overlap`` checks both
on the metadata, so no held-out person is in the crops. ``hagrid_380`` is held out
whole by the run's ``--holdout``.

The metadata readers are ``core.starter.hagrid``'s (the starter holds out by person too).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from core.starter.hagrid import FOLDERS, hagrid_photos

PEOPLE_FOLDER, CROPS_FOLDER = FOLDERS
# share of hagrid_people's user_ids held out: half of the 352 people, about 15 % of its 1,600 photos
HELD_OUT_SHARE = 0.5


def held_out_user(user_id: str, share: float = HELD_OUT_SHARE) -> bool:
    """Is this HaGRID ``user_id`` in the held-out slice? (a hash: the same answer in every run)"""
    digest = hashlib.sha1(f"hagrid-user/{user_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little") / 2**32 < share


def hagrid_folder(path: Path) -> Path | None:
    """The ``hagrid_people`` or ``hagrid_crops`` folder (with its metadata.jsonl) that holds ``path``, or None."""
    for parent in Path(path).resolve().parents:
        if parent.name in FOLDERS and (parent / "metadata.jsonl").is_file():
            return parent
    return None


@cache
def held_out_photos(folder: Path, share: float = HELD_OUT_SHARE) -> frozenset[Path]:
    """Resolved paths of ``folder``'s photos whose person is held out (none for ``hagrid_crops``)."""
    if folder.name != PEOPLE_FOLDER:
        return frozenset()
    photos = hagrid_photos(folder.parent, PEOPLE_FOLDER)
    return frozenset(
        p.path.resolve() for p in photos if p.person.startswith("user:") and held_out_user(p.person[5:], share)
    )


def is_held_out_person(path: Path, share: float = HELD_OUT_SHARE) -> bool | None:
    """True/False for a photo of a HaGRID folder (by its person); None for any other file."""
    folder = hagrid_folder(path)
    if folder is None:
        return None
    return Path(path).resolve() in held_out_photos(folder, share)


def crops_overlap(hands_dir: Path) -> dict[str, int]:
    """What could tie ``hagrid_crops`` to ``hagrid_people``'s user-id photos: crops of the same HaGRID photo,
    crops with one of their user ids, and user-id photos outside HaGRID's test/val splits (the crops are of its
    train split, per their SOURCE.md). All 0: no person of the held-out slice is known to be in the crops."""
    people = _rows(hands_dir / PEOPLE_FOLDER / "metadata.jsonl")
    crops = _rows(hands_dir / CROPS_FOLDER / "metadata.jsonl")
    with_user = [r for r in people if r.get("user_id")]
    ids = {r["hagrid_id"] for r in with_user}
    users = {r["user_id"] for r in with_user}
    return {
        "shared_photos": sum(r.get("hagrid_id") in ids for r in crops),
        "shared_users": sum(r.get("user_id") in users for r in crops if r.get("user_id")),
        "user_photos_not_test_or_val": sum(r.get("hagrid_split") not in ("test", "val") for r in with_user),
    }


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
