"""Annotators: skeletons (hands, bodies, any ``core.skeletons`` layout), labels, top-3 bars and timings.

``WEBCAM_STYLE`` is the webcam's look, the browser path's (``frontend/src/draw.js``); ``DEFAULT_STYLE`` colours a
skeleton's parts (photos, files, the CPM's views).

Every public function takes an (H, W, 3) uint8 **RGB** frame and returns an annotated
copy; the input is never modified. Colours in ``DrawStyle`` are RGB tuples (OpenCV
draws whatever triple it is given, so no BGR swap is needed as long as the canvas is RGB).
OpenCV's Hershey fonts are ASCII-only: labels are plain text ("thumbs up 97% (Right)"),
never emoji, and other characters are drawn as '?'.

The ``_*_on`` helpers draw in place on a canvas the caller owns, so ``draw_result``
copies the frame once however many hands it shows (about 1 ms at 640×480).
``skeleton_on`` is the one skeleton painter and ``DrawStyle`` the one palette: the CPM's
views (``core.viz.belief_views``) paint their poses with them too. Bones and colours come
from the keypoints' skeleton: a joint takes its colour group's colour, a bone the group
both its ends share (``Skeleton.bone_group``) or the joining colour; joints the detector
rates below ``DrawStyle.min_visibility`` are drawn as rings and their bones left out.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt

from core.gestures.catalog import shown_name
from core.gestures.pipeline import FrameResult
from core.gestures.sureness import card
from core.skeletons import HAND_21, Skeleton
from core.types import UNKNOWN_LABEL, Keypoints, Prediction, RGBImage

Colour = tuple[int, int, int]
_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class DrawStyle:
    """How annotations look. Sizes are for a 480-pixel-high frame and scale with the frame."""

    # RGB per colour group of ``core.skeletons`` (hand: palm and fingers; body: face, arms, torso, legs).
    group_colours: tuple[tuple[str, Colour], ...] = (
        ("palm", (220, 220, 220)),
        ("thumb", (255, 138, 0)),
        ("index", (255, 214, 0)),
        ("middle", (48, 214, 96)),
        ("ring", (0, 168, 255)),
        ("pinky", (230, 60, 160)),  # magenta: the violet (210, 80, 255) was the ring's blue for deuteranopia
        ("face", (235, 235, 235)),
        ("left_arm", (255, 138, 0)),  # the person's left in warm colours, right in cool ones
        ("right_arm", (0, 168, 255)),
        ("torso", (255, 214, 0)),
        ("left_leg", (255, 80, 120)),
        ("right_leg", (48, 214, 96)),
    )
    joining_colour: Colour = (220, 220, 220)  # bones between groups (a hand's knuckle line) and ungrouped joints
    palette: tuple[Colour, ...] = ((255, 138, 0), (255, 214, 0), (48, 214, 96), (0, 168, 255), (230, 60, 160))
    min_visibility: float = 0.5  # a joint rated below this is drawn as a ring, its bones left out
    line_thickness: float = 2.0
    joint_radius: float = 3.5
    font_scale: float = 0.55
    text_colour: Colour = (255, 255, 255)
    label_colour: Colour = (20, 120, 60)  # label background when a gesture is recognised
    unknown_colour: Colour = (90, 90, 90)  # label background for "unknown" or no classifier
    bar_width: float = 130.0  # full-confidence bar length in pixels
    bar_colour: Colour = (48, 170, 96)
    bar_background: Colour = (40, 40, 40)
    show_top3: bool = True  # draw_result: bars under each recognised hand
    # One colour for every bone, one for every joint (drawn as a square), instead of the groups' colours (None)
    bone_colour: Colour | None = None
    joint_colour: Colour | None = None
    label_opacity: float = 1.0  # the label's box over the picture (1: solid)
    unknown_text_colour: Colour | None = None  # the text of an "unknown" label (None: ``text_colour``)
    text_weight: float = 1.0  # the stroke of text, times the frame's scale
    # Drawn under every bone and joint, ``outline_width`` px wider on each side: a dark edge round a light line stands
    # out on light skin and walls, the light line on dark ones (None: no outline)
    outline_colour: Colour | None = None
    outline_width: float = 0.0

    def group_colour(self, skeleton: Skeleton, group: str) -> Colour:
        """The colour of ``group``: named in ``group_colours``, else by its place in ``skeleton.groups``."""
        named = dict(self.group_colours)
        if group in named:
            return named[group]
        if not group:
            return self.joining_colour
        order = [name for name, _ in skeleton.groups]
        return self.palette[order.index(group) % len(self.palette)]

    def scale(self, rgb: RGBImage) -> float:
        """Size factor for this frame: 1.0 at 480 pixels on the shorter side."""
        return max(0.5, min(rgb.shape[:2]) / 480.0)


DEFAULT_STYLE = DrawStyle()
# The webcam's look on both paths: what the browser path's tab draws (frontend/src/draw.js: green 3-pixel bones,
# 6-pixel red squares for joints, one label in bold on a black box at 60%, amber when unknown, no bars), so that
# Live and Record look the same whichever machine finds the hands. The card beside the video has the bars.
WEBCAM_STYLE = DrawStyle(
    bone_colour=(48, 224, 96),  # #30e060
    joint_colour=(255, 48, 96),  # #ff3060
    line_thickness=3.0,
    joint_radius=3.0,
    font_scale=0.75,
    text_weight=2.0,
    label_colour=(0, 0, 0),
    unknown_colour=(0, 0, 0),
    label_opacity=0.6,
    unknown_text_colour=(255, 204, 102),  # #ffcc66
    show_top3=False,
    outline_colour=(0, 0, 0),  # the bones' green and the joints' red alone were 1.1-1.6:1 on light skin
    outline_width=2.0,
)
# The contrast theme's webcam (ui/common/theme.py): white bones and yellow joints, each on a black edge, thicker
WEBCAM_CONTRAST_STYLE = replace(
    WEBCAM_STYLE, bone_colour=(255, 255, 255), joint_colour=(255, 230, 0), line_thickness=4.0, joint_radius=4.0
)


def _check_frame(rgb: RGBImage) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got shape {rgb.shape} dtype {rgb.dtype}")


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def skeleton_on(
    canvas: RGBImage,
    pixel: npt.NDArray[np.floating],
    style: DrawStyle = DEFAULT_STYLE,
    scale: float | None = None,
    hollow: npt.NDArray[np.bool_] | None = None,
    skeleton: Skeleton = HAND_21,
    hidden: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Draw bones and joints of (K, 2) image px points of ``skeleton`` in place on an RGB ``canvas``.

    ``scale`` multiplies the style's sizes (default: ``style.scale(canvas)``); joints where
    ``hollow`` (K,) is True are drawn as rings (the CPM marks its unsure joints so), joints where
    ``hidden`` (K,) is True as rings without their bones (a body's joints out of view).
    """
    scale = style.scale(canvas) if scale is None else scale
    thickness = max(1, round(style.line_thickness * scale))
    radius = max(1, round(style.joint_radius * scale))
    points = np.round(pixel).astype(np.int32)
    skip = np.zeros(len(points), bool) if hidden is None else np.asarray(hidden, bool)
    ring = skip if hollow is None else skip | np.asarray(hollow, bool)
    bone_colours, joint_colours = _colours(style, skeleton)
    if style.outline_colour is not None and style.outline_width > 0:
        edge = max(1, round(style.outline_width * scale))
        for a, b in skeleton.edges:
            if not (skip[a] or skip[b]):
                cv2.line(canvas, tuple(points[a]), tuple(points[b]), style.outline_colour, thickness + 2 * edge,
                         cv2.LINE_AA)  # fmt: skip
        square = style.joint_colour is not None
        for joint, (x, y) in enumerate(points):  # a ring's edge is a ring too: the joint stays open
            fill = thickness + 2 * edge if ring[joint] else -1
            _joint_on(canvas, int(x), int(y), radius + (0 if ring[joint] else edge), style.outline_colour, fill, square)
    for (a, b), colour in zip(skeleton.edges, bone_colours, strict=True):
        if not (skip[a] or skip[b]):
            cv2.line(canvas, tuple(points[a]), tuple(points[b]), colour, thickness, cv2.LINE_AA)
    for joint, ((x, y), colour) in enumerate(zip(points, joint_colours, strict=True)):
        fill = thickness if ring[joint] else -1
        _joint_on(canvas, int(x), int(y), radius, colour, fill, square=style.joint_colour is not None)


