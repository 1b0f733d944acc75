// How many of a hand's recent answers the editor's tab averages (decide.js's Smoother). Live averages the last 5
// (SMOOTHING_FRAMES): a quarter of a second at the 15-25 labelled frames a second of a laptop, but 1.5 s and more on a
// slow or busy one (3 a second), where a game then reacted over a second after the gesture changed. Here the window
// is the same time, SMOOTHING_S, whatever the pace: 5 answers at 15 a second or more, fewer below, 1 at 3 or fewer.

import { SMOOTHING_FRAMES } from "../../frontend/src/decide.js";
import { median } from "../../frontend/src/pace.js";

export const SMOOTHING_S = SMOOTHING_FRAMES / 15;
const GAPS = 9; // the pace is the median of this many recent gaps between frames: one hiccup does not change it

// `frameMs`: the typical gap between the tab's frames (null while unknown).
export function smoothingFrames(frameMs) {
  if (!(frameMs > 0)) return SMOOTHING_FRAMES;
  return Math.max(1, Math.min(SMOOTHING_FRAMES, Math.round((SMOOTHING_S * 1000) / frameMs)));
}

// The tab's pace: `add(now)` at each frame, `ms` the median gap between the recent ones (null before two).
export class FramePace {
  constructor() {
    Object.assign(this, { last: null, gaps: [] });
  }

  add(now) {
    if (this.last !== null) this.gaps = this.gaps.concat([now - this.last]).slice(-GAPS);
    this.last = now;
  }

  get ms() {
    return this.gaps.length ? median(this.gaps) : null;
  }
}
