"""core/data/imports/browser_take.py: a browser take is checked field by field, stored whole or not at all, once, and only
in its ticket's time (core/data/imports/take_tickets.py).

Forged values as a tab could send them: wrong shapes, NaN, a million points, an oversized or non-JPEG
crop, another project's name, a replayed take id, a take sent at once instead of after its countdown and length
(issue 54: a script stored 105 takes in 30 s), frames timed outside the capture. A real store (SQLite) in a
temporary folder; the server's clock is given as ``now`` (monotonic seconds).
"""

from __future__ import annotations

import base64
import copy

import numpy as np
import pytest
from handmaker import make_hand

from core.data.imports.browser_take import MAX_CROP_BYTES, TakeError, TakeLedger, TakeTicket, store_take
from core.data.imports.extract import LOW_CONFIDENCE, NO_HAND, TOO_MANY_HANDS
from core.data.imports.take_tickets import GRACE_S
from core.data.store import Store
from core.io.crops import encode_jpeg

SIZE = (640, 480)


def _crop(side: int = 192) -> str:
    rng = np.random.default_rng(0)
    return base64.b64encode(encode_jpeg(rng.integers(0, 255, (side, side, 3), np.uint8))).decode()


def tab_hand(score: float = 0.97) -> dict:
    hand = make_hand()
    normalised = np.concatenate([hand.pixel / np.array(SIZE, np.float32), np.zeros((21, 1), np.float32)], 1)
    return {"normalised": normalised.tolist(), "world": (np.ones((21, 3)) * 0.01).tolist(),
            "handedness": "Right", "score": score, "crop": _crop()}  # fmt: skip


def tab_take(ticket: TakeTicket, frames: list[list[dict]]) -> dict:
    return {"kind": "take", "take_id": ticket.take_id, "project": ticket.project, "class_name": ticket.class_name,
            "frame_size": list(SIZE),
            "frames": [{"t": ticket.countdown + i * 0.2, "hands": h} for i, h in enumerate(frames)]}  # fmt: skip


ISSUED = 1000.0  # the server's monotonic clock when the fixture's ticket was issued


def on_time(ticket: TakeTicket, issued: float = ISSUED) -> float:
    """When a real tab's take arrives: after its countdown and length, the tab having started a little late."""
    return issued + ticket.length + 0.4


@pytest.fixture
def setup(tmp_path):  # noqa: ANN001, ANN201
    store = Store(tmp_path / "data")
    project = store.ensure_project()
    ledger = TakeLedger()
    ticket = ledger.issue(TakeTicket("take-0001", project, "thumbs_up", rate=5.0, duration=3.0), ISSUED)
    return store, project, ledger, ticket


