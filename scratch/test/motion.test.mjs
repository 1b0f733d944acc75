// A motion project's blocks and the tab's spotter without a browser (tests/test_scratch_motion.py compares the
// spotter and the clip's cutting with the app's own on real hand shapes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HandteachBlocks, MOTION_FRESH_MS, NO_MOTION } from "../src/extension.js";
import { MotionSpotter, follow, motionSpan, skeletonSize } from "../src/motion.js";

const MOTIONS = [
  { name: "swipe_left", emoji: "", shown: "swipe left" },
  { name: "<i>circle</i>", emoji: "", shown: "<i>circle</i>" },
];

test("a motion project's category: when I do, last move, how sure; no gesture of a frame", () => {
  const source = { latest: { label: "unknown", shown: "unknown", sure: 0, hands: 1, tip: [5, 6] } };
  const blocks = new HandteachBlocks({}, source, { gestures: MOTIONS, starter: false, kind: "hand", motion: true });
  const info = blocks.getInfo();
  assert.equal(info.name, "My moves");
  assert.deepEqual(info.blocks.slice(0, 2).map((b) => b.text), ["when I do [MOTION]", "last move"]);
  assert.deepEqual(info.blocks.map((b) => b.opcode),
    ["whenDo", "lastMotion", "motionSure", "handX", "handY", "handsSeen", "lookForHands", "cameraVideo", "showSkeleton"]);
  assert.deepEqual(blocks.gestureMenu(), [{ text: "swipe left", value: "swipe_left" }, { text: "<i>circle</i>", value: "<i>circle</i>" }]);
  assert.equal(blocks.lastMotion(), NO_MOTION);
  assert.equal(blocks.whenDo({ MOTION: "swipe_left" }), false);
  source.latest = { ...source.latest, motion: { label: "swipe_left", shown: "swipe left", sure: 87, at: 1000 } };
  let now = 1000 + MOTION_FRESH_MS - 1;
  blocks.clock = () => now;
  const util = { stackFrame: {} }; // the VM's own helper, passed after the arguments: never read as a time
  assert.equal(blocks.whenDo({ MOTION: "swipe_left" }, util), true);
  now = 1100;
  assert.equal(blocks.whenDo({ MOTION: "swipe left" }, util), true); // a reporter's shown name in the slot
  assert.equal(blocks.whenDo({ MOTION: "<i>circle</i>" }, util), false);
  now = 1000 + MOTION_FRESH_MS;
  assert.equal(blocks.whenDo({ MOTION: "swipe_left" }, util), false); // done a while ago: once
  assert.deepEqual([blocks.lastMotion(), blocks.motionSure(), blocks.handX()], ["swipe left", 87, 5]);
  const body = new HandteachBlocks({}, source, { gestures: MOTIONS, starter: false, kind: "body", motion: true });
  assert.deepEqual(body.getInfo().blocks.map((b) => b.opcode).slice(3, 6), ["pointX", "pointY", "handsSeen"]);
});

const HAND = { name: "hand", joints: 21, root_joints: [0], scale_joints: [] };
const SPOT = { start_speed: 1.0, stop_speed: 0.5, still_s: 0.15, max_gap_s: 0.3, window_s: 3.0, min_motion_s: 0.25,
  pre_s: 0.2, refractory_s: 0.5, speed_lag_s: 0.1 };

// a hand of reach 0.1 (normalised) whose wrist is at x
const handAt = (x) => Array.from({ length: 21 }, (_, j) => [x + (j ? 0.1 : 0), 0.5, 0]);

test("a hand that moves and stops is one span to classify; quiet after a gesture fired; lost hands end it", () => {
  const spotter = new MotionSpotter({ spot_config: SPOT, skeleton: HAND });
  const spans = [];
  let t = 0;
  const run = (xs) => xs.forEach((x) => { t += 1 / 30; const s = spotter.push(x === null ? null : handAt(x), [640, 480], t); if (s) spans.push(s); });
  run(Array(15).fill(0.3));
  run(Array.from({ length: 20 }, (_, i) => 0.3 + 0.02 * (i + 1))); // 0.6 a second: 6 hand reaches a second
  run(Array(15).fill(0.7));
  assert.equal(spans.length, 1);
  assert.ok(spans[0].to - spans[0].from > 0.6 && spans[0].to - spans[0].from < 1.2, JSON.stringify(spans));
  spotter.fired(spans[0].to);
  run(Array.from({ length: 20 }, (_, i) => 0.7 - 0.02 * (i + 1)));
  run(Array(15).fill(null)); // the hand leaves mid-motion: the motion ends once it was lost for 0.3 s
  assert.equal(spans.length, 2);
  assert.deepEqual(spotter.between(spans[1].from, spans[1].to).filter((f) => !f.points).length > 0, true);
});

test("sizes, spans and the hand followed as the app's", () => {
  assert.equal(skeletonSize([[0, 0]], { joints: 1, root_joints: [0], scale_joints: [] }, 480), 96);
  assert.equal(skeletonSize([[0, 0], [3, 4], [6, 0]], { joints: 3, root_joints: [0], scale_joints: [] }, 480), 6);
  assert.equal(skeletonSize([[0, 0], [3, 4], [6, 0]], { joints: 3, root_joints: [0], scale_joints: [[0, 1], [1, 2]] }, 480), 5);
  const times = Array.from({ length: 30 }, (_, i) => i / 30);
  const path = times.map((_, i) => [i < 10 || i > 20 ? (i < 10 ? 0 : 11) : i - 10, 0]);
  const [start, end] = motionSpan(path, times);
  assert.deepEqual([start, end], [5, 26]); // core.motion.features.motion_span of the same path
  const near = { points: handAt(0.32), score: 0.5 }, far = { points: handAt(0.8), score: 0.9 };
  assert.equal(follow([near, far], null, HAND), far); // the most confident at the start
  assert.equal(follow([far, near], handAt(0.3), HAND), near); // then the one nearest the last
  assert.equal(follow([], handAt(0.3), HAND), null);
});