def _joint_on(canvas: RGBImage, x: int, y: int, radius: int, colour: Colour, fill: int, square: bool) -> None:
    """A joint: a disc (or a ring, ``fill`` > 0), or the browser's square when ``square``."""
    if square:
        cv2.rectangle(canvas, (x - radius, y - radius), (x + radius, y + radius), colour, fill)
    else:
        cv2.circle(canvas, (x, y), radius, colour, fill, cv2.LINE_AA)


@functools.cache
def _colours(style: DrawStyle, skeleton: Skeleton) -> tuple[tuple[Colour, ...], tuple[Colour, ...]]:
    """(bone colours in ``skeleton.edges`` order, joint colours): looked up once per style and skeleton,
    not per frame (the painter runs on every live frame)."""
    groups = [skeleton.bone_group(a, b) for a, b in skeleton.edges]
    bones = tuple(style.bone_colour or style.group_colour(skeleton, group) for group in groups)
    joints = range(skeleton.num_joints)
    return bones, tuple(style.joint_colour or style.group_colour(skeleton, skeleton.group_of(j)) for j in joints)


def _skeleton_of_on(canvas: RGBImage, hand: Keypoints, style: DrawStyle) -> None:
    """``skeleton_on`` for keypoints: their skeleton, their hidden joints as rings."""
    hidden = None if hand.visibility is None else hand.visibility < style.min_visibility
    skeleton_on(canvas, hand.pixel, style, skeleton=hand.skeleton, hidden=hidden)


