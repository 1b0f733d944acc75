// The app's "unknown" rule on the ONNX graph's outputs, with Live's smoothing (core/gestures/pipeline.py):
// each hand's probabilities and distances averaged over its last 5 frames, then GestureClassifier.decide
// (core/gestures/classifier.py, core/gestures/familiarity.py) on the averages at the page's tolerance.

export const SMOOTHING_FRAMES = 5; // pipeline.STREAM_SMOOTHING_FRAMES
const HANDEDNESS_PENALTY = 0.3; // pipeline._HANDEDNESS_PENALTY
const MAX_MATCH_COST = 0.35; // pipeline._MAX_MATCH_COST
const MAX_MISSED = 2; // pipeline._MAX_MISSED
const UNTAUGHT_NEARER = 1.5; // core/gestures/familiarity.UNTAUGHT_NEARER
const NO_EXAMPLES = 1e10; // the graph gives a class without own examples inf radii (older graphs ~1e15)
export const UNKNOWN = "unknown"; // core.types.UNKNOWN_LABEL

// The model's rule from its metadata (docs/export.md), as core/gestures/familiarity.Familiarity.answer:
// distances is one row of 2C + 1 radii (the graph's distance, starter_distance and other_distance side by
// side, as class_distances' columns: own example per class, own-or-starter per class, no class), or null for
// a model without examples. Within the radius of an own example (at the page's tolerance), and for a starter
// gesture with no hand of no class clearly nearer (UNTAUGHT_NEARER): the class of the nearest one, known
// (Familiarity.answer: the person's own hands win there). Elsewhere the top class, known
// when it has starter hands and the hand is nearer to them than to every hand of no class (inf < inf is
// false: no starter hands, no decision there), or it has no own example and its probability reaches the
// threshold.
export function decide(probabilities, distances, meta, tolerance = 1.0, threshold = meta.threshold) {
  let best = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[best]) best = c;
  const classes = probabilities.length;
  let known, likeUntaught = false;
  if (!meta.familiarity || !distances) known = probabilities[best] >= threshold;
  else {
    let nearest = 0; // the first on a tie, as numpy's argmin and the graph's
    for (let c = 1; c < classes; c++) if (distances[c] < distances[nearest]) nearest = c;
    // a starter gesture (finite starter_distance) also needs no hand of no class clearly nearer than its example
    const starterGesture = distances[classes + nearest] < NO_EXAMPLES;
    const untaughtNearer = distances[nearest] >= UNTAUGHT_NEARER * distances[2 * classes];
    if (distances[nearest] / tolerance <= 1.0 && !(starterGesture && untaughtNearer)) {
      best = nearest;
      known = true;
    } else {
      const own = distances[best], other = distances[2 * classes];
      const nearer = distances[classes + best] < other;
      const alone = !(own < NO_EXAMPLES) && probabilities[best] >= threshold;
      known = nearer || alone;
      // as GestureClassifier.decide: the top class has starter hands, and a sign of no class lay at least as near
      likeUntaught = !known && distances[classes + best] < NO_EXAMPLES && distances[classes + best] >= other;
    }
  }
  // no own example of the class answered: no distance (core.types.make_prediction keeps None for inf)
  const ratio = meta.familiarity && distances && distances[best] < NO_EXAMPLES ? distances[best] / tolerance : null;
  // the nearest sign of no class, in the same radii ("Very sure" needs it well further: core/gestures/sureness.py)
  const untaught = distances && distances[2 * classes] < NO_EXAMPLES ? distances[2 * classes] / tolerance : null;
  const top3 = probabilities.map((p, c) => [c, p]).sort((a, b) => b[1] - a[1]).slice(0, 3);
  // `shown`: the name as the pages show it (the file's `shown`, written by core.gestures.catalog.shown_name: "open
  // palm" for the stored "open_palm"); a file from before it has none, and its names show as stored
  const shown = known ? (meta.shown || meta.classes)[best] : UNKNOWN;
  return { index: best, score: probabilities[best], known, label: known ? meta.classes[best] : UNKNOWN, shown,
    distance: ratio, untaughtDistance: untaught, top: top3, likeUntaught, probabilities };
}

// One (2C + 1) row per hand of the graph's three distance outputs, or null for a model without them.
export function distanceRows(own, starter, other, n, c) {
  if (!own || !starter || !other) return null;
  return Array.from({ length: n }, (_, h) => [
    ...Array.from(own.subarray(h * c, (h + 1) * c)),
    ...Array.from(starter.subarray(h * c, (h + 1) * c)),
    other[h],
  ]);
}

function centre(hand) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of hand.normalised) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

function matchCost(track, hand, where) {
  let cost = Math.hypot(track.centre[0] - where[0], track.centre[1] - where[1]);
  const both = ["Left", "Right"].includes(track.handedness) && ["Left", "Right"].includes(hand.handedness);
  if (both && track.handedness !== hand.handedness) cost += HANDEDNESS_PENALTY;
  return cost;
}

function mean(rows) {
  const out = new Float64Array(rows[0].length);
  for (const row of rows) for (let i = 0; i < row.length; i++) out[i] += row[i];
  return Array.from(out, (v) => v / rows.length);
}

// Per-hand tracks across frames (greedy, cheapest pair first), as core/gestures/pipeline.py's match_hands.
export class Smoother {
  constructor(frames = SMOOTHING_FRAMES) {
    this.frames = frames;
    this.tracks = [];
  }

  reset() {
    this.tracks = [];
  }

  // hands: store hands of one frame; probabilities, distances: their rows (distances null without examples).
  // Returns one {probabilities, distances} average per hand.
  update(hands, probabilities, distances) {
    const where = hands.map(centre);
    const pairs = [];
    hands.forEach((hand, h) => this.tracks.forEach((track, t) => pairs.push([matchCost(track, hand, where[h]), h, t])));
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const assigned = new Array(hands.length).fill(null), used = new Set();
    for (const [cost, h, t] of pairs) {
      if (cost > MAX_MATCH_COST) break;
      if (assigned[h] === null && !used.has(t)) { assigned[h] = t; used.add(t); }
    }
    const mine = hands.map((hand, h) => {
      const track = assigned[h] === null ? { history: [], distances: [] } : this.tracks[assigned[h]];
      Object.assign(track, { handedness: hand.handedness, centre: where[h], missed: 0 });
      return track;
    });
    for (const track of this.tracks) if (!mine.includes(track)) track.missed += 1;
    this.tracks = mine.concat(this.tracks.filter((t) => !mine.includes(t) && t.missed <= MAX_MISSED));
    return mine.map((track, h) => {
      track.history = track.history.concat([probabilities[h]]).slice(-this.frames);
      if (distances) track.distances = track.distances.concat([distances[h]]).slice(-this.frames);
      return { probabilities: mean(track.history), distances: distances ? mean(track.distances) : null };
    });
  }
}

// (N × C) rows of a flat output tensor's data.
export function rows(data, n, c) {
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * c, (i + 1) * c)));
}
