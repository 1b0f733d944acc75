"""The open-set bench (``bench/people/openset.py``): its blocks and lessons on fake takes (quick), its rules on an
untrained model with hand-made examples (quick), and its whole core on two ``webcam_people`` people (slow)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import shared_path
from handmaker import make_hand, pointing_hand

from bench.common.fewshot_people import Take
from bench.common.fewshot_teach import Lesson
from bench.people.openset import (
    RULES,
    block_split,
    gestures_of,
    leave_out,
    live_average,
    report,
    run,
    score,
    split_of,
    summarise,
    teach_rows,
)
from core.gestures.classifier import GestureClassifier
from core.gestures.familiarity import Familiarity
from core.gestures.features import FeatureConfig, hand_features

CONFIG = FeatureConfig(use_depth=True)


def _folder(root: Path, person: str, gesture: str, n: int) -> list[Path]:
    """``n`` photo files named ``frame_<i>.jpg``, numbers unpadded (recording order is not name order)."""
    folder = root / "webcam_people" / person / gesture
    folder.mkdir(parents=True)
    photos = [folder / f"frame_{i}.jpg" for i in range(n)]
    for photo in photos:
        photo.write_bytes(b"")
    return photos


def _take(root: Path, person: str, gesture: str, angle: float, missing: set[int], n: int = 80) -> Take:
    """A fake webcam take: a hand in every photo but ``missing``, each frame's hand turned a further degree."""
    photos = _folder(root, person, gesture, n)
    kept = [i for i in range(n) if i not in missing]
    hands = [make_hand(pointing_hand(angle + i)) for i in kept]
    return Take(f"webcam/{person}", gesture, hands, "webcam_people", tuple(photos[i] for i in kept))


def _rows(take: Take, indices: range | list[int]) -> np.ndarray:
    return np.stack([hand_features(take.hands[i], CONFIG) for i in indices])


def test_blocks_are_the_first_and_last_40_photos_by_name_not_by_hand_count(tmp_path: Path) -> None:
    photos = _folder(tmp_path, "p01_a", "fist", 80)
    no_hand = {0, 7, 39, 40, 41, 79}  # 3 of the first block, 3 of the later one
    frames = [p for i, p in enumerate(photos) if i not in no_hand]
    assert block_split(frames, photos) == (37, 37)  # 74 hands: 37 in each block
    # a folder of 60 photos: the later block is what follows the first 40, not the last 40 (no overlap)
    assert block_split(photos[:60], photos[:60]) == (40, 40)
    # a folder of 100: the 20 photos between the blocks are neither taught nor tested
    hundred = _folder(tmp_path, "p01_a", "ok", 100)
    assert block_split(hundred, hundred) == (40, 60)
    with pytest.raises(ValueError, match="recording order"):
        block_split(frames[::-1], photos)


def test_a_webcam_take_splits_by_its_photo_names_others_at_test_start_or_in_halves(tmp_path: Path) -> None:
    take = _take(tmp_path, "p01_a", "fist", 0, missing={2, 10, 50})
    first_end, later_start = split_of(take)
    assert (first_end, later_start) == (38, 38)  # 77 hands: 38 in the first block, 39 in the later
    # the later block is exactly the hands of photos 40..79 (50 without one)
    later = [take.frames[i].name for i in range(later_start, len(take.hands))]
    assert later == [f"frame_{i}.jpg" for i in range(40, 80) if i != 50]
    logged = Take("kinivi/x", "fist", take.hands[:30], "kinivi_people", test_start=20)
    assert split_of(logged) == (20, 20)
    video = Take("asl_video", "fist", take.hands[:31], "asl_video")
    assert split_of(video) == (15, 15)


def test_teach_rows_take_the_first_k_or_spread_them_as_record_does() -> None:
    first = np.arange(38)[:, None]
    assert teach_rows(first, 10)[:, 0].tolist() == list(range(10))
    assert teach_rows(first, 10, every=4)[:, 0].tolist() == list(range(0, 30, 3))  # 4 would not fit 10 in 38
    assert teach_rows(first, 5, every=4)[:, 0].tolist() == [0, 4, 8, 12, 16]
    assert teach_rows(first, 40, every=4)[:, 0].tolist() == list(range(38))  # fewer than k: all of them


