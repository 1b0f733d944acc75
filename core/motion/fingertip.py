"""Fingertip paths: a hand's keypoints reduced to the index fingertip (``core.skeletons.FINGERTIP``).

A motion project of fingertip paths (made by ``import --format kinivi-history``) learns from the path
kinivi's point-history classifier follows. So that a user can keep teaching it from the webcam and
use it live, its keypoint source is MediaPipe Hands with each hand cut down to joint 8: recording,
uploads, Live and ``infer`` then all make the same (T, 1, 3) clips as the import.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from core.skeletons import FINGERTIP, FINGERTIP_JOINT, HAND_21
from core.types import Keypoints, RGBImage


class _Source(Protocol):
    def process(self, rgb: RGBImage) -> list[Keypoints]: ...

    def close(self) -> None: ...


def fingertip_of(hand: Keypoints) -> Keypoints:
    """The index fingertip of a 21-point hand, as a one-point ``FINGERTIP`` detection (same frame, score)."""
    if hand.skeleton != HAND_21:
        raise ValueError(f"a fingertip comes from a hand's keypoints, got a {hand.skeleton.name}")
    keep = [FINGERTIP_JOINT]
    visibility = None if hand.visibility is None else hand.visibility[keep]
    return replace(hand, pixel=hand.pixel[keep], normalised=hand.normalised[keep], world=hand.world[keep],
                   skeleton=FINGERTIP, visibility=visibility)  # fmt: skip


class FingertipSource:
    """A hand source whose hands come out as their index fingertips."""

    def __init__(self, hands: _Source) -> None:
        self._hands = hands

    def process(self, rgb: RGBImage) -> list[Keypoints]:
        return [fingertip_of(hand) for hand in self._hands.process(rgb)]

    def close(self) -> None:
        self._hands.close()
