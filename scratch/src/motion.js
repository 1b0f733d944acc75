// Motion projects in the editor's tab: the app's spotter (core/motion/spotting.py) and the clip's cutting
// (core/motion/features.py: gaps filled, still ends trimmed, the path resampled in time), so the tab fires
// "when I do [swipe ▾]" itself and the server does nothing per frame. The hand's shape is read by the ONNX graph
// (core/motion/onnx_export.py); what the graph is given here is checked against that module's graph_inputs on the
// same clips (tests/test_scratch_motion.py). Pure: node's tests import it (and frameloop.js) without a browser.

import { oneAtATime } from "../../frontend/src/frameloop.js";

// One frame's skeleton size in pixels: the mean of its scale segments, else the reach from its root; a one-point
// skeleton (a fingertip) takes a fifth of the image height (core.motion.features.skeleton_size).
export function skeletonSize(pixels, skeleton, imageHeight) {
  if (skeleton.joints === 1) return imageHeight / 5;
  if (skeleton.scale_joints.length) {
    let sum = 0;
    for (const [a, b] of skeleton.scale_joints) sum += Math.hypot(pixels[a][0] - pixels[b][0], pixels[a][1] - pixels[b][1]);
    return sum / skeleton.scale_joints.length;
  }
  const [rx, ry] = rootOf(pixels, skeleton);
  return Math.max(...pixels.map(([x, y]) => Math.hypot(x - rx, y - ry)));
}

function rootOf(points, skeleton) {
  let x = 0, y = 0;
  for (const j of skeleton.root_joints) [x, y] = [x + points[j][0], y + points[j][1]];
  return [x / skeleton.root_joints.length, y / skeleton.root_joints.length];
}

// np.interp(x, xp, fp) at one x: held at the ends
function interp(x, xp, fp) {
  const n = xp.length;
  if (x <= xp[0]) return fp[0];
  if (x >= xp[n - 1]) return fp[n - 1];
  const j = upperIndex(xp, x);
  const w = (x - xp[j]) / (xp[j + 1] - xp[j]);
  return fp[j] + w * (fp[j + 1] - fp[j]);
}

// the j with xp[j] <= x < xp[j + 1], for xp[0] < x < xp[n - 1]
function upperIndex(xp, x) {
  let low = 0, high = xp.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (xp[mid] <= x) low = mid;
    else high = mid;
  }
  return low;
}

// numpy's percentile (linear) of a list
function percentile(values, q) {
  const sorted = [...values].sort((a, b) => a - b), at = (q / 100) * (sorted.length - 1);
  const low = Math.floor(at), high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (at - low) * (sorted[high] - sorted[low]);
}

// first and last frame (inclusive) that move faster than 15 % of the 95th-percentile speed, padded by 0.1 s
export function motionSpan(path, times, padS = 0.1) {
  const n = path.length;
  if (n < 4) return [0, n - 1];
  const step = [];
  for (let i = 0; i + 3 < n; i++) {
    step.push(Math.hypot(path[i + 3][0] - path[i][0], path[i + 3][1] - path[i][1]) / Math.max(times[i + 3] - times[i], 1e-6));
  }
  const top = percentile(step, 95);
  const moving = top > 0 ? step.flatMap((s, i) => (s > 0.15 * top ? [i] : [])) : step.map((_, i) => i);
  const startT = times[moving[0]] - padS, endT = times[moving[moving.length - 1] + 3] + padS;
  let start = times.findIndex((t) => t >= startT);
  let end = times.length - 1;
  while (end >= 0 && times[end] > endT) end -= 1;
  start = Math.max(0, start < 0 ? n : start);
  end = Math.min(n - 1, end);
  return end - start >= 3 ? [start, end] : [0, n - 1];
}

