"""bench/common/fewshot_embed.py: few-shot heads on MediaPipe's gesture embedding, on real starter hands."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.fewshot_embed import EMBED_METHODS
from bench.common.fewshot_teach import Lesson
from core.gestures.embedding import DEFAULT_PATH
from core.starter import load_starter_set


def _lesson() -> Lesson:
    """Three starter gestures of real hands (the shipped starter set): 10 rows each taught, 30 more each tested."""
    if not DEFAULT_PATH.is_file():
        pytest.skip(f"MediaPipe's gesture embedder not found at {DEFAULT_PATH} (../shared/models beside the checkout)")
    starter = load_starter_set()
    labels = np.array(starter.labels)
    rng = np.random.default_rng(0)
    teach, test = [], []
    for name in ("fist", "open_palm", "pointing_up"):
        rows = rng.permutation(np.flatnonzero(labels == name))
        teach.append(rows[:10])
        test.append(rows[10:40])
    teach_rows, test_rows = np.concatenate(teach), np.concatenate(test)
    return Lesson(starter.features[teach_rows], list(labels[teach_rows]), starter.features[test_rows],
                  list(labels[test_rows]), "starter", np.zeros((0, 60), np.float32))  # fmt: skip


@pytest.mark.parametrize("name", ["embed-proto", "embed-head"])
def test_a_head_on_the_embedding_names_real_hands(name: str) -> None:
    lesson = _lesson()
    shown, argmax, live, accepted = EMBED_METHODS[name](lesson, 0)
    assert len(shown) == len(argmax) == len(live) == len(lesson.test_y)
    assert accepted is None  # no rejection class: nothing measured
    assert np.mean(np.array(argmax) == np.array(lesson.test_y)) > 0.9
