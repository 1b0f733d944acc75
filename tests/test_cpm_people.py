"""core.cpm.training.people on the real HaGRID metadata: the held-out people never train, by person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cpm.config import CPMTrainConfig
from core.cpm.training.inputs import is_held_out
from core.cpm.training.people import crops_overlap, held_out_photos, held_out_user, is_held_out_person
from tests.conftest import shared_path


def _rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "metadata.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_held_out_people_never_train() -> None:
    people = shared_path("hagrid_people")
    rows = _rows(people)
    held = held_out_photos(people.resolve())
    user_of = {(people / r["file"]).resolve(): r.get("user_id") for r in rows}
    held_users = {user_of[p] for p in held}
    assert None not in held_users and all(held_out_user(u) for u in held_users)
    # about 15 % of the folder, and every photo of a held-out person is held out
    assert 0.10 * len(rows) < len(held) < 0.20 * len(rows)
    trained = [p for p in user_of if p not in held]
    assert not {user_of[p] for p in trained} & held_users
    cfg = CPMTrainConfig()
    assert all(is_held_out(p, cfg) for p in held)
    assert not any(is_held_out(p, cfg) for p in trained)  # no file-name hash share on top: by person only
    # the slice is fixed: a user's side does not depend on the run
    assert held_out_user("abc") == held_out_user("abc") and 0 < len(held_users) < len(
        set(filter(None, user_of.values()))
    )


def test_no_held_out_person_is_in_the_crops() -> None:
    hands = shared_path("hagrid_crops").parent
    assert crops_overlap(hands) == {"shared_photos": 0, "shared_users": 0, "user_photos_not_test_or_val": 0}
    crops = shared_path("hagrid_crops", "images")
    some = sorted(crops.glob("*/*.jpg"))[:50]
    assert some and all(is_held_out_person(p) is False for p in some)  # all crops train
    assert is_held_out_person(shared_path("hagrid_380", "images")) is None  # not a HaGRID folder with metadata here
