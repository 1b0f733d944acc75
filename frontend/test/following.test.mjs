// Following the hand being shown (src/following.js), with the server path's rules (core/keypoints/following.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { FOLLOW, Following, HandChooser, boxIou, prominence, sameHand } from "../src/following.js";
import { handBox } from "../src/hands.js";

const W = 640, H = 480;
// A hand of 21 points spread over a box (normalised), centred at (cx, cy), `side` of the frame's height.
function hand(cx, cy, side, score = 0.95) {
  const normalised = Array.from({ length: 21 }, (_, j) => [cx + side * H / W * ((j % 5) / 4 - 0.5), cy + side * (Math.floor(j / 5) / 4 - 0.5), 0]);
  return { normalised, world: null, handedness: "Right", score };
}
const raised = hand(0.5, 0.45, 0.35); // whole, central, big
const cut = hand(0.3, 0.97, 0.3); // its lower half below the frame's bottom edge

test("a whole central hand is more prominent than one cut by the edge, and boxes compare as the server's", () => {
  assert.ok(prominence(raised, W, H) > 0.8, prominence(raised, W, H));
  assert.ok(prominence(cut, W, H) < 0.2 * prominence(raised, W, H), prominence(cut, W, H));
  assert.ok(prominence(hand(0.5, 0.45, 0.02), W, H) < 0.2); // tiny: far from full size
  assert.equal(boxIou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(boxIou([0, 0, 10, 10], [20, 20, 30, 30]), 0);
  assert.ok(sameHand(raised, hand(0.51, 0.45, 0.35), W, H) && !sameHand(raised, cut, W, H));
  const [x0, , x1] = handBox(raised, W, H), [g0, , g1] = handBox(raised, W, H, 0.25);
  assert.ok(Math.abs((g1 - g0) - 1.5 * (x1 - x0)) < 1e-6);
});

test("one better look is not enough: the chooser lets go after three in a row, and a worse look starts again", () => {
  const chooser = new HandChooser();
  assert.equal(chooser.look([cut], [cut, raised], W, H), null);
  assert.equal(chooser.look([cut], [cut], W, H), null); // no other hand: the count starts again
  assert.equal(chooser.look([cut], [cut, raised], W, H), null);
  assert.equal(chooser.look([cut], [cut, raised], W, H), null);
  assert.equal(chooser.look([cut], [cut, raised], W, H), cut);
  assert.equal(chooser.look([raised], [raised, cut], W, H), null); // the shown hand followed: it stays
});

test("the tab looks every 30 frames, then every 2 while another hand seems better, and paints the cut hand over", () => {
  let tracked = cut; // MediaPipe's video mode holds the cut hand until it loses it
  const scouted = [], maskedBoxes = [];
  const follow = new Following(
    (frame) => (frame === "masked" ? [raised] : [tracked]), // painted over, it finds the shown hand
    () => { scouted.push(1); return [cut, raised]; },
    (frame, box) => { maskedBoxes.push(box); return "masked"; },
  );
  const seen = [];
  for (let i = 0; i < 60; i += 1) {
    const hands = follow.process("frame", 1, W, H);
    if (hands[0] === raised) tracked = raised; // the real frames then show the hand it follows now
    seen.push(hands[0] === raised ? "R" : "c");
  }
  assert.equal(follow.switches, 1);
  assert.equal(maskedBoxes.length, 1); // it moved on at the first painted frame
  assert.equal(seen.indexOf("R"), 30 + 2 + 2); // looks at frames 30, 32, 34; the 35th is painted over
  assert.ok(seen.slice(34).every((s) => s === "R"));
  assert.equal(scouted.length, follow.looks);
  assert.equal(FOLLOW.lookEvery, 30);
});

test("fewer hands than followed: no look (the palm detector already runs on every frame)", () => {
  let looks = 0;
  const follow = new Following(() => [], () => { looks += 1; return [raised]; }, () => "masked");
  for (let i = 0; i < 30; i += 1) assert.deepEqual(follow.process("frame", 1, W, H), []);
  assert.equal(looks, 0);
});

test("a followed hand lost on a frame (it jumped) is asked for again on the same frame, once", () => {
  const asked = [];
  let showing = raised;
  const follow = new Following(
    (frame, again) => {
      asked.push(again ? "again" : "first");
      // MediaPipe's video mode: a hand far from where it was is lost on the first pass, found by the palm detector on
      // the next one; no hand shown, none found
      if (!showing) return [];
      return again || frame !== "cut" ? [showing] : [];
    },
    () => [],
    () => "masked",
  );
  assert.deepEqual(follow.process("frame", 1, W, H), [raised]);
  showing = hand(0.2, 0.5, 0.3);
  assert.deepEqual(follow.process("cut", 1, W, H), [showing]); // found on the same frame
  assert.deepEqual(asked, ["first", "first", "again"]);
  showing = null; // the hand left: one second pass, then none while nothing is followed
  asked.length = 0;
  for (let i = 0; i < 5; i += 1) assert.deepEqual(follow.process("frame", 1, W, H), []);
  assert.deepEqual(asked, ["first", "again", "first", "first", "first", "first"]);
});