// The graph's inputs for a clip (frames: [{t, points: K × [x, y, z] normalised, unmirrored | null}], one image
// size): {path, landmarks, resample, frames, imageSize} as flat Float32Arrays, or null where the app would judge no
// clip (fewer than `minFrames`, the hand mostly lost, no size). core.motion.onnx_export.graph_inputs is the reference.
export function graphInputs(frames, imageSize, meta, minFrames = meta.clip.min_frames) {
  const { skeleton, clip: rules } = meta, config = meta.feature_config, k = skeleton.joints;
  const times = frames.map((f) => f.t), known = frames.flatMap((f, i) => (f.points ? [i] : []));
  const count = frames.length;
  if (count < minFrames || known.length < Math.max(Math.floor(minFrames / 2), rules.min_present_share * count)) return null;
  const knownTimes = known.map((i) => times[i]);
  // gaps filled by interpolation in time, every coordinate (core.motion.features.fill_gaps)
  const filled = frames.map((f, i) => (f.points ? f.points.map((p) => [p[0], p[1], p[2] || 0]) : null));
  for (let i = 0; i < count; i++) {
    if (filled[i]) continue;
    filled[i] = Array.from({ length: k }, (_, j) => [0, 1, 2].map((c) => interp(times[i], knownTimes, known.map((n) => frames[n].points[j][c] || 0))));
  }
  const [width, height] = imageSize;
  const pixels = filled.map((points) => points.map(([x, y]) => [-x * width, y * height])); // the user's view
  const path = pixels.map((p) => rootOf(p, skeleton));
  const size = pixels.map((p) => skeletonSize(p, skeleton, height));
  const [start, end] = config.trim ? motionSpan(path, times) : [0, count - 1];
  let scale = 0;
  for (let i = start; i <= end; i++) scale += size[i];
  scale /= end - start + 1;
  if (!Number.isFinite(scale) || scale <= 1e-9) return null;
  const keptTimes = times.slice(start, end + 1), length = config.length;
  const first = keptTimes[0], last = keptTimes[keptTimes.length - 1];
  const grid = Array.from({ length }, (_, i) => (i === length - 1 ? last : first + i * ((last - first) / (length - 1))));
  const relative = path.slice(start, end + 1).map(([x, y]) => [(x - path[start][0]) / scale, (y - path[start][1]) / scale]);
  const steps = grid.map((g) => [0, 1].map((c) => interp(g, keptTimes, relative.map((r) => r[c]))));
  const out = new Float32Array(length * 4), gain = length / 8;
  for (let i = 0; i < length; i++) {
    const before = steps[Math.max(0, i - 1)], after = steps[Math.min(length - 1, i + 1)];
    const span = i === 0 || i === length - 1 ? 1 : 2; // np.gradient: one-sided at the ends
    out.set([steps[i][0], steps[i][1], ((after[0] - before[0]) / span) * gain, ((after[1] - before[1]) / span) * gain], i * 4);
  }
  const kept = end - start + 1, landmarks = new Float32Array(kept * k * 3), resample = new Float32Array(length * kept);
  for (let i = 0; i < kept; i++) filled[start + i].forEach((p, j) => landmarks.set(p, (i * k + j) * 3));
  grid.forEach((g, i) => {
    if (g <= keptTimes[0]) resample[i * kept] = 1;
    else if (g >= keptTimes[kept - 1]) resample[i * kept + kept - 1] = 1;
    else {
      const j = upperIndex(keptTimes, g), w = (g - keptTimes[j]) / (keptTimes[j + 1] - keptTimes[j]);
      resample[i * kept + j] = 1 - w;
      resample[i * kept + j + 1] = w;
    }
  });
  return { path: out, landmarks, resample, frames: kept, imageSize: Float32Array.of(width, height) };
}

// The app's spotter (core.motion.spotting.Spotter) for a frame stream: push each frame; where a motion ended it
// answers the span of frames to classify ({from, to} seconds), and `fired(t)` is told when that was a gesture.
export class MotionSpotter {
  constructor(meta) {
    this.config = meta.spot_config;
    this.skeleton = meta.skeleton;
    this.keepS = this.config.window_s + this.config.pre_s + 0.5;
    this.reset();
  }

  reset() {
    this.frames = [];
    this.movingSince = this.stillSince = this.lostSince = null;
    this.waitForStill = false;
    this.quietUntil = -Infinity;
  }

  push(points, imageSize, t) {
    if (this.frames.length && t <= this.frames[this.frames.length - 1].t) this.reset(); // a new stream
    this.frames.push({ t, points, size: points ? imageSize : [640, 480] });
    while (this.frames.length && this.frames[0].t < t - this.keepS) this.frames.shift();
    return this.update(t, this.speed(t));
  }

  between(from, to) {
    return this.frames.filter((f) => f.t >= from && f.t <= to);
  }

  fired(t) {
    this.quietUntil = t + this.config.refractory_s;
  }

  speed(t) {
    const now = this.frames[this.frames.length - 1];
    if (!now.points) return null;
    let past = this.frames.find((f) => f.t >= t - this.config.speed_lag_s && f.points);
    if (!past || past.t >= t) {
      // none seen within the lag (frames further apart than it, or a short gap): the last seen, if lately
      past = this.frames.slice(0, -1).reverse().find((f) => f.points);
      if (!past || t - past.t > this.config.max_gap_s) return 0;
    }
    const pixels = (f) => f.points.map((p) => [p[0] * f.size[0], p[1] * f.size[1]]);
    const a = rootOf(pixels(past), this.skeleton), nowPixels = pixels(now), b = rootOf(nowPixels, this.skeleton);
    const size = skeletonSize(nowPixels, this.skeleton, now.size[1]);
    return Math.hypot(b[0] - a[0], b[1] - a[1]) / Math.max(size, 1e-6) / (t - past.t);
  }

