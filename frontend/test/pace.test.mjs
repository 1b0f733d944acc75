// The tab's pace (src/pace.js) and its turn to the lite hand model (src/handmodels.js), with a stand-in for
// tasks-vision's HandLandmarker: which model each landmarker got, which were closed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MODELS, PACE, Pace, median, rememberModel, startingModel } from "../src/pace.js";
import { HandModels } from "../src/handmodels.js";
import { FakeLandmarker, FakeStorage, fakeBrowser, modelOf, waitFor } from "./fakes.mjs";

const settle = (pace, ms, frames) => {
  const verdicts = [];
  for (let i = 0; i < frames; i++) verdicts.push(pace.add(typeof ms === "function" ? ms(i) : ms));
  return verdicts.filter(Boolean);
};

test("median of odd and even counts", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("slow frames turn a full-model tab to the lite model once, after the skipped and measured frames", () => {
  const pace = new Pace("full");
  const verdicts = [];
  for (let i = 0; i < 100; i++) {
    const verdict = pace.add(150);
    if (verdict) verdicts.push([i + 1, verdict]);
  }
  assert.deepEqual(verdicts, [[PACE.skipFirst + PACE.minFrames, "lite"]]);
  assert.equal(pace.remember(), "lite");
});

test("a tab that keeps up stays on the full model; the slow first frames are not counted", () => {
  const pace = new Pace("full");
  // the first frames compile and allocate (400 ms), then 35 ms: as Chromium on an ordinary laptop
  assert.deepEqual(settle(pace, (i) => (i < PACE.skipFirst ? 400 : 35), 60), ["keep"]);
  assert.equal(pace.median(), 35);
  assert.equal(pace.remember(), null);
});

test("a few slow frames among fast ones (a garbage collection, another tab) do not turn it", () => {
  const pace = new Pace("full");
  assert.deepEqual(settle(pace, (i) => (i % 4 === 0 ? 300 : 40), 60), ["keep"]);
});

test("a tab started lite by memory keeps it, and forgets it for next time only when it has time to spare", () => {
  const slow = new Pace("lite");
  assert.deepEqual(settle(slow, 90, 40), ["keep"]);
  assert.equal(slow.remember(), null);
  const fast = new Pace("lite");
  assert.deepEqual(settle(fast, 12, 40), ["keep"]);
  assert.equal(fast.remember(), "full");
});

test("the model a visit starts on is remembered per browser; storage that refuses means the full model", () => {
  const storage = new FakeStorage();
  assert.equal(startingModel(storage), "full");
  rememberModel("lite", storage);
  assert.equal(startingModel(storage), "lite");
  rememberModel("full", storage);
  assert.equal(startingModel(storage), "full");
  const refusing = { getItem() { throw new Error("SecurityError"); }, setItem() { throw new Error("QuotaExceeded"); } };
  assert.equal(startingModel(refusing), "full");
  rememberModel("lite", refusing); // does not throw
  assert.equal(startingModel(undefined), "full");
});

test("a slow tab swaps its tracker for one on the lite model, then makes the scout on it", async () => {
  fakeBrowser();
  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  await models.open({ wasm: "fileset" }, "full", 1);
  const full = state.finder.tracker;
  assert.equal(modelOf(full), MODELS.full);
  assert.equal(full.options.runningMode, "VIDEO");
  assert.equal(full.frames, 1); // the blank frame it was tried on
  assert.equal(state.finder.where, "page");
  assert.equal(state.scout, undefined); // not before the pace is known
  for (let i = 0; i < PACE.skipFirst + PACE.minFrames; i++) models.measure(200);
  await waitFor(() => state.scout);
  assert.equal(state.handModel, "lite");
  assert.equal(modelOf(state.finder.tracker), MODELS.lite);
  assert.equal(state.finder.tracker.options.numHands, 1);
  assert.ok(full.closed);
  assert.equal(modelOf(state.finder.scout), MODELS.lite);
  assert.deepEqual([state.finder.scout.options.runningMode, state.finder.scout.options.numHands], ["IMAGE", 2]);
  assert.equal(state.paceMs, 200);
  assert.equal(startingModel(), "lite"); // the next visit starts lite
  models.measure(200); // settled: nothing more is made
  assert.equal(FakeLandmarker.made.length, 3);
});

test("a tab that keeps up keeps the full model, and makes its scout on it", async () => {
  fakeBrowser();
  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  await models.open({}, "full", 2);
  for (let i = 0; i < 40; i++) models.measure(30);
  await waitFor(() => state.scout);
  assert.equal(state.handModel, "full");
  assert.equal(modelOf(state.finder.tracker), MODELS.full);
  assert.equal(modelOf(state.finder.scout), MODELS.full);
  assert.equal(startingModel(), "full");
});

test("where the lite model is missing the full one goes on, the scout made on it", async () => {
  fakeBrowser([MODELS.lite]);
  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  await models.open({}, "full", 1);
  for (let i = 0; i < 20; i++) models.measure(200);
  await waitFor(() => state.scout);
  assert.equal(state.handModel, "full");
  assert.ok(!state.finder.tracker.closed);
  assert.match(state.liteProblem, /hand model did not load/);
  assert.equal(modelOf(state.finder.scout), MODELS.full);
});