def _text_box_on(canvas: RGBImage, text: str, origin: tuple[int, int], background: Colour, style: DrawStyle,
                 opacity: float = 1.0, colour: Colour | None = None) -> int:  # fmt: skip
    """Text (``colour``, default the style's) on a box filled at ``opacity`` whose top-left is ``origin`` (clamped
    into the frame, so a label near the right edge is moved in whole, never cut). Returns the box height."""
    scale = style.scale(canvas)
    font_scale, thickness = style.font_scale * scale, max(1, round(style.text_weight * scale))
    (tw, th), baseline = cv2.getTextSize(text, _FONT, font_scale, thickness)
    pad = max(2, round(3 * scale))
    box_w, box_h = tw + 2 * pad, th + baseline + 2 * pad
    height, width = canvas.shape[:2]
    x = int(np.clip(origin[0], 0, max(0, width - box_w)))
    y = int(np.clip(origin[1], 0, max(0, height - box_h)))
    if opacity >= 1.0:
        cv2.rectangle(canvas, (x, y), (x + box_w, y + box_h), background, -1)
    else:  # blended over the box's pixels only: a few thousand, not the frame
        box = canvas[y : y + box_h + 1, x : x + box_w + 1]
        cv2.addWeighted(box, 1.0 - opacity, np.full_like(box, background), opacity, 0.0, dst=box)
    cv2.putText(canvas, text, (x + pad, y + pad + th), _FONT, font_scale, colour or style.text_colour, thickness,
                cv2.LINE_AA)  # fmt: skip
    return box_h


def label_text(hand: Keypoints, prediction: Prediction | None) -> str:
    """ASCII label such as "thumbs up 97% (Right)" (``Prediction.short_text``: the name as the pages show it); just "(Right)" without a prediction.

    A body has no handedness: "t_pose 97%", and "" (no label drawn) without a prediction. The score is a
    percentage, as Live's card writes it (``ui.webcam.answers``: the card shows the label drawn here).
    """
    side = f"({hand.handedness})" if hand.skeleton == HAND_21 or hand.handedness != "Unknown" else ""
    if prediction is None:
        return side
    return _ascii(f"{prediction.short_text()} {side}".rstrip())  # the number only where it decided


def _hand_box(hand: Keypoints, width: int, mirrored: bool) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = hand.bbox(margin=0.1)
    if mirrored:  # the canvas is flipped left-right: so is the hand's box
        x0, x1 = width - x1, width - x0
    return int(x0), int(y0), int(x1), int(y1)


def _label_on(
    canvas: RGBImage, hand: Keypoints, prediction: Prediction | None, style: DrawStyle, mirrored: bool
) -> int:
    """Label above the hand's box (below it when there is no room). Returns the y under both box and label."""
    x0, y0, _, y1 = _hand_box(hand, canvas.shape[1], mirrored)
    known = prediction is not None and prediction.label != UNKNOWN_LABEL
    background = style.label_colour if known else style.unknown_colour
    text = label_text(hand, prediction)
    if not text:  # a body without a prediction: nothing to say
        return y1
    _, th = cv2.getTextSize(text, _FONT, style.font_scale * style.scale(canvas), 1)[0]
    above = y0 - th - 12 * style.scale(canvas)
    top = int(above) if above >= 0 else y1
    colour = style.text_colour if known or style.unknown_text_colour is None else style.unknown_text_colour
    return max(y1, top + _text_box_on(canvas, text, (x0, top), background, style, style.label_opacity, colour))