  update(t, speed) {
    const c = this.config;
    if (this.movingSince === null) {
      if (speed !== null && speed < c.stop_speed) this.waitForStill = false;
      if (speed !== null && speed > c.start_speed && !this.waitForStill && t >= this.quietUntil) {
        [this.movingSince, this.stillSince, this.lostSince] = [t - c.speed_lag_s, null, null];
      }
      return null;
    }
    let ended;
    if (speed === null) {
      this.lostSince = this.lostSince !== null ? this.lostSince : t;
      ended = t - this.lostSince > c.max_gap_s;
    } else {
      this.lostSince = null;
      this.stillSince = speed < c.stop_speed ? (this.stillSince !== null ? this.stillSince : t) : null;
      ended = this.stillSince !== null && t - this.stillSince >= c.still_s;
    }
    const tooLong = t - this.movingSince >= c.window_s;
    if (!(ended || tooLong)) return null;
    const start = Math.max(this.movingSince, t - c.window_s);
    [this.movingSince, this.waitForStill] = [null, tooLong && !ended];
    if (t - start < c.min_motion_s) return null;
    return { from: start - c.pre_s, to: t };
  }
}

// The detection that goes on from the last one (nearest root), or the most confident at the start
// (core.motion.track.follow).
export function follow(found, previous, skeleton) {
  if (!found.length) return null;
  if (!previous) return found.reduce((best, f) => ((f.score || 0) > (best.score || 0) ? f : best), found[0]);
  const last = rootOf(previous, skeleton);
  const away = (f) => { const r = rootOf(f.points, skeleton); return Math.hypot(r[0] - last[0], r[1] - last[1]); };
  return found.reduce((best, f) => (away(f) < away(best) ? f : best), found[0]);
}

// One stream's motions: each frame's skeleton pushed to the spotter, each motion that ended classified by the graph;
// `latest` is the last gesture done ({label, shown, emoji, sure, start, end (stream seconds), count, at (the page's
// clock when it fired, ms)}), what the blocks read.
export class MotionReader {
  constructor(ort, session, meta) {
    Object.assign(this, { ort, session, meta, spotter: new MotionSpotter(meta), previous: null, count: 0, latest: null });
    this.inTurn = oneAtATime();
  }

  // `found`: [{points: K × [x, y, z], score}] of one frame, already cut to the skeleton (a fingertip: joint 8).
  // Frames go to the spotter in turn: with two frames worked on at once, a frame's push waits for the one before it
  // to be classified and marked fired, or the same motion could be spotted twice.
  push(found, imageSize, t) {
    return this.inTurn(() => this.pushNow(found, imageSize, t));
  }

  async pushNow(found, imageSize, t) {
    const chosen = follow(found, this.previous, this.meta.skeleton);
    this.previous = chosen ? chosen.points : this.previous;
    const span = this.spotter.push(chosen ? chosen.points : null, imageSize, t);
    if (!span) return null;
    const frames = this.spotter.between(span.from, span.to);
    if (!frames.some((f) => f.points)) return null;
    const inputs = graphInputs(frames, frames.find((f) => f.points).size, this.meta, this.meta.spot_config.min_frames);
    if (!inputs) return null;
    const probabilities = await this.run(inputs);
    let best = 0;
    probabilities.forEach((p, i) => { if (p > probabilities[best]) best = i; });
    const label = probabilities[best] >= this.meta.threshold ? this.meta.classes[best] : "unknown";
    if (label === "unknown" || this.meta.never_fires.includes(label)) return null;
    this.spotter.fired(span.to);
    this.count += 1;
    this.latest = { label, shown: this.meta.shown[best], emoji: this.meta.emoji[best], sure: Math.round(probabilities[best] * 100),
      start: frames[0].t, end: frames[frames.length - 1].t, count: this.count, at: performance.now() };
    return this.latest;
  }

  async run(inputs) {
    const { Tensor } = this.ort, length = this.meta.feature_config.length, k = this.meta.skeleton.joints;
    const feeds = { path: new Tensor("float32", inputs.path, [length, 4]) };
    if (this.meta.inputs.includes("landmarks")) {
      feeds.landmarks = new Tensor("float32", inputs.landmarks, [inputs.frames, k, 3]);
      feeds.image_size = new Tensor("float32", inputs.imageSize, [2]);
      feeds.resample = new Tensor("float32", inputs.resample, [length, inputs.frames]);
    }
    return Array.from((await this.session.run(feeds)).probabilities.data);
  }
}
