"""bench/common/reaction_score.py: what the Scratch browser test and bench count as a caught change, a false reaction
and a followed fingertip, on readings made by hand (a 3-segment clip of 60 frames at 30 fps, looping)."""

from __future__ import annotations

import math
from pathlib import Path

from bench.common.coded_clip import FPS, Clip, Segment, code_blocks
from bench.common.reaction_score import Reading, best_lag, expected_states, follow_score, score_reactions

RULES = {"thumbs_up": "jumping", "open_palm": "stopped"}
# ✋ frames 0-29, 👍 30-59, 👊 60-119 (4 s a loop): two changes a loop (✋→👍 at 30, 👊→✋ at 0 of the next loop)
CLIP = Clip("someone", (Segment("open_palm", (Path("a.jpg"),), 0, 30), Segment("thumbs_up", (Path("b.jpg"),), 30, 60),
                        Segment("fist", (Path("c.jpg"),), 60, 120)))  # fmt: skip


def _readings(state_of, loops: int = 3) -> list[Reading]:
    """One reading a frame over ``loops`` loops; ``state_of(count)``: the game's state at the running frame count."""
    return [Reading(count / FPS, count % CLIP.frames, state_of(count)) for count in range(loops * CLIP.frames)]


def _following(delay: int):  # noqa: ANN202 - the game turning ``delay`` frames after each change
    def state(count: int) -> str:
        frame = (count - delay) % CLIP.frames
        return "stopped" if count < delay or frame < 30 else "jumping"

    return state


def test_the_fist_keeps_the_state_the_thumb_set() -> None:
    assert expected_states(CLIP, RULES) == ["stopped", "jumping", "jumping"]


def test_a_game_that_turns_within_the_second_catches_every_change() -> None:
    score = score_reactions(_readings(_following(9)), CLIP, RULES)  # 0.3 s late
    assert (score.changes, score.caught, score.false) == (5, 5, 0)  # the first frame (a ✋) starts the window
    assert set(score.latencies_s) == {0.3}


def test_a_game_too_slow_misses_and_its_late_turns_are_not_false() -> None:
    score = score_reactions(_readings(_following(36)), CLIP, RULES)  # 1.2 s late, its gesture shown 0.2 s before
    assert (score.changes, score.caught, score.false, score.late) == (5, 0, 0, 0)
    score = score_reactions(_readings(_following(70)), CLIP, RULES)  # 2.3 s late, its gesture shown 1.4 s before
    assert (score.caught, score.false) == (0, 0) and score.late >= 4


def test_turning_on_a_gesture_not_shown_is_a_false_reaction() -> None:
    def stops_on_the_fist(count: int) -> str:  # the cat stops 1.7 s into the fist, 2.7 s after the ✋
        frame = count % CLIP.frames
        return "stopped" if frame < 30 or 110 <= frame < 115 else "jumping"

    score = score_reactions(_readings(stops_on_the_fist), CLIP, RULES)
    assert [state for _t, state in score.false_at] == ["stopped"] * 3  # once a loop
    assert score.late == 3  # jumping again 1.9 s after the 👍: late, not false


def test_frames_the_page_could_not_read_are_left_out() -> None:
    readings = [r if i % 3 else Reading(r.t, -1, "nonsense") for i, r in enumerate(_readings(_following(9)))]
    score = score_reactions(readings, CLIP, RULES)
    assert (score.caught, score.false) == (score.changes, 0)


def test_the_code_carries_the_index_and_its_parity() -> None:
    bits = code_blocks(0b10110)
    assert bits[:5] == [0, 1, 1, 0, 1] and bits[-1] == 1 and sum(bits) % 2 == 0


def test_a_sprite_that_follows_the_fingertip_correlates() -> None:
    n = CLIP.frames
    wave = [200 * math.sin(2 * math.pi * frame / n) for frame in range(n)]
    truth = {frame: x if frame % 20 else None for frame, x in enumerate(wave)}  # no hand now and then
    follows = [Reading(i / FPS, i % n, x=wave[(i - 3) % n], tip=truth[i % n]) for i in range(3 * n)]  # 0.1 s behind
    still = [Reading(i / FPS, i % n, x=17.0 if i % 2 else 18.0) for i in range(3 * n)]
    assert follow_score(follows, truth)["r_sprite"] > 0.9 and follow_score(follows, truth)["r_blocks"] == 1.0
    assert abs(follow_score(still, truth)["r_sprite"]) < 0.2
    lag, r = best_lag(follows, truth)
    assert lag == 0.1 and r > follow_score(follows, truth)["r_sprite"]  # it follows 3 frames behind
