"""Scoring what a Scratch game did against what a coded clip showed (``bench/common/coded_clip.py``).

A reading is one camera frame the editor's page presented: the page's time, the clip frame it showed (read from its
strip) and what the game's state was then (a stage variable, a sprite's x). The clip loops; its frame numbers are
unwrapped into one running count, so a change of gesture is placed at the page time its first frame appeared.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass

from bench.common.coded_clip import Clip


@dataclass(frozen=True)
class Reading:
    """One presented camera frame: ``t`` seconds on the page's clock, ``frame`` the clip's frame index (0…frames-1),
    ``state`` the game's variable then, ``x``, ``y`` a sprite's place in stage units (−240…240 × −180…180), ``tip`` the
    blocks' hand x (None: no hand), ``seen`` the blocks' gesture then (its stored name, "unknown" or "no hand")."""

    t: float
    frame: int
    state: str = ""
    x: float = 0.0
    tip: float | None = None
    y: float = 0.0
    seen: str = ""


@dataclass(frozen=True)
class ReactionScore:
    changes: int  # gesture changes the window could judge
    caught: int  # of them, the state turned as expected within the allowed time
    false: int  # turns of the state that no gesture shown in the ``explained_s`` before explains
    latencies_s: tuple[float, ...]  # of the caught ones
    false_at: tuple[tuple[float, str], ...]  # (seconds into the window, state) of each false reaction
    late: int = 0  # turns to a gesture shown, but more than ``within_s`` before (counted as misses already)

    @property
    def caught_share(self) -> float:
        return self.caught / self.changes if self.changes else 0.0


def unwrapped(readings: list[Reading], frames: int) -> list[tuple[Reading, int]]:
    """Each reading with its running frame count (loops of the clip added on)."""
    out, loops, last = [], 0, None
    for reading in readings:
        if last is not None and reading.frame < last - frames // 2:
            loops += 1
        last = reading.frame
        out.append((reading, loops * frames + reading.frame))
    return out


def expected_states(clip: Clip, rules: dict[str, str]) -> list[str]:
    """The state each segment should leave the game in: a gesture of ``rules`` sets its state, any other keeps the one
    before (the clip loops, so the first segments inherit from the last that sets one)."""
    states: list[str] = [""] * len(clip.segments)
    state = next((rules[s.gesture] for s in reversed(clip.segments) if s.gesture in rules), "")
    for i, segment in enumerate(clip.segments):
        state = rules.get(segment.gesture, state)
        states[i] = state
    return states


def score_reactions(readings: list[Reading], clip: Clip, rules: dict[str, str], within_s: float = 1.0,
                    explained_s: float = 2.0) -> ReactionScore:  # fmt: skip
    """Changes caught (the state turned to the change's within ``within_s`` of its first frame on the page), and false
    reactions: a turn of the state to one whose gesture the clip did not show in the ``explained_s`` before it (a
    segment's length: a turn to the gesture before the one shown is late, not false)."""
    readings = [r for r in readings if r.frame >= 0]
    counted = unwrapped(readings, clip.frames)
    if len(counted) < 2:
        return ReactionScore(0, 0, 0, (), ())
    states = expected_states(clip, rules)
    first, last = counted[0][1], counted[-1][1]
    end_t = counted[-1][0].t
    caught, latencies, changes = 0, [], 0
    for loop in range(first // clip.frames, last // clip.frames + 1):
        for i, segment in enumerate(clip.segments):
            if states[i] == states[i - 1]:
                continue
            at = loop * clip.frames + segment.start
            shown = next((r.t for r, count in counted if count >= at), None)
            # judged only where the window holds the change's start and the second after it
            if at <= first or shown is None or shown + within_s > end_t:
                continue
            changes += 1
            # a turn: the state becomes the change's own within the time (already being it is no reaction)
            turned = next((b.t for (a, _), (b, _) in zip(counted, counted[1:], strict=False)
                           if shown <= b.t <= shown + within_s and a.state != states[i] == b.state), None)  # fmt: skip
            if turned is not None:
                caught += 1
                latencies.append(round(turned - shown, 3))
    false_at, late = [], 0
    wanted = {state: {g for g, s in rules.items() if s == state} for state in rules.values()}
    for (before, _), (reading, _) in zip(counted, counted[1:], strict=False):
        if reading.state == before.state or reading.state not in wanted:
            continue
        shown = [(reading.t - r.t, clip.gesture_at(r.frame)) for r, _ in counted if 0 <= reading.t - r.t <= explained_s]
        if not any(gesture in wanted[reading.state] for _ago, gesture in shown):
            false_at.append((round(reading.t - counted[0][0].t, 2), reading.state))
        elif not any(ago <= within_s and gesture in wanted[reading.state] for ago, gesture in shown):
            late += 1
    return ReactionScore(changes, caught, len(false_at), tuple(latencies), tuple(false_at), late)


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, None where either side does not vary."""
    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return statistics.correlation(xs, ys)


def follow_score(
    readings: list[Reading], truth: dict[int, float | None], lag_s: float = 0.0
) -> dict[str, float | int | None]:
    """How the sprite's x followed the fingertip: r against the clip's fingertip x (``truth``: stage x for each clip
    frame, None where no hand) on the frame the page showed ``lag_s`` before, over the readings whose frame has a
    hand; r of the blocks' own hand x against the same truth says how much of it is the hand finding, not the game, and
    ``blocks_saw_no_hand`` counts the readings where the blocks said no hand though the frame shows one."""
    readings = [r for r in readings if r.frame >= 0]
    times = [r.t for r in readings]
    pairs = []
    for reading in readings:
        earlier = bisect.bisect_right(times, reading.t - lag_s) - 1
        shown = truth.get(readings[earlier].frame) if earlier >= 0 else None
        if shown is not None:
            pairs.append((reading.x, shown, reading.tip))
    sprite = correlation([p[0] for p in pairs], [p[1] for p in pairs])
    seen = [(p[2], p[1]) for p in pairs if p[2] is not None]
    blocks = correlation([s[0] for s in seen], [s[1] for s in seen])
    return {"readings": len(pairs), "r_sprite": None if sprite is None else round(sprite, 3),
            "r_blocks": None if blocks is None else round(blocks, 3), "blocks_saw_no_hand": len(pairs) - len(seen)}  # fmt: skip


def best_lag(
    readings: list[Reading], truth: dict[int, float | None], most_s: float = 1.0
) -> tuple[float, float | None]:
    """(lag, the sprite's r at it): the lag in 0.1 s steps up to ``most_s`` at which the sprite's x best follows."""
    tried = [(lag / 10, follow_score(readings, truth, lag / 10)["r_sprite"]) for lag in range(int(most_s * 10) + 1)]
    return max(tried, key=lambda pair: -2.0 if pair[1] is None else pair[1])


def timeline(readings: list[Reading], clip: Clip) -> str:
    """What the clip showed, the blocks saw and the game's state, at each reading where any changed:
    "0.0 s open_palm/open_palm stopped; …" (for a failure's message)."""
    marks, last = [], None
    for reading in readings:
        now = (clip.gesture_at(reading.frame) if reading.frame >= 0 else "?", reading.seen, reading.state)
        if now != last:
            marks.append(f"{reading.t - readings[0].t:.1f} s {now[0]}/{now[1]} {now[2]}")
            last = now
    return "; ".join(marks)
