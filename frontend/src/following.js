// Follow the hand a person is showing, as the server path does (core/keypoints/following.py, its rules and
// numbers): with "Hands to follow: 1", HandLandmarker in video mode keeps the first hand its palm detector found
// (a hand cut by the bottom edge) and never looks again while it holds it. Asking it for one hand more on every
// frame would find both, at the cost of a palm detection on every frame. Instead, every `lookEvery` frames a
// second landmarker in image mode looks for one hand more; when another hand is clearly more prominent than a
// followed one on `switchAfter` looks in a row, the followed hand is painted over in the frames the tracker sees
// (`maskFrames` at most) until it follows the shown hand.

import { handBox } from "./hands.js";

export const FOLLOW = {
  edgeMargin: 0.02, // a joint closer than this share of the frame to its edge counts as outside
  fullSize: 0.15, // a hand this share of the frame's shorter side or bigger counts as full size
  switchRatio: 1.25, // another hand must be this many times as prominent as a followed one...
  switchAfter: 3, // ...on this many looks in a row
  // frames between looks for another hand: once a second at 30 fps. The server looks every 10th frame; here a
  // look (the image-mode landmarker) every 10th frame cost 4-5 ms a frame on average, 28 -> 24 frames a second
  lookEvery: 30,
  lookAgain: 2, // frames between looks while another hand seemed better
  maskFrames: 3, // frames at most the dropped hand is painted over in the tracker's input
  maskMargin: 0.25, // the painted box grows by this share of the hand's size on each side
};

export function boxIou(a, b) {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy, union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

// How clearly a hand is shown, in [0, 1]: size × wholeness⁴ × centrality × confidence (core's `prominence`).
export function prominence(hand, width, height, config = FOLLOW) {
  const m = config.edgeMargin;
  const inside = hand.normalised.filter(([x, y]) => x >= m && x <= 1 - m && y >= m && y <= 1 - m).length / hand.normalised.length;
  const [x0, y0, x1, y1] = handBox(hand, width, height);
  const size = Math.min(1, Math.max(x1 - x0, y1 - y0) / (config.fullSize * Math.min(width, height)));
  const cx = (x0 + x1) / 2 / width - 0.5, cy = (y0 + y1) / 2 / height - 0.5;
  const centrality = 1 - 0.5 * Math.min(1, Math.hypot(cx, cy) / Math.sqrt(0.5));
  return size * inside ** 4 * centrality * hand.score;
}

export function sameHand(a, b, width, height) {
  return boxIou(handBox(a, width, height), handBox(b, width, height)) >= 0.3;
}

// The hysteresis (core's HandChooser): the followed hand to let go of, from looks at the same frames.
export class HandChooser {
  constructor(config = FOLLOW) {
    Object.assign(this, { config, better: 0 });
  }

  look(followed, seen, width, height) {
    const others = seen.filter((h) => !followed.some((f) => sameHand(h, f, width, height)));
    if (!followed.length || !others.length) {
      this.better = 0;
      return null;
    }
    const score = (hand) => prominence(hand, width, height, this.config);
    const weakest = followed.reduce((a, b) => (score(b) < score(a) ? b : a));
    const asSeen = seen.find((h) => sameHand(h, weakest, width, height)) || weakest; // like with like
    const best = Math.max(...others.map(score));
    this.better = best >= this.config.switchRatio * score(asSeen) ? this.better + 1 : 0;
    if (this.better < this.config.switchAfter) return null;
    this.better = 0;
    return weakest;
  }
}

// The tracker of `follow` hands that turns to the hand being shown. `track(frame, again)` and `scout(frame)` return
// the hands (storeHand objects) of a video-mode and an image-mode landmarker (`again`: the same frame a second
// time); `masked(frame, box)` returns the frame with the pixel box painted over. Frames are whatever those functions
// take (a video element, a canvas).
export class Following {
  constructor(track, scout, masked, config = FOLLOW) {
    Object.assign(this, { track, scout, masked, config, chooser: new HandChooser(config) });
    Object.assign(this, { looks: 0, switches: 0, sinceLook: 0, dropped: null, maskLeft: 0, before: 0 });
  }

  process(frame, follow, width, height) {
    if (this.dropped) return this.processMasked(frame, follow, width, height);
    let hands = this.track(frame);
    // A hand followed on the frame before and lost on this one (it jumped: a cut in a video, a fast move): the
    // tracker looks with its palm detector only on a frame after one with fewer hands, so the hand would be missing
    // for this frame; asked again on the same frame, it looks now. A hand that left costs one palm detection.
    if (hands.length < Math.min(follow, this.before)) hands = this.track(frame, true);
    this.before = hands.length;
    this.sinceLook += 1;
    const every = this.chooser.better ? this.config.lookAgain : this.config.lookEvery;
    // fewer hands than followed: the palm detector already looks on every frame
    if (hands.length >= follow && this.sinceLook >= every) {
      this.sinceLook = 0;
      this.looks += 1;
      const drop = this.chooser.look(hands, this.scout(frame), width, height);
      if (drop) {
        Object.assign(this, { dropped: drop, maskLeft: this.config.maskFrames });
        this.switches += 1;
      }
    }
    return hands;
  }

  processMasked(frame, follow, width, height) {
    const dropped = this.dropped;
    const hands = this.track(this.masked(frame, handBox(dropped, width, height, this.config.maskMargin)));
    this.maskLeft -= 1;
    const movedOn = hands.length >= follow && !hands.some((h) => sameHand(h, dropped, width, height));
    this.before = hands.length;
    if (movedOn || this.maskLeft === 0) Object.assign(this, { dropped: null, sinceLook: 0 });
    return hands;
  }
}
