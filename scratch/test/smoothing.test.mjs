// The editor's smoothing window in time (src/smoothing.js): Live's 5 answers where the tab keeps up, fewer where
// it does not, so that a slow tab's game does not trail the gesture by seconds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FramePace, SMOOTHING_S, smoothingFrames } from "../src/smoothing.js";

test("Live's 5 answers at 15 frames a second and faster, a third of a second's answers at any pace below", () => {
  assert.equal(smoothingFrames(null), 5); // before the pace is known: Live's
  assert.equal(smoothingFrames(1000 / 30), 5);
  assert.equal(smoothingFrames(1000 / 15), 5);
  assert.equal(smoothingFrames(1000 / 8), 3);
  assert.equal(smoothingFrames(1000 / 3), 1);
  assert.equal(smoothingFrames(5000), 1);
  assert.ok(Math.abs(SMOOTHING_S - 1 / 3) < 1e-9);
});

test("the pace is the median of the recent gaps between frames: a hiccup does not change it", () => {
  const pace = new FramePace();
  assert.equal(pace.ms, null);
  let now = 0;
  for (let i = 0; i < 20; i++) pace.add((now += 1000 / 15));
  assert.equal(smoothingFrames(pace.ms), 5);
  pace.add((now += 2000));
  assert.equal(smoothingFrames(pace.ms), 5);
  for (let i = 0; i < 9; i++) pace.add((now += 400));
  assert.equal(smoothingFrames(pace.ms), 1);
});
