"""The stranger few-shot bench's kinivi people: later frames from ``later.csv``, two-hand logs left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.fewshot import lesson
from bench.fewshot_people import kinivi_people
from core.starter.poses import procedural_samples


def _rows(name: str, n: int, seed: int, class_id: int, other_hand: bool = False) -> list[str]:
    points, labels = procedural_samples(max(n, 40), 0, seed=seed)
    hands = points[np.array(labels) == name][:n, :, :2] * np.array([-1.0 if other_hand else 1.0, 1.0])
    hands = hands - hands[:, :1]
    hands = hands / np.abs(hands).reshape(len(hands), -1).max(axis=1)[:, None, None]
    return [",".join([str(class_id), *(f"{v:.4f}" for v in h.reshape(-1))]) for h in hands]


def _person(root: Path, name: str, teach: list[str], later: list[str]) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "source.json").write_text(json.dumps({"labels": ["Open/Palm", "OK"], "own_class_ids": [0, 1]}))
    (folder / "teach.csv").write_text("\n".join(teach) + "\n")
    (folder / "later.csv").write_text("\n".join(later) + "\n")


def test_kinivi_people_teach_from_teach_rows_and_test_on_later_rows(tmp_path: Path) -> None:
    palms, oks = _rows("open_palm", 30, 1, 0), _rows("ok", 30, 2, 1)
    _person(tmp_path, "a__one", palms[:20] + oks[:20], palms[20:] + oks[20:])
    takes = kinivi_people(tmp_path)
    assert [(t.person, t.label, len(t.hands), t.test_start) for t in takes] == [
        ("kinivi/a__one", "Open-Palm", 30, 20),  # stored as import stores it: "/" becomes "-"
        ("kinivi/a__one", "ok", 30, 20),  # a starter gesture's name in any case joins it
    ]
    taught = lesson(takes, 5)
    assert not taught.config.use_depth  # kinivi logs are 2D
    assert taught.teach_y == ["Open-Palm"] * 5 + ["ok"] * 5
    assert taught.test_y == ["Open-Palm"] * 10 + ["ok"] * 10  # the later rows, not the teach rows after k


def test_a_log_alternating_between_two_hands_is_left_out(tmp_path: Path, capsys) -> None:
    palms, resting = _rows("open_palm", 30, 3, 0), _rows("fist", 30, 4, 0, other_hand=True)
    oks = _rows("ok", 30, 5, 1)
    two_hands = [row for pair in zip(palms[:10], resting[:10], strict=True) for row in pair]  # a row per hand
    _person(tmp_path, "b__two", two_hands + oks[:20], palms[20:] + oks[20:])
    assert kinivi_people(tmp_path) == []
    assert "left out kinivi/b__two" in capsys.readouterr().out
    assert len(kinivi_people(tmp_path, two_hand_logs=True)) == 2


def test_a_fix_on_live_teaches_the_gesture_as_the_person_now_holds_it(tmp_path: Path) -> None:
    """The ``watched-fixed`` method (Live's "Teach it here"): a person's later Open-Palm frames are held as
    another hand shape; the first WATCH of them, answered wrong, become a take, and the frames after the
    window come out right. Window frames are never scored."""
    from bench.fewshot_teach import METHODS, WATCH

    palms, oks, drifted = _rows("open_palm", 20, 1, 0), _rows("ok", 40, 2, 1), _rows("pointing_up", 30, 3, 0)
    _person(tmp_path, "a__drift", palms + oks[:20], drifted + oks[20:])
    taught = lesson(kinivi_people(tmp_path), 10)
    before, _, _ = METHODS["watched"](taught, 0)
    after, _, _ = METHODS["watched-fixed"](taught, 0)
    scored = [i for i, answer in enumerate(after) if answer is not None]
    assert len(scored) == len(taught.test_y) - 2 * WATCH and [a is None for a in before] == [a is None for a in after]
    palm_frames = [i for i in scored if taught.test_y[i] == "Open-Palm"]
    right = {name: sum(answers[i] == "Open-Palm" for i in palm_frames) for name, answers in (("before", before),
                                                                                          ("after", after))}  # fmt: skip
    assert right["before"] <= len(palm_frames) // 2 < right["after"], right
