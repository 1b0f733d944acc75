"""A Record take made in the browser (issue 46): checked as an upload is, stored as a server-path take is.

The browser path's component (``ui/browser``) finds the hands in the student's tab and, at the end of a
take, sends one JSON value: each frame looked at during the capture, with its hands in the store's
conventions and each hand's 192 px crop. Nothing in it is trusted: every field is checked for type,
shape, finite numbers and size before anything is decoded or allocated (a JPEG's length before its
base64 is decoded, its header before its pixels), the project and gesture must be the ones the page
issued the take for, and a take id is stored once (``TakeLedger``): a replay is refused. Then each frame
goes through ``core.data.imports.extract.usable_hands`` (the server-path recorder's rule: same rejected-frame
reasons) and the samples are stored with ``Store.add_samples`` in one transaction. On any error nothing
is stored and the ``TakeError`` names the field (``frames[3].hands[0].normalised``).

The value, as ``frontend/src/take.js`` builds it (points in the store's spaces, ``core/types.py``)::

    {"kind": "take", "take_id": str, "project": str, "class_name": str,
     "frame_size": [width, height],                       # pixels of the unmirrored camera frame
     "frames": [{"t": seconds since the take started,
                 "hands": [{"normalised": 21 × [x, y, z],  # x, y in [0, 1] of the unmirrored frame
                            "world": 21 × [x, y, z] | null, # metres
                            "handedness": "Left" | "Right",   # the person's real hand
                            "score": 0..1,
                            "crop": base64 JPEG, 192 × 192}]}]}
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.data.imports.extract import usable_hands
from core.data.imports.take_tickets import TakeError, TakeLedger, TakeTicket, short
from core.data.sql.schema import Sample
from core.data.store import Store
from core.io.crops import check_crop_mode, decode_jpeg
from core.io.limits import LIMITS
from core.skeletons import HAND_21
from core.types import Keypoints

CROP_SIDE = 192  # core.io.crops.hand_crop's size
MAX_CROP_BYTES = 64 * 1024  # a 192 px JPEG at quality 90 is 8-20 kB
MAX_HANDS = 4  # HandLandmarker's numHands on the page is at most 4
POINT_BOUNDS = {"normalised": 4.0, "world": 10.0}  # |value| above this is no hand: x, y beyond 4 frames, z likewise
_HAND_KEYS = {"normalised", "world", "handedness", "score", "crop"}
_HANDEDNESS = ("Left", "Right")


@dataclass
class TakeReport:
    """What a take stored: as ``ui.webcam.recorder.RecordStatus`` counts a server-path take."""

    stored: int = 0
    attempts: int = 0  # frames looked at
    rejected: Counter[str] = field(default_factory=Counter)
    sample_ids: list[int] = field(default_factory=list)


def store_take(store: Store, value: object, ledger: TakeLedger, backend: str = "mediapipe",
               now: float | None = None) -> TakeReport:  # fmt: skip
    """Check ``value`` whole, then store its usable hands in one transaction; ``TakeError`` names the field.

    The take must answer the ledger's open ticket in its time (``TakeLedger.redeem``, at ``now``: monotonic s)."""
    ticket, samples, report = read_take(value, ledger, backend, now)
    return store_samples(store, ticket, samples, report)


def store_samples(store: Store, ticket: TakeTicket, samples: list[Sample], report: TakeReport) -> TakeReport:
    """``read_take``'s samples stored in one transaction, into the project the ticket was issued for."""
    # the project the ticket was issued for, checked in the write: gone meanwhile (its student deleted mid-take)
    # refuses the take (``ProjectReplacedError``), even with no usable hand in it
    report.sample_ids = store.add_samples(ticket.project, samples, identity=ticket.project_identity)
    report.stored = len(report.sample_ids)
    return report


