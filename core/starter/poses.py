"""Procedural samples of the eight starter gestures and of other hand signs.

Each gesture is a distribution over joint angles (``core.starter.handmodel``) and a
rule for which way it must face on screen, the part of its meaning that orientation
carries: ☝ points up, 👉 to the user's right (+x of the user view), 👈 to the left,
👍 has the thumb up and 👎 down; ✋, 👊 and 👌 are shown upright. Orientations are
drawn uniformly in 3D and kept when they obey the rule, so palm, back and side views
all occur. All hands are right hands; training mirrors them for the left hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.starter.dataset import OTHER
from core.starter.handmodel import (
    F64Array,
    hand_points,
    project,
    random_rotations,
    reach,
    rotate,
)

UP, RIGHT, DOWN, LEFT = -90.0, 0.0, 90.0, 180.0  # screen angles (atan2(y, x), y down)


def _u(rng: np.random.Generator, lo: float, hi: float, n: int) -> F64Array:
    return rng.uniform(lo, hi, n)


def _straight(rng: np.random.Generator, n: int) -> F64Array:
    """(n, 3) flexion of a straight finger."""
    return np.stack([_u(rng, -10, 15, n), _u(rng, 0, 15, n), _u(rng, 0, 10, n)], axis=1)


def _curled(rng: np.random.Generator, n: int) -> F64Array:
    """(n, 3) flexion of a finger curled into a fist."""
    return np.stack([_u(rng, 65, 95, n), _u(rng, 85, 110, n), _u(rng, 35, 75, n)], axis=1)


def _loose(rng: np.random.Generator, n: int) -> F64Array:
    """(n, 3) flexion of a finger loosely curled (a relaxed fist, as in many 👍)."""
    return np.stack([_u(rng, 40, 80, n), _u(rng, 60, 100, n), _u(rng, 20, 60, n)], axis=1)


def _half(rng: np.random.Generator, n: int) -> F64Array:
    """(n, 3) flexion of a half-bent finger (relaxed, claw, half-way between open and closed)."""
    return np.stack([_u(rng, 20, 55, n), _u(rng, 30, 70, n), _u(rng, 15, 45, n)], axis=1)


def _hooked(rng: np.random.Generator, n: int) -> F64Array:
    """(n, 3) flexion of a hooked finger (ASL X): knuckle nearly straight, the two outer joints bent hard."""
    return np.stack([_u(rng, 0, 30, n), _u(rng, 70, 110, n), _u(rng, 40, 80, n)], axis=1)


def _fingers(rng: np.random.Generator, n: int, states: str) -> F64Array:
    """(n, 4, 3) flexion from a state per finger (index..pinky): s straight, c curled, l loose,
    h half, k hooked, x curled or loose (one choice per hand for all its x fingers)."""
    make = {"s": _straight, "c": _curled, "l": _loose, "h": _half, "k": _hooked}
    tight = rng.random(n)[:, None] < 0.5
    flex = [np.where(tight, _curled(rng, n), _loose(rng, n)) if s == "x" else make[s](rng, n) for s in states]
    return np.stack(flex, axis=1)


def _spread(rng: np.random.Generator, n: int, amount: tuple[float, float] = (0.0, 1.2)) -> F64Array:
    """(n, 4) finger spread: fanned out by a random factor of a typical open hand."""
    base = np.array([-10.0, 0.0, 7.0, 15.0])
    return base * _u(rng, *amount, n)[:, None] + rng.normal(0, 2.5, (n, 4))


def _thumb(rng: np.random.Generator, n: int, kind: str) -> F64Array:
    """(n, 4) thumb angles: open (spread out), along (beside the index), up (straight, 👍), tucked."""
    lo, hi = {
        "open": ((35, 0, 0, 0), (70, 30, 20, 20)),
        "along": ((5, 0, 5, 0), (20, 20, 25, 25)),
        "up": ((55, -10, -5, -5), (90, 30, 15, 15)),
        "tucked": ((25, 35, 30, 20), (40, 55, 55, 45)),
    }[kind]
    return rng.uniform(lo, hi, (n, 4))


def _shape(rng: np.random.Generator, n: int) -> F64Array:
    return rng.normal(1.0, 0.06, (n, 21))


def _pose(rng: np.random.Generator, n: int, fingers: str, thumb: str, spread=(0.0, 1.2)) -> F64Array:
    return hand_points(_fingers(rng, n, fingers), _spread(rng, n, spread), _thumb(rng, n, thumb), _shape(rng, n))


def _mixed_thumb(rng: np.random.Generator, n: int, fingers: str, kinds: tuple[str, ...]) -> F64Array:
    """Poses whose thumb is drawn from ``kinds``; "across" lays the tip on the curled middle finger."""
    which = rng.integers(0, len(kinds), n)
    out = np.zeros((n, 21, 3))
    for k, kind in enumerate(kinds):
        rows = which == k
        m = int(rows.sum())
        pts = _pose(rng, m, fingers, "tucked" if kind == "across" else kind, spread=(0.0, 0.4))
        if kind == "across":  # thumb tip on the middle phalanx of the index or middle finger
            finger = rng.integers(0, 2, m)
            target = 0.5 * (pts[np.arange(m), 6 + 4 * finger] + pts[np.arange(m), 7 + 4 * finger])
            pts = reach(pts, target + np.array([0.0, 0.0, -0.12]) + rng.normal(0, 0.04, (m, 3)), rng)
        out[rows] = pts
    return out


def _ok(rng: np.random.Generator, n: int) -> F64Array:
    """👌: index bent to meet the thumb tip in a ring, the other three fingers up."""
    flex = _fingers(rng, n, "ssss")
    flex[:, 0] = np.stack([_u(rng, 25, 55, n), _u(rng, 35, 75, n), _u(rng, 15, 45, n)], axis=1)
    pts = hand_points(flex, _spread(rng, n, (0.3, 1.3)), _thumb(rng, n, "open"), _shape(rng, n))
    return reach(pts, pts[:, 8] + rng.normal(0, 0.04, (n, 3)), rng)


@dataclass(frozen=True)
class Facing:
    """Orientation rule: the screen direction of the bone ``joints`` (from, to) must be within
    ``tolerance`` degrees of ``angle``, and its on-screen length at least ``min_visible`` of its 3D length."""

    joints: tuple[int, int]
    angle: float
    tolerance: float
    min_visible: float = 0.55

    def __call__(self, points: F64Array) -> np.ndarray:
        bone = points[:, self.joints[1]] - points[:, self.joints[0]]
        screen = np.rad2deg(np.arctan2(bone[:, 1], bone[:, 0]))
        off = np.abs((screen - self.angle + 180.0) % 360.0 - 180.0)
        visible = np.linalg.norm(bone[:, :2], axis=1) / np.maximum(np.linalg.norm(bone, axis=1), 1e-9)
        return (off <= self.tolerance) & (visible >= self.min_visible)


@dataclass(frozen=True)
class FaceOn:
    """Orientation rule: the palm (or the back of the hand) faces the camera within ``acos(min_cos)``."""

    min_cos: float = 0.5

    def __call__(self, points: F64Array) -> np.ndarray:
        normal = np.cross(points[:, 5] - points[:, 0], points[:, 17] - points[:, 0])
        return np.abs(normal[:, 2]) >= self.min_cos * np.linalg.norm(normal, axis=1)


Rule = Callable[[F64Array], np.ndarray]  # (N, 21, 3) rotated points → (N,) bool: orientation allowed


def oriented(
    make: Callable[[np.random.Generator, int], F64Array], rules: tuple[Rule, ...], n: int,
    rng: np.random.Generator,
) -> F64Array:  # fmt: skip
    """(n, 21, 3) hands from ``make`` turned by random 3D rotations that obey every rule, in perspective."""
    kept: list[F64Array] = []
    while sum(len(k) for k in kept) < n:
        batch = max(64, 4 * n)
        pts = rotate(make(rng, batch), random_rotations(batch, rng))
        ok = np.ones(batch, dtype=bool)
        for rule in rules:
            ok &= rule(pts)
        kept.append(pts[ok])
    pts = np.concatenate(kept)[:n]
    return project(pts, rng.uniform(3.0, 12.0, n))


WRIST_MIDDLE, INDEX, MIDDLE, THUMB = (0, 9), (5, 8), (9, 12), (2, 4)
_FIST = ("across", "along", "tucked")


def _open(rng: np.random.Generator, n: int) -> F64Array:
    """✋: fingers straight and fanned out (or together, as a "stop"), thumb out or alongside."""
    along = rng.random(n) < 0.3
    out = _pose(rng, n, "ssss", "open", spread=(0.0, 1.3))
    out[along] = _pose(rng, int(along.sum()), "ssss", "along", spread=(0.0, 0.6))
    return out


# Wider views (``wide_views``, issue 30): people hold 👊 knuckles-forward, sideways, tilted and
# with the back of the hand to the camera, and lean ✋ 30-70°. 👊 may face any way but down-the-arm
# (its wrist-to-knuckle line, however short on screen, within WIDE_TILT of up: knuckles-forward
# fists have it nearly end-on); ✋ and 👌 lean up to WIDE_TILT with the palm or back within 60°
# of the camera (FaceOn(0.5)), as before.
WIDE_TILT = 70.0


def _gestures(wide: bool = False) -> dict[str, tuple[Callable[[np.random.Generator, int], F64Array], tuple[Rule, ...]]]:
    pointing = lambda r, n: _mixed_thumb(r, n, "sccc", ("across", "along", "tucked", "up"))  # noqa: E731
    thumbs = lambda r, n: _mixed_thumb(r, n, "xxxx", ("up",))  # noqa: E731
    fist = lambda r, n: _mixed_thumb(r, n, "cccc", _FIST)  # noqa: E731
    if wide:
        t = WIDE_TILT
        return _gestures() | {
            "ok": (_ok, (Facing(MIDDLE, UP, t), Facing(WRIST_MIDDLE, UP, t, 0.5), FaceOn(0.5))),
            "fist": (fist, (Facing(WRIST_MIDDLE, UP, t, 0.0),)),
            "open_palm": (_open, (Facing(MIDDLE, UP, t), Facing(WRIST_MIDDLE, UP, t, 0.6), FaceOn(0.5))),
        }
    return {
        "thumbs_up": (thumbs, (Facing(THUMB, UP, 35), Facing(WRIST_MIDDLE, UP, 120, 0.0))),
        "thumbs_down": (thumbs, (Facing(THUMB, DOWN, 35), Facing(WRIST_MIDDLE, DOWN, 120, 0.0))),
        "pointing_up": (lambda r, n: _mixed_thumb(r, n, "sccc", _FIST), (Facing(INDEX, UP, 30),)),
        "pointing_right": (pointing, (Facing(INDEX, RIGHT, 30),)),
        "pointing_left": (pointing, (Facing(INDEX, LEFT, 30),)),
        "ok": (_ok, (Facing(MIDDLE, UP, 40), Facing(WRIST_MIDDLE, UP, 45, 0.5), FaceOn(0.5))),
        "fist": (lambda r, n: _mixed_thumb(r, n, "cccc", _FIST), (Facing(WRIST_MIDDLE, UP, 45, 0.5),)),
        "open_palm": (_open, (Facing(MIDDLE, UP, 35), Facing(WRIST_MIDDLE, UP, 35, 0.6), FaceOn(0.5))),
    }


# Other signs: (finger states, thumb) — V, three, four, call, rock, pinky up, middle finger,
# half-bent hands (relaxed, claw) and a half-bent index; ``HOOKED_SHAPES`` a hooked one
# (ASL X: knuckle straight, tip bent down): none of them is a starter gesture.
OTHER_SHAPES = (
    ("sscc", "tucked"), ("sscc", "open"), ("sssc", "tucked"), ("sssc", "open"), ("ssss", "tucked"),
    ("cccs", "up"), ("sccs", "tucked"), ("sccs", "open"), ("cccs", "tucked"), ("cscc", "tucked"),
    ("hhhh", "open"), ("hhhh", "along"), ("hccc", "tucked"), ("hhcc", "tucked"), ("cssc", "tucked"),
)  # fmt: skip
HOOKED_SHAPES = (("kccc", "tucked"), ("kccc", "along"))  # ASL X: a fourth-pass trial, not shipped


def _others(rng: np.random.Generator, n: int, shapes: tuple[tuple[str, str], ...] = OTHER_SHAPES) -> F64Array:
    """Other signs upright (hand within 60° of up), and 👍's pose with the thumb sideways."""
    per = n // (len(shapes) + 1) + 1
    parts = [
        oriented(lambda r, m, f=f, t=t: _pose(r, m, f, t), (Facing(WRIST_MIDDLE, UP, 60, 0.4),), per, rng)
        for f, t in shapes
    ]
    sideways = lambda r, m: _mixed_thumb(r, m, "cccc", ("up",))  # noqa: E731
    rules = (Facing(THUMB, RIGHT if rng.random() < 0.5 else LEFT, 20),)
    parts.append(oriented(sideways, rules, per, rng))
    return np.concatenate(parts)[rng.permutation(per * len(parts))[:n]]


def procedural_samples(per_class: int, n_other: int, seed: int = 0,
                       hooked_index: bool = False, wide_views: bool = False) -> tuple[F64Array, list[str]]:  # fmt: skip
    """(N, 21, 3) user-view keypoints (palm-length units) and labels: ``per_class`` of each
    starter gesture and ``n_other`` hands making other signs (label ``OTHER``; with
    ``hooked_index`` also ``HOOKED_SHAPES``); ``wide_views``: 👊 ✋ 👌 in the wider views above."""
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for name, (make, rules) in _gestures(wide_views).items():
        points.append(oriented(make, rules, per_class, rng))
        labels += [name] * per_class
    points.append(_others(rng, n_other, OTHER_SHAPES + (HOOKED_SHAPES if hooked_index else ())))
    labels += [OTHER] * n_other
    return np.concatenate(points).astype(np.float32), labels