def _top3_on(canvas: RGBImage, prediction: Prediction, origin: tuple[int, int], style: DrawStyle) -> None:
    scale = style.scale(canvas)
    font_scale, thickness = 0.8 * style.font_scale * scale, max(1, round(scale))
    bar_w = round(style.bar_width * scale)
    row_h = cv2.getTextSize("Ag", _FONT, font_scale, thickness)[0][1] + round(8 * scale)
    rows = card(prediction).bars  # Live's card's bars: under "unknown" none reads as a sure answer
    height, width = canvas.shape[:2]
    x = int(np.clip(origin[0], 0, max(0, width - bar_w)))
    y = int(np.clip(origin[1], 0, max(0, height - row_h * len(rows))))
    for i, bar in enumerate(rows):
        top = y + i * row_h
        cv2.rectangle(canvas, (x, top), (x + bar_w, top + row_h - 2), style.bar_background, -1)
        cv2.rectangle(canvas, (x, top), (x + round(bar_w * bar.fill), top + row_h - 2), style.bar_colour, -1)
        text = _ascii(bar.text(shown_name(bar.name)))  # as the card's bars: "open palm", not "open_palm"
        cv2.putText(canvas, text, (x + 3, top + row_h - round(6 * scale)), _FONT, font_scale, style.text_colour,
                    thickness, cv2.LINE_AA)  # fmt: skip


def _timings_on(canvas: RGBImage, timings_ms: Mapping[str, float], fps: float | None, style: DrawStyle) -> None:
    lines = [f"{fps:.1f} fps"] if fps is not None else []
    lines += [f"{name} {ms:.1f} ms" for name, ms in timings_ms.items()]
    y = 0
    for line in lines:
        y += _text_box_on(canvas, _ascii(line), (0, y), (0, 0, 0), style)


def draw_skeleton(rgb: RGBImage, hand: Keypoints, style: DrawStyle = DEFAULT_STYLE) -> RGBImage:
    """Copy of ``rgb`` with the keypoints' bones (coloured per group: a hand's fingers) and joints drawn."""
    _check_frame(rgb)
    canvas = rgb.copy()
    _skeleton_of_on(canvas, hand, style)
    return canvas


def draw_label(
    rgb: RGBImage, hand: Keypoints, prediction: Prediction | None, style: DrawStyle = DEFAULT_STYLE
) -> RGBImage:
    """Copy of ``rgb`` with "label score (Handedness)" next to the hand's box."""
    _check_frame(rgb)
    canvas = rgb.copy()
    _label_on(canvas, hand, prediction, style, mirrored=False)
    return canvas


def draw_top3(
    rgb: RGBImage, prediction: Prediction | None, origin: tuple[int, int] = (8, 8), style: DrawStyle = DEFAULT_STYLE
) -> RGBImage:
    """Copy of ``rgb`` with three confidence bars (best class first), top-left corner at ``origin`` (x, y)."""
    _check_frame(rgb)
    canvas = rgb.copy()
    if prediction is not None and prediction.probabilities:
        _top3_on(canvas, prediction, origin, style)
    return canvas


def draw_timings(
    rgb: RGBImage, timings_ms: Mapping[str, float], fps: float | None = None, style: DrawStyle = DEFAULT_STYLE
) -> RGBImage:
    """Copy of ``rgb`` with frames per second and "stage 12.3 ms" lines in the top-left corner."""
    _check_frame(rgb)
    canvas = rgb.copy()
    _timings_on(canvas, timings_ms, fps, style)
    return canvas


def draw_result(
    rgb: RGBImage, result: FrameResult, mirror_text: bool = False, style: DrawStyle = DEFAULT_STYLE
) -> RGBImage:
    """Copy of ``rgb`` with every hand of ``result``: skeleton, label and (when predicted) top-3 bars.

    Args:
        rgb: (H, W, 3) uint8 RGB, the unmirrored frame the result was computed on.
        mirror_text: the frame will be shown mirrored (a selfie preview): text is drawn
            mirrored and at mirrored positions, so it reads correctly after the flip.
    """
    _check_frame(rgb)
    canvas = rgb.copy()
    if not result.hands:
        return canvas
    for hand in result.hands:
        _skeleton_of_on(canvas, hand, style)
    if mirror_text:
        # cv2.flip, not a numpy [:, ::-1] copy: ~0.1 ms against ~4.5 ms at 640×480
        canvas = cv2.flip(canvas, 1)  # draw text on the view the user will see...
    for hand, prediction in zip(result.hands, result.predictions, strict=True):
        below = _label_on(canvas, hand, prediction, style, mirror_text)
        if style.show_top3 and prediction is not None and prediction.probabilities:
            x0 = _hand_box(hand, canvas.shape[1], mirror_text)[0]
            _top3_on(canvas, prediction, (x0, below + 2), style)
    return cv2.flip(canvas, 1) if mirror_text else canvas  # ...then flip it back