def test_a_take_stores_its_usable_hands_and_counts_the_rest(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    frames = [[tab_hand()], [tab_hand()], [], [tab_hand(), tab_hand()], [tab_hand(0.2)], [tab_hand()]]
    report = store_take(store, tab_take(ticket, frames), ledger, now=on_time(ticket))
    assert report.stored == 3 and report.attempts == 6
    assert report.rejected == {NO_HAND: 1, TOO_MANY_HANDS: 1, LOW_CONFIDENCE: 1}
    stored = store.list_samples(project, "thumbs_up", with_crops=True)
    assert len(stored) == 3 and all(s.source_kind == "webcam" and s.crop_jpeg for s in stored)
    sample = stored[0].hand
    assert sample.image_size == SIZE and sample.handedness == "Right"
    assert np.allclose(sample.pixel, make_hand().pixel, atol=1e-3)  # normalised × frame size, the store's pixels


def test_a_replayed_take_is_refused(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    value = tab_take(ticket, [[tab_hand()]])
    store_take(store, value, ledger, now=on_time(ticket))
    with pytest.raises(TakeError, match="take_id: .* already received"):
        store_take(store, copy.deepcopy(value), ledger, now=on_time(ticket) + 1)
    with pytest.raises(TakeError, match="take_id: .* never started"):
        store_take(store, {**value, "take_id": "made-up-id"}, ledger, now=on_time(ticket) + 1)
    assert len(store.list_samples(project)) == 1


def _forged(ticket: TakeTicket) -> list[tuple[str, dict]]:
    good = tab_take(ticket, [[tab_hand()], [tab_hand()]])

    def hand_with(**fields: object) -> dict:
        value = copy.deepcopy(good)
        value["frames"][1]["hands"][0].update(fields)
        return value

    nan = tab_hand()["normalised"]
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
        ledger.issue(TakeTicket(take_id, ticket.project, ticket.class_name, ticket.rate, ticket.duration), ISSUED)
        with pytest.raises(TakeError, match=field):
            store_take(store, {**value, "take_id": take_id}, ledger, now=on_time(ticket))
    assert store.list_samples(project) == []


def test_a_take_sent_before_its_countdown_and_length_passed_is_refused_and_uses_its_ticket(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    value = tab_take(ticket, [[tab_hand()]])
    with pytest.raises(TakeError, match=r"arrived 0.5 s after it was started, before its 3 s countdown and 3 s"):
        store_take(store, value, ledger, now=ISSUED + 0.5)
    with pytest.raises(TakeError, match="already received"):  # one take a ticket: waiting and sending again fails
        store_take(store, value, ledger, now=on_time(ticket))
    assert store.list_samples(project) == []


def test_a_take_after_its_grace_is_refused(setup) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    with pytest.raises(TakeError, match="too late for a 6 s take"):
        store_take(store, tab_take(ticket, [[tab_hand()]]), ledger, now=ISSUED + ticket.length + GRACE_S + 1)
    assert store.list_samples(project) == []


def test_a_newer_ticket_closes_the_one_before(setup) -> None:  # noqa: ANN001
    store, project, ledger, first = setup
    second = ledger.issue(TakeTicket("take-0002", project, "thumbs_up", rate=5.0, duration=3.0), ISSUED + 1)
    with pytest.raises(TakeError, match="replaced by a newer take"):
        store_take(store, tab_take(first, [[tab_hand()]]), ledger, now=on_time(first) + 1)
    assert store_take(store, tab_take(second, [[tab_hand()]]), ledger, now=on_time(second, ISSUED + 1)).stored == 1


@pytest.mark.parametrize(
    ("times", "match"),
    [([0.0, 0.2], r"frames\[0\].t: expected seconds from 3 \(after the countdown\)"),  # captured in the countdown
     ([3.0, 6.5], r"frames\[1\].t: .* to 6 \(the take's end\), got 6.5"),
     ([3.0, None], r"frames\[1\].t: .*got None"),
     ([3.0, float("nan")], r"frames\[1\].t"),
     ([4.0, 3.2], "must not go back")],
)  # fmt: skip
def test_frames_timed_outside_the_capture_are_refused(setup, times: list, match: str) -> None:  # noqa: ANN001
    store, project, ledger, ticket = setup
    value = tab_take(ticket, [[tab_hand()], [tab_hand()]])
    for frame, t in zip(value["frames"], times, strict=True):
        frame["t"] = t
    with pytest.raises(TakeError, match=match):
        store_take(store, value, ledger, now=on_time(ticket))
    assert store.list_samples(project) == []


def test_a_script_answering_each_ticket_at_once_stores_nothing(tmp_path) -> None:  # noqa: ANN001
    """Issue 54's script: 105 takes in 30 s, each sent as soon as its ticket was issued; then the most an honest
    tab can do in those 30 s, one 1 s take after another: six."""
    store = Store(tmp_path / "data")
    project, ledger = store.ensure_project(), TakeLedger()
    take = tab_take(TakeTicket("script-0000", project, "fist", rate=15.0, duration=1.0), [[tab_hand()]] * 16)
    for i in range(105):
        ticket = ledger.issue(TakeTicket(f"script-{i:04d}", project, "fist", rate=15.0, duration=1.0), i * 30 / 105)
        with pytest.raises(TakeError, match="before its 3 s countdown and 1 s"):
            store_take(store, {**take, "take_id": ticket.take_id}, ledger, now=i * 30 / 105 + 0.05)
    assert store.list_samples(project) == []
    clock, takes = 0.0, 0
    while clock + 4.0 <= 30.0:
        ticket = ledger.issue(TakeTicket(f"honest-{takes:04d}", project, "fist", rate=15.0, duration=1.0), clock)
        clock += 4.0 + 0.4  # the tab starts counting once it has the ticket
        takes += store_take(store, tab_take(ticket, [[tab_hand()]] * 2), ledger, now=clock).stored > 0
    assert takes == 6 and len(store.list_samples(project)) == 12


def test_a_ticket_a_page_never_offers_is_refused() -> None:
    with pytest.raises(TakeError, match="is not offered"):
        TakeTicket("take-0009", "default", "fist", rate=1000.0, duration=3.0)
    with pytest.raises(TakeError, match="is not offered"):
        TakeTicket("take-0009", "default", "fist", rate=5.0, duration=-1.0)


def test_the_ticket_gives_the_tab_the_gesture_s_shown_name_for_its_badge(setup) -> None:  # noqa: ANN001
    """The tab's "REC thumbs_up" badge beside the page's "👍 thumbs up": the ticket says the name as the pages show it
    (``core.gestures.catalog.shown_name``); the take itself still names the stored one."""
    _, project, _, ticket = setup
    assert ticket.as_args()["shown"] == "thumbs up" and ticket.as_args()["class_name"] == "thumbs_up"
    assert TakeTicket("take-0009", project, "my_wave", rate=5.0, duration=3.0).as_args()["shown"] == "my_wave"