def read_take(value: object, ledger: TakeLedger, backend: str = "mediapipe",
              now: float | None = None) -> tuple[TakeTicket, list[Sample], TakeReport]:  # fmt: skip
    """``store_take`` without the store: (its ticket, the samples of its usable hands, the frames' counts), so a
    page may ask before storing them (Live's *Teach it here*: ``core.gestures.take_check``). The ticket is used."""
    if not isinstance(value, Mapping):
        raise TakeError(f"the take must be a JSON object, got {type(value).__name__}")
    ticket = ledger.redeem(value.get("take_id"), now)
    frames = parse_take(value, ticket)
    report = TakeReport()
    samples = []
    for hands in frames:
        report.attempts += 1
        usable, reason = usable_hands([hand for hand, _ in hands], ticket.extract)
        if reason:
            report.rejected[reason] += 1
            continue
        crops = {id(hand): crop for hand, crop in hands}
        samples += [Sample(hand, ticket.class_name, "webcam", "", None, crop_jpeg=crops[id(hand)], backend=backend)
                    for hand in usable]  # fmt: skip
    return ticket, samples, report


def parse_take(value: Mapping, ticket: TakeTicket) -> list[list[tuple[Keypoints, bytes]]]:
    """Each frame's (hand, crop JPEG) pairs of a take value, every field checked against ``ticket``."""
    for name in ("project", "class_name"):
        if value.get(name) != getattr(ticket, name):
            raise TakeError(f"{name}: this take was started for {getattr(ticket, name)!r}, "
                            f"not {short(value.get(name))}; nothing stored")  # fmt: skip
    size = frame_size_of(value.get("frame_size"))
    frames = value.get("frames")
    if not isinstance(frames, list):
        raise TakeError(f"frames: expected a list, got {type(frames).__name__}")
    if not 1 <= len(frames) <= ticket.max_frames:
        raise TakeError(f"frames: a take of {ticket.duration:g} s at {ticket.rate:g} a second holds 1 to "
                        f"{ticket.max_frames} frames, got {len(frames)}")  # fmt: skip
    times = [ticket.check_frame_time(f.get("t") if isinstance(f, Mapping) else None, f"frames[{i}].t")
             for i, f in enumerate(frames)]  # fmt: skip
    if any(later < earlier for earlier, later in zip(times, times[1:], strict=False)):
        raise TakeError("frames: their times (t) must not go back; nothing stored")
    return [_frame(frame, f"frames[{i}]", size) for i, frame in enumerate(frames)]


def frame_size_of(size: object) -> tuple[int, int]:
    ok = isinstance(size, list) and len(size) == 2 and all(type(v) is int and v > 0 for v in size)
    if not ok or max(size) > LIMITS.image_side:  # type: ignore[arg-type]
        raise TakeError(f"frame_size: expected [width, height] in whole pixels up to {LIMITS.image_side}, "
                        f"got {short(size)}")  # fmt: skip
    return size[0], size[1]  # type: ignore[index]


def _frame(frame: object, where: str, size: tuple[int, int]) -> list[tuple[Keypoints, bytes]]:
    hands = frame.get("hands") if isinstance(frame, Mapping) else None
    if not isinstance(hands, list):
        raise TakeError(f"{where}.hands: expected a list of hands")
    if len(hands) > MAX_HANDS:
        raise TakeError(f"{where}.hands: at most {MAX_HANDS} hands a frame, got {len(hands)}")
    return [_hand(hand, f"{where}.hands[{h}]", size) for h, hand in enumerate(hands)]


def _hand(hand: object, where: str, size: tuple[int, int]) -> tuple[Keypoints, bytes]:
    if not isinstance(hand, Mapping) or set(hand) != _HAND_KEYS:
        keys = sorted(hand) if isinstance(hand, Mapping) else type(hand).__name__
        raise TakeError(f"{where}: expected the fields {sorted(_HAND_KEYS)}, got {short(keys)}")
    normalised = points_21(hand["normalised"], f"{where}.normalised", POINT_BOUNDS["normalised"])
    world = None if hand["world"] is None else points_21(hand["world"], f"{where}.world", POINT_BOUNDS["world"])
    if hand["handedness"] not in _HANDEDNESS:
        raise TakeError(f"{where}.handedness: expected 'Left' or 'Right', got {short(hand['handedness'])}")
    score = score_of(hand["score"], f"{where}.score")
    crop = crop_jpeg(hand["crop"], f"{where}.crop")
    return tab_keypoints(normalised, world, hand["handedness"], score, size), crop


