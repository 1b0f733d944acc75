"""ui.webcam.answers: the card shows the very answer the video draws (issue 45, item 1)."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand

import ui.webcam.stream as stream_module
from core.gestures.features import FeatureConfig
from core.gestures.pipeline import FrameResult
from core.keypoints.landmarks import TrackerConfig
from core.types import Keypoints, Prediction, make_prediction
from core.viz.draw import label_text
from ui.live.cards import prediction_text
from ui.webcam.answers import HOLD_SECONDS, AnswerBoard
from ui.webcam.stream import StreamSession

FRAME = np.full((480, 640, 3), 90, np.uint8)
CLASSES = ["claw", "open_palm"]


def _prediction(label: str, score: float) -> Prediction:
    return Prediction(label, score, {label: score})


def _result(*pairs: tuple[Keypoints, Prediction | None]) -> FrameResult:
    return FrameResult([h for h, _ in pairs], [p for _, p in pairs])


def test_without_a_card_each_frame_draws_its_own_answer() -> None:
    board, hand = AnswerBoard(), make_hand()
    own = _result((hand, _prediction("claw", 0.61)))
    assert board.frame(own, now=0.0) is own
    assert [s.prediction for s in board.latest()] == own.predictions


def test_the_published_answer_is_drawn_until_the_card_asks_again() -> None:
    board, hand = AnswerBoard(), make_hand()
    first, second = _prediction("claw", 0.61), _prediction("unknown", 0.59)
    board.frame(_result((hand, first)), now=0.0)
    card = board.publish(now=0.1)
    moved = make_hand(offset=(330.0, 310.0))
    drawn = board.frame(_result((moved, second)), now=0.2)
    assert drawn.predictions[0] is first is card[0].prediction  # the card's very prediction, not the frame's own
    assert np.array_equal(drawn.hands[0].pixel, moved.pixel)  # on the hand where it is now
    assert label_text(drawn.hands[0], drawn.predictions[0]) == card[0].text == "claw 61% (Right)"
    assert board.publish(now=0.6)[0].prediction is second  # the card asks again: the newer answer
    assert board.frame(_result((moved, first)), now=0.7).predictions[0] is second


def test_a_page_that_stops_asking_gets_each_frames_answer_again() -> None:
    board, hand = AnswerBoard(), make_hand()
    board.frame(_result((hand, _prediction("claw", 0.61))), now=0.0)
    board.publish(now=0.0)
    late = _result((hand, _prediction("open_palm", 0.76)))
    assert board.frame(late, now=HOLD_SECONDS + 0.1) is late


def test_two_hands_keep_their_own_answers_and_a_new_hand_waits_for_the_card() -> None:
    board = AnswerBoard()
    right, left = make_hand(), make_hand(offset=(100.0, 300.0), handedness="Left")
    board.frame(_result((right, _prediction("claw", 0.61)), (left, _prediction("open_palm", 0.76))), now=0.0)
    card = board.publish(now=0.0)
    swapped = board.frame(_result((left, None), (right, None)), now=0.1)  # MediaPipe's order changed
    assert swapped.predictions == [card[1].prediction, card[0].prediction]
    board.frame(_result((right, _prediction("claw", 0.61))), now=0.2)
    board.publish(now=0.2)
    newcomer = board.frame(_result((right, None), (left, _prediction("open_palm", 0.9))), now=0.3)
    assert newcomer.predictions[1] is None, "a hand the card does not show yet gets no label on the video"


def test_a_flickering_side_is_drawn_as_the_card_says_it() -> None:
    board = AnswerBoard()
    board.frame(_result((make_hand(), _prediction("claw", 0.61))), now=0.0)
    board.publish(now=0.0)
    drawn = board.frame(_result((make_hand(handedness="Left"), None)), now=0.1)
    assert label_text(drawn.hands[0], drawn.predictions[0]) == "claw 61% (Right)"


class _Model:
    """A model of two gestures whose probabilities the test sets (``GestureClassifier``'s surface)."""

    def __init__(self) -> None:
        self.classes = CLASSES
        self.feature_config = FeatureConfig(use_depth=True)
        self.threshold = 0.6
        self.probabilities = np.array([0.61, 0.39], np.float32)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return np.tile(self.probabilities, (len(features), 1))

    def class_distances(self, features: np.ndarray) -> None:
        return None

    def decide(self, probabilities: np.ndarray, distances: None, threshold: float) -> list[Prediction]:
        return [make_prediction(row, self.classes, threshold) for row in probabilities]


class _Tracker:
    def __init__(self, config: TrackerConfig) -> None:
        self.config = config

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        return [make_hand()]

    def close(self) -> None:
        pass


def test_the_card_of_a_stream_is_what_its_next_frames_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[FrameResult] = []
    selfie = stream_module.selfie_view
    monkeypatch.setattr(
        stream_module,
        "selfie_view",
        lambda rgb, result, *drawing: drawn.append(result) or selfie(rgb, result, *drawing),
    )
    session, model = StreamSession("test", TrackerConfig(max_num_hands=1)), _Model()
    session.tracker_factory = _Tracker
    session.set_classifier(model, threshold=0.6)
    session.process(FRAME)
    card = session.snapshot(publish=True)
    model.probabilities = np.array([0.2, 0.8], np.float32)  # the hand changes: later frames decide otherwise
    for _ in range(6):
        session.process(FRAME)
    assert session._latest.predictions[0].label == "open_palm"  # the frames' own answer moved on...
    shown = card.hands[0][1]
    assert shown is not None and shown.label == "claw"
    assert all(r.predictions[0] is shown for r in drawn[1:])  # ...the video still draws the card's
    assert prediction_text(card) == label_text(drawn[-1].hands[0], drawn[-1].predictions[0]) == "claw 61% (Right)"
    again = session.snapshot(publish=True)
    assert again.hands[0][1] is session._latest.predictions[0] and prediction_text(again) == "open palm 80% (Right)"
    session.process(FRAME)
    assert drawn[-1].predictions[0] is again.hands[0][1]


def test_a_stream_without_predictions_drawn_shows_the_same_side() -> None:
    session = StreamSession("test", TrackerConfig(max_num_hands=1), draw_predictions=False)
    session.tracker_factory = _Tracker
    session.process(FRAME)
    snap = session.snapshot(publish=True)
    assert snap.hands == [("Right", None)] and snap.labels == ("(Right)",) and prediction_text(snap) == "none"