def test_a_left_out_gesture_is_not_taught_and_every_later_block_is_tested(tmp_path: Path) -> None:
    takes = [_take(tmp_path, "p01_a", name, 40.0 * n, missing={3} if n == 0 else set())
             for n, name in enumerate(["fist", "ok", "open_palm"])]  # fmt: skip
    gestures = gestures_of(takes, CONFIG)
    assert [(g.label, len(g.first), len(g.later)) for g in gestures] == [
        ("fist", 39, 40), ("ok", 40, 40), ("open_palm", 40, 40)]  # fmt: skip
    lesson = leave_out(gestures, "ok", 5, 1, CONFIG, "webcam_people")
    assert lesson.teach_y == ["fist"] * 5 + ["open_palm"] * 5
    assert lesson.classes == ["fist", "open_palm"]
    np.testing.assert_array_equal(
        lesson.teach_x, np.concatenate([_rows(takes[0], range(5)), _rows(takes[2], range(5))])
    )
    assert lesson.test_y == ["fist"] * 40 + ["ok"] * 40 + ["open_palm"] * 40
    np.testing.assert_array_equal(lesson.test_x, np.concatenate([_rows(t, range(len(t.hands) - 40, len(t.hands)))
                                                                 for t in takes]))  # fmt: skip
    spread = leave_out(gestures, "fist", 10, 4, CONFIG, "webcam_people")
    np.testing.assert_array_equal(spread.teach_x[:10], _rows(takes[1], range(0, 40, 4)))


def test_live_average_restarts_with_each_gesture() -> None:
    values = np.arange(8, dtype=np.float32)[:, None]
    out = live_average(values, ["a"] * 6 + ["b"] * 2)[:, 0]
    assert out.tolist() == [0, 0.5, 1, 1.5, 2, 3, 6, 6.5]  # b's first frame averages b's frames only


def _lesson_and_model() -> tuple[Lesson, GestureClassifier]:
    """Two taught classes with examples of their own, a third gesture (near "a") untaught; a network sure of nothing."""
    rng = np.random.default_rng(0)
    hands = {name: np.stack([hand_features(make_hand(pointing_hand(angle + a)), CONFIG) for a in rng.normal(0, 8, 12)])
             for name, angle in (("a", 0), ("b", 90), ("c", 12))}  # fmt: skip
    model = GestureClassifier(["a", "b"], CONFIG)
    with torch.no_grad():  # a network sure of nothing: 0.5 each, "a" the top class of every hand
        model.network[-1].weight.zero_()
        model.network[-1].bias.zero_()
    reference = np.concatenate([hands["a"][:4], hands["b"][:4]]).astype(np.float32)
    model.familiarity = Familiarity(reference, np.repeat(np.arange(2), 4), 0.1, 2)
    test = np.concatenate([hands[n][4:] for n in "abc"])
    lesson = Lesson(reference, ["a"] * 4 + ["b"] * 4, test, ["a"] * 8 + ["b"] * 8 + ["c"] * 8, "webcam_people",
                    np.zeros((0, CONFIG.size), np.float32), CONFIG)  # fmt: skip
    return lesson, model


def test_every_rule_is_scored_on_one_model_and_a_wider_tolerance_only_accepts_more() -> None:
    lesson, model = _lesson_and_model()
    model.tolerance = 1.25
    scored = score(model, lesson, "c")
    assert model.tolerance == 1.25  # put back
    assert list(scored) == list(RULES)
    for tally in scored.values():
        assert [len(r) for r in tally.right] == [16] and [len(a) for a in tally.accepted] == [8]
        assert [len(s) for s in tally.taught_score] == [16] and [len(s) for s in tally.untaught_score] == [8]
    # the labels are the top class or unknown, the top class the same: a wider tolerance answers more, never less
    narrow, middle, wide = (scored[n] for n in ("tolerance-0.8", "defaults", "tolerance-1.5"))
    for smaller, larger in ((narrow, middle), (middle, wide)):
        assert (smaller.right[0] <= larger.right[0]).all() and (smaller.accepted[0] <= larger.accepted[0]).all()
    assert wide.right[0].sum() > narrow.right[0].sum() and wide.accepted[0].sum() > narrow.accepted[0].sum()
    # without starter hands the reject score is 1 - the distance in radii: the same order at every tolerance
    np.testing.assert_allclose((1 - narrow.taught_score[0]) * 0.8, (1 - wide.taught_score[0]) * 1.5, rtol=1e-5)
    old = scored["softmax-0.6"]  # 0.5 is under 0.6: the rule before answers unknown throughout
    assert not old.accepted[0].any() and not old.right[0].any()


