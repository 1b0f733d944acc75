// Steady keypoints in the tab: core/keypoints/smoothing.py's One Euro filter and hand tracks, ported, with its
// defaults, so a hand the browser finds is steadied as the server steadies it (the skeleton drawn, the features
// classified, a take's samples). tests/test_browser_smoothing.py feeds both the same real hand track.

import { handBox } from "./hands.js";

export const DEFAULTS = { minCutoff: 0.5, beta: 10.0, dCutoff: 1.0, maxJump: 1.0 };

function alpha(cutoff, dt) {
  const r = 2 * Math.PI * cutoff * dt;
  return r / (r + 1);
}

// (21 × 8) rows of one hand as smoothing.py's _stack: pixel x, y | normalised x, y, z | world x, y, z (NaN where
// the tab has no world points).
function stack(hand, width, height) {
  return hand.normalised.map(([x, y, z], j) => {
    const w = hand.world ? hand.world[j] : [NaN, NaN, NaN];
    return [x * width, y * height, x, y, z, w[0], w[1], w[2]];
  });
}

function unstack(hand, rows) {
  return {
    ...hand,
    normalised: rows.map((r) => [r[2], r[3], r[4]]),
    world: hand.world ? rows.map((r) => [r[5], r[6], r[7]]) : null,
  };
}

// Longest side of the keypoint box in pixels (Keypoints.extent).
function extent(hand, width, height) {
  const [x0, y0, x1, y1] = handBox(hand, width, height);
  return Math.max(x1 - x0, y1 - y0);
}

export class OneEuro {
  constructor(config, rows, time) {
    this.config = config;
    this.value = rows.map((r) => r.slice());
    this.speed = rows.map((r) => r.map(() => 0));
    this.time = time;
  }

  // The (K × 8) rows of the frame at `time` s, filtered; `scale` pixels per size sets each joint's speed.
  filter(rows, time, scale) {
    const dt = time - this.time;
    const { minCutoff, beta, dCutoff } = this.config;
    const aSpeed = alpha(dCutoff, dt);
    this.value = rows.map((x, j) => {
      const before = this.value[j], speed = this.speed[j];
      const previous = x.map((v, c) => (Number.isFinite(before[c]) && Number.isFinite(v) ? before[c] : v));
      x.forEach((v, c) => {
        const velocity = Number.isFinite(before[c]) && Number.isFinite(v) ? (v - previous[c]) / dt : 0;
        speed[c] += aSpeed * (velocity - speed[c]);
      });
      const a = alpha(minCutoff + beta * (Math.hypot(speed[0], speed[1]) / Math.max(scale, 1e-6)), dt);
      return x.map((v, c) => previous[c] + a * (v - previous[c]));
    });
    this.time = time;
    return this.value;
  }
}

// Mean joint displacement from a track's last frame in sizes; Infinity when it cannot be the same hand.
function jump(track, rows, hand, width, height) {
  if (track.width !== width || track.height !== height) return Infinity;
  const hands = new Set([track.handedness, hand.handedness]);
  if (hands.has("Left") && hands.has("Right")) return Infinity;
  const moved = rows.reduce((sum, r, j) => sum + Math.hypot(track.rows[j][0] - r[0], track.rows[j][1] - r[1]), 0);
  return moved / rows.length / Math.max(extent(hand, width, height), 1);
}

// One per stream: follows each hand from frame to frame and keeps a filter per track (KeypointSmoother).
export class KeypointSmoother {
  constructor(config = DEFAULTS) {
    this.config = { ...DEFAULTS, ...config };
    this.tracks = [];
    this.time = null;
  }

  // The hands of the frame at `time` s (store fields, see hands.js) steadied, in the same order.
  update(hands, width, height, time) {
    if (this.time !== null && time <= this.time) this.tracks = []; // time went backwards: a new stream
    this.time = time;
    const rows = hands.map((hand) => stack(hand, width, height));
    const assigned = this.match(hands, rows, width, height);
    const tracks = [];
    const out = hands.map((hand, h) => {
      let track = assigned[h], filtered = hand;
      if (!track) {
        track = { filter: new OneEuro(this.config, rows[h], time), rows: rows[h] };
      } else {
        track.rows = track.filter.filter(rows[h], time, extent(hand, width, height));
        filtered = unstack(hand, track.rows);
      }
      Object.assign(track, { width, height, handedness: hand.handedness });
      tracks.push(track);
      return filtered;
    });
    this.tracks = tracks; // a track without a hand this frame is forgotten
    return out;
  }

  match(hands, rows, width, height) {
    const pairs = [];
    hands.forEach((hand, h) => this.tracks.forEach((track, t) => pairs.push([jump(track, rows[h], hand, width, height), h, t])));
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const assigned = hands.map(() => null), used = new Set();
    for (const [cost, h, t] of pairs) {
      if (cost > this.config.maxJump) break;
      if (!assigned[h] && !used.has(t)) {
        assigned[h] = this.tracks[t];
        used.add(t);
      }
    }
    return assigned;
  }
}