def score_of(score: object, where: str) -> float:
    """MediaPipe's confidence in a hand, as the tab sent it: a number from 0 to 1."""
    if type(score) not in (int, float) or not 0.0 <= score <= 1.0:  # type() is: a bool is no score
        raise TakeError(f"{where}: expected a number from 0 to 1, got {short(score)}")
    return float(score)  # type: ignore[arg-type]


def tab_keypoints(normalised: np.ndarray, world: np.ndarray | None, handedness: str, score: float,
                  size: tuple[int, int]) -> Keypoints:  # fmt: skip
    """A hand the tab found, checked, as ``Keypoints``: (21, 3) normalised points, (21, 3) world points or None
    (NaN), the frame's (width, height); pixels as ``core.keypoints.landmarks`` computes them."""
    pixel = normalised[:, :2] * np.array(size, np.float32)
    world = np.full((HAND_21.num_joints, 3), np.nan, np.float32) if world is None else world
    return Keypoints(pixel.astype(np.float32), normalised, world, handedness, score, size)


def points_21(points: object, where: str, bound: float) -> np.ndarray:
    """(21, 3) float32 from 21 lists of 3 finite numbers within ±``bound``; checked before any array is made."""
    k = HAND_21.num_joints
    if not isinstance(points, list) or len(points) != k:
        got = f"{len(points)} points" if isinstance(points, list) else type(points).__name__
        raise TakeError(f"{where}: expected {k} points of [x, y, z], got {got}")
    for j, point in enumerate(points):
        if not isinstance(point, list) or len(point) != 3:
            raise TakeError(f"{where}[{j}]: expected [x, y, z], got {short(point)}")
        for v in point:
            if type(v) not in (int, float) or not math.isfinite(v) or abs(v) > bound:
                raise TakeError(f"{where}[{j}]: expected finite numbers within ±{bound:g}, got {short(point)}")
    return np.asarray(points, np.float32)


def crop_jpeg(text: object, where: str) -> bytes:
    """The JPEG bytes of a base64 crop: length, magic and header (192 × 192) checked before it is decoded."""
    if not isinstance(text, str):
        raise TakeError(f"{where}: expected a base64 JPEG, got {type(text).__name__}")
    if len(text) > (MAX_CROP_BYTES + 2) // 3 * 4:
        raise TakeError(f"{where}: {len(text) * 3 // 4:,} bytes, over the crop limit of {MAX_CROP_BYTES:,} bytes")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TakeError(f"{where}: not base64 ({exc})") from None
    if not data.startswith(b"\xff\xd8\xff"):
        raise TakeError(f"{where}: not a JPEG (it starts with {data[:4].hex() or 'nothing'})")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            shape, mode = (image.format, image.size), image.mode
        check_crop_mode(mode)
    except (UnidentifiedImageError, OSError) as exc:
        raise TakeError(f"{where}: not a readable JPEG ({exc})") from None
    except ValueError as exc:
        raise TakeError(f"{where}: {exc}") from None
    if shape != ("JPEG", (CROP_SIDE, CROP_SIDE)):
        raise TakeError(f"{where}: expected a {CROP_SIDE}×{CROP_SIDE} JPEG, got {shape[0]} {shape[1][0]}×{shape[1][1]}")
    try:
        decode_jpeg(data)
    except ValueError as exc:
        raise TakeError(f"{where}: the JPEG does not decode ({exc})") from None
    return data