def test_summaries_pool_every_frame_and_name_the_worst_person() -> None:
    lesson, model = _lesson_and_model()
    one = score(model, lesson, "c")["defaults"]
    two = score(model, lesson, "a")["defaults"]
    both = summarise({"p1": one, "p2": two})
    assert set(both) >= {"taught", "untaught", "auroc", "taught_worst", "taught_worst_person", "per_person"}
    per = both["per_person"]
    assert both["taught_worst"] == min(v["taught"] for v in per.values())
    right = np.concatenate(one.right + two.right)
    assert both["taught"] == round(float(right.mean()), 4)


@pytest.mark.slow
@pytest.mark.extended
def test_a_webcam_person_at_k_10_gives_every_number_in_0_1() -> None:
    """One person (four trainings with the starter set, one per gesture left out: the bench's whole core; two
    people took 91 s of CI's 15 minutes)."""
    shared_path("webcam_people")  # skips, naming the folder, where ../shared/data has no webcam_people
    from bench.common.fewshot_people import webcam_people

    takes = webcam_people(max_people=1)  # MediaPipe on one person's photos, not all twelve's (77 s on a fresh clone)
    chosen = {takes[0].person: takes}
    assert len(chosen) == 1 and all(len(takes) >= 3 for takes in chosen.values())
    measured = run(chosen, [10], seed=0, log=lambda _: None)
    out = json.loads(json.dumps(report(measured, {"people": 1})))
    assert out["rules"] == list(RULES) and set(out["results"]) == {"10"}
    assert out["seconds_per_training"]["n"] == sum(len(t) for t in chosen.values())
    assert out["old_rule_same_network"] is True
    for rule in RULES:
        figures = out["results"]["10"][rule]
        assert set(figures["per_person"]) == set(chosen)
        for person, numbers in figures["per_person"].items():
            assert set(numbers) == {"taught", "untaught", "auroc"}, person
            assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in numbers.values()), (rule, person, numbers)
        for name in ("taught", "untaught", "auroc", "taught_mean", "untaught_mean", "taught_worst"):
            assert 0.0 <= figures[name] <= 1.0, (rule, name)


def test_taught_lessons_are_every_choice_of_n_gestures_each_shown_every_later_block() -> None:
    """``--taught 3``: a person of 4 gestures gives 4 lessons, each taught 3 from their first frames (every
    ``every``-th), each showing all 4 later blocks, the untaught one among them."""
    from bench.common.openset_taught import lessons

    blocks = [SimpleNamespace(label=name, first=np.full((40, CONFIG.size), i, np.float32),
                              later=np.full((30, CONFIG.size), 10 + i, np.float32))
              for i, name in enumerate(["fist", "ok", "open_palm", "thumbs_up"])]  # fmt: skip
    made = list(lessons(blocks, 3, 12, 3, CONFIG, "webcam_people"))
    assert [taught for taught, _ in made] == [("fist", "ok", "open_palm"), ("fist", "ok", "thumbs_up"),
                                              ("fist", "open_palm", "thumbs_up"), ("ok", "open_palm", "thumbs_up")]  # fmt: skip
    for taught, lesson in made:
        assert sorted(set(lesson.teach_y)) == list(taught) and len(lesson.teach_y) == 36  # 12 of each
        assert len(lesson.test_y) == 120 and set(lesson.test_y) == {b.label for b in blocks}


def test_taught_figures_pool_the_untaught_looks_and_count_wrong_very_sure_cards() -> None:
    from bench.common.openset_taught import Looks, PersonLooks, figures

    t, f = True, False
    # p1: 4 taught looks (3 right, one of them very sure; one wrong and very sure), 2 untaught (1 accepted, very sure)
    p1 = Looks(np.array([t, t, t, t, f, f]), np.array([t, t, t, f, f, f]), np.array([t, t, t, t, t, f]),
               np.array([t, f, f, t, t, f]))  # fmt: skip
    # p2: 2 taught looks, both right and very sure; 2 untaught, none accepted
    p2 = Looks(np.array([t, t, f, f]), np.array([t, t, f, f]), np.array([t, t, f, f]), np.array([t, t, f, f]))
    out = figures({"p1": PersonLooks([p1]), "p2": PersonLooks([p2])})
    assert out["untaught_accepted"] == 0.25  # 1 of the 4 untaught looks
    assert (out["taught_accuracy_worst"], out["taught_accuracy_worst_person"]) == (0.75, "p1")
    assert out["very_sure_wrong"] == 0.4 and out["very_sure_cards"] == 5  # 2 of 5 name a wrong gesture
