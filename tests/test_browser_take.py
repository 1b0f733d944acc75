"""core/data/browser_take.py: a browser take is checked field by field, stored whole or not at all, once.

Forged values as a tab could send them: wrong shapes, NaN, a million points, an oversized or non-JPEG
crop, another project's name, a replayed take id. A real store (SQLite) in a temporary folder.
"""

from __future__ import annotations

import base64
import copy

import numpy as np
import pytest
from handmaker import make_hand

from core.data.browser_take import MAX_CROP_BYTES, TakeError, TakeLedger, TakeTicket, store_take
from core.data.extract import LOW_CONFIDENCE, NO_HAND, TOO_MANY_HANDS
from core.data.store import Store
from core.io.crops import encode_jpeg

SIZE = (640, 480)


def _crop(side: int = 192) -> str:
    rng = np.random.default_rng(0)
    return base64.b64encode(encode_jpeg(rng.integers(0, 255, (side, side, 3), np.uint8))).decode()


def _hand(score: float = 0.97) -> dict:
    hand = make_hand()
    normalised = np.concatenate([hand.pixel / np.array(SIZE, np.float32), np.zeros((21, 1), np.float32)], 1)
    return {"normalised": normalised.tolist(), "world": (np.ones((21, 3)) * 0.01).tolist(),
            "handedness": "Right", "score": score, "crop": _crop()}  # fmt: skip


def _take(ticket: TakeTicket, frames: list[list[dict]]) -> dict:
    return {"kind": "take", "take_id": ticket.take_id, "project": ticket.project, "class_name": ticket.class_name,
            "frame_size": list(SIZE), "frames": [{"t": i * 0.2, "hands": h} for i, h in enumerate(frames)]}  # fmt: skip


@pytest.fixture
def setup(tmp_path):  # noqa: ANN001, ANN201
    store = Store(tmp_path / "data")
    project = store.ensure_project()
    ledger = TakeLedger()
    ticket = ledger.issue(TakeTicket("take-0001", project, "thumbs_up", rate=5.0, duration=3.0))
    return store, project, ledger, ticket


def test_a_take_stores_its_usable_hands_and_counts_the_rest(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    frames = [[_hand()], [_hand()], [], [_hand(), _hand()], [_hand(0.2)], [_hand()]]
    report = store_take(store, _take(ticket, frames), ledger)
    assert report.stored == 3 and report.attempts == 6
    assert report.rejected == {NO_HAND: 1, TOO_MANY_HANDS: 1, LOW_CONFIDENCE: 1}
    stored = store.list_samples(project, "thumbs_up", with_crops=True)
    assert len(stored) == 3 and all(s.source_kind == "webcam" and s.crop_jpeg for s in stored)
    sample = stored[0].hand
    assert sample.image_size == SIZE and sample.handedness == "Right"
    assert np.allclose(sample.pixel, make_hand().pixel, atol=1e-3)  # normalised × frame size, the store's pixels


def test_a_replayed_take_is_refused(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    value = _take(ticket, [[_hand()]])
    store_take(store, value, ledger)
    with pytest.raises(TakeError, match="take_id: .* already received"):
        store_take(store, copy.deepcopy(value), ledger)
    with pytest.raises(TakeError, match="take_id: .* never started"):
        store_take(store, {**value, "take_id": "made-up-id"}, ledger)
    assert len(store.list_samples(project)) == 1


def _forged(ticket: TakeTicket) -> list[tuple[str, dict]]:
    good = _take(ticket, [[_hand()], [_hand()]])

    def hand_with(**fields: object) -> dict:
        value = copy.deepcopy(good)
        value["frames"][1]["hands"][0].update(fields)
        return value

    nan = _hand()["normalised"]
    nan[4][1] = float("nan")
    return [
        ("project", {**good, "project": "someone-else"}),
        ("class_name", {**good, "class_name": "fist"}),
        ("frame_size", {**good, "frame_size": [640, 480, 3]}),
        ("frames", {**good, "frames": [{"hands": []}] * 1_000}),
        (r"frames\[1\].hands\[0\].normalised", hand_with(normalised=[[0.5, 0.5, 0.0]] * 1_000_000)),
        (r"frames\[1\].hands\[0\].normalised\[4\]", hand_with(normalised=nan)),
        (r"frames\[1\].hands\[0\].world", hand_with(world=[[0.0, 0.0]] * 21)),
        (r"frames\[1\].hands\[0\].handedness", hand_with(handedness="Middle")),
        (r"frames\[1\].hands\[0\].score", hand_with(score=float("inf"))),
        (r"frames\[1\].hands\[0\].crop: .*over the crop limit", hand_with(crop="A" * (MAX_CROP_BYTES * 2))),
        (r"frames\[1\].hands\[0\].crop: not a JPEG", hand_with(crop=base64.b64encode(b"\x89PNG" + b"0" * 99).decode())),
        (r"frames\[1\].hands\[0\].crop: expected a 192×192", hand_with(crop=_crop(4000 // 20))),
        (r"frames\[1\].hands\[0\].crop: not base64", hand_with(crop="***")),
        (r"frames\[1\].hands\[0\]: expected the fields", hand_with(extra=1)),
    ]


def test_forged_takes_are_refused_by_field_and_store_nothing(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    for n, (field, value) in enumerate(_forged(ticket)):
        take_id = f"forged-{n:04d}"
        ledger.issue(TakeTicket(take_id, ticket.project, ticket.class_name, ticket.rate, ticket.duration))
        with pytest.raises(TakeError, match=field):
            store_take(store, {**value, "take_id": take_id}, ledger)
    assert store.list_samples(project) == []
