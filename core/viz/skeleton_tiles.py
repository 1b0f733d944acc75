"""A sample's keypoints as a small PNG tile: what the gallery shows where a sample has no picture.

With pictures off (a class's default) or for imported keypoints a sample holds no crop, and a tile of text
leaves a student nothing to check. ``skeleton_png`` draws the skeleton **as the model sees it**: in the user
view (the frame mirrored left-right, as the preview and ``core.gestures.features`` show it), fitted to the
tile whatever the hand's place and size in the frame, keeping its proportions (the frame's aspect from
``image_size``). The painter is ``core.viz.draw.skeleton_on`` with ``DEFAULT_STYLE``: the fingers coloured as
everywhere else, a body's hidden joints as rings without their bones.

Tiles are cached: a gallery page redraws every tile on each rerun, and a sample's points never change, so
a tile is keyed by the sample's id and its points (a stored id can be reused after a deletion; the points
tell the two apart). Drawing one tile takes well under a millisecond; the cache makes a rerun free.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import cv2
import numpy as np

from core.types import Keypoints
from core.viz.draw import DEFAULT_STYLE, skeleton_on

TILE_PX = 112  # about a gallery column's width at 1280 px (8 columns); the browser scales it to fit
BACKGROUND = (38, 39, 48)  # Streamlit's dark grey: the palette's light palm and bright fingers both stand out
MARGIN = 0.12  # of the tile, each side: joints and their rings stay inside
CACHE_TILES = 2048  # about 230 KB of PNGs at 112 px; more than a page of the largest gallery


def skeleton_png(hand: Keypoints, sample_id: int | None = None, size: int = TILE_PX) -> bytes:
    """PNG bytes of a ``size`` px square tile with ``hand``'s skeleton drawn in the user view (cached)."""
    if not 16 <= size <= 1024:
        raise ValueError(f"a skeleton tile is 16 to 1024 px, got {size}")
    points = np.ascontiguousarray(hand.normalised[:, :2], np.float32).tobytes()
    seen = b"" if hand.visibility is None else np.ascontiguousarray(hand.visibility, np.float32).tobytes()
    key = (sample_id, hashlib.blake2b(points + seen, digest_size=16).digest(), size)
    with _LOCK:  # Streamlit runs each session's script in its own thread
        png = _CACHE.get(key)
        if png is not None:
            _CACHE.move_to_end(key)
            return png
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(skeleton_tile(hand, size), cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("OpenCV could not encode a skeleton tile")
    png = buffer.tobytes()
    with _LOCK:
        _CACHE[key] = png
        while len(_CACHE) > CACHE_TILES:
            _CACHE.popitem(last=False)
    return png


_CACHE: OrderedDict[tuple[int | None, bytes, int], bytes] = OrderedDict()  # least recently used first
_LOCK = threading.Lock()


def cached_tiles() -> int:
    """How many tiles the cache holds now."""
    with _LOCK:
        return len(_CACHE)


def skeleton_tile(hand: Keypoints, size: int = TILE_PX) -> np.ndarray:
    """(size, size, 3) uint8 RGB: ``hand``'s skeleton in the user view, fitted and centred on a dark tile."""
    tile = np.empty((size, size, 3), np.uint8)
    tile[:] = BACKGROUND
    width, height = (max(1, int(v)) for v in hand.image_size)
    xy = np.nan_to_num(hand.normalised[:, :2].astype(np.float64)) * (width, height)  # frame pixels, square
    xy[:, 0] = width - xy[:, 0]  # the user view: mirrored, as the preview and the features
    hidden = None if hand.visibility is None else hand.visibility < DEFAULT_STYLE.min_visibility
    shown = xy if hidden is None or hidden.all() else xy[~hidden]
    low, high = shown.min(axis=0), shown.max(axis=0)
    span = max(float((high - low).max()), 1e-6)
    inner = size * (1 - 2 * MARGIN)
    pixel = (xy - (low + high) / 2) * (inner / span) + size / 2
    pixel = np.clip(pixel, -size, 2 * size)  # a hidden joint far outside stays drawable
    skeleton_on(tile, pixel, DEFAULT_STYLE, scale=size / 160, skeleton=hand.skeleton, hidden=hidden)
    return tile


def cache_clear() -> None:
    """Forget every cached tile (tests; a long-running server never needs to)."""
    with _LOCK:
        _CACHE.clear()
