// Whether this device keeps up with the full hand model (issue 55). On a slow laptop the full model's frames take
// 150-250 ms (5 labelled frames a second, the label trailing the hand); the wheel's lite pair
// (hand_landmarker_lite.task, frontend/scripts/make_task.py) does the same job in about half the time, its
// keypoints a few pixels from the full model's. The tab measures its own frames' work, and once the median of
// the recent ones is too long for about 10 frames a second it turns to the lite model, for good: going back and
// forth would change the keypoints the label is decided on. A device found slow is remembered (localStorage), so
// that its next visit starts on the lite model and draws its first label sooner.

export const PACE = {
  skipFirst: 5, // the first frames pay for one-time work (compiling, the first allocations): not counted
  minFrames: 10, // frames measured before the first verdict (at 4-5 frames a second, about 2-3 s)
  window: 30, // the running median's frames
  // a median frame's work above this turns the tab to the lite model: 10 frames a second, not 15, as a loaded test
  // machine's ordinary tab (full model, 40-70 ms a frame) turned lite at 15 where a laptop 4x slower takes 130 ms
  slowMs: 1000 / 10,
  // a tab started on the lite model by memory whose frames take under this forgets it: the next visit starts full
  // (the full model costs 2-3 times the lite one, so such a device would stay under slowMs)
  fastLiteMs: 1000 / 10 / 3,
  // a page whose frames on the lite model still take longer than this (under 15 a second) tries the hand worker
  // (handmodels.js), and keeps whichever had the shorter median frame
  tryWorkerMs: 1000 / 15,
};

export const MODELS = { full: "hand_landmarker.task", lite: "hand_landmarker_lite.task" };
const REMEMBERED = "handteach.handModel";

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b), middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// `add(ms)` each frame's work on the model `model` ("full" or "lite"); it returns the verdict once, on the frame
// that settles it: "lite" (turn to the lite model), "keep" (stay on this one), then null ever after.
export class Pace {
  constructor(model, config = PACE) {
    Object.assign(this, { model, config, times: [], seen: 0, verdict: null });
  }

  add(ms) {
    this.seen += 1;
    if (this.verdict || this.seen <= this.config.skipFirst) return null;
    this.times.push(ms);
    if (this.times.length > this.config.window) this.times.shift();
    if (this.times.length < this.config.minFrames) return null;
    this.verdict = this.model === "full" && this.median() > this.config.slowMs ? "lite" : "keep";
    return this.verdict;
  }

  median() {
    return this.times.length ? median(this.times) : null;
  }

  // what the next visit should start on, once the verdict is in: null to leave the memory as it is
  remember() {
    if (this.verdict === "lite") return "lite";
    if (this.model === "lite" && this.verdict === "keep" && this.median() < this.config.fastLiteMs) return "full";
    return null;
  }
}

// The model a visit starts on: "lite" where this device was found slow before, else "full". Storage may be
// missing or refuse (a sandboxed frame, private browsing): then "full".
export function startingModel(storage = globalThis.localStorage) {
  try {
    return storage && storage.getItem(REMEMBERED) === "lite" ? "lite" : "full";
  } catch {
    return "full";
  }
}

export function rememberModel(model, storage = globalThis.localStorage) {
  try {
    if (model === "lite") storage.setItem(REMEMBERED, "lite");
    else storage.removeItem(REMEMBERED);
  } catch {
    /* not remembered: the next visit measures again */
  }
}
