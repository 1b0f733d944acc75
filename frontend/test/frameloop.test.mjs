// The tab's frame loop (src/frameloop.js), driven by a stand-in video whose frames the test presents one by one.
import assert from "node:assert/strict";
import { test } from "node:test";

import { oneAtATime, runFrames } from "../src/frameloop.js";

class FakeVideo {
  constructor() {
    this.callbacks = [];
  }

  requestVideoFrameCallback(callback) {
    this.callbacks.push(callback);
  }

  present(n) { // the camera's frame n: every callback asked for before it hears of it
    const waiting = this.callbacks;
    this.callbacks = [];
    for (const callback of waiting) callback(0, { presentedFrames: n });
  }
}

// a frame's work that ends when the test says so: `ends[n]()` ends frame n's work
function heldWork() {
  const started = [], ends = {}, slots = [];
  const work = (metadata, slot) => {
    started.push(metadata.presentedFrames);
    slots.push(slot);
    return new Promise((resolve, reject) => { ends[metadata.presentedFrames] = { resolve, reject }; });
  };
  return { work, started, ends, slots };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("a frame that arrives during the work waits and goes next at once; only the newest waits", async () => {
  const video = new FakeVideo(), held = heldWork();
  runFrames(video, held.work);
  video.present(1);
  video.present(2);
  video.present(3); // 2 and 3 arrive while 1 is worked on: 3 replaces 2
  assert.deepEqual(held.started, [1]);
  held.ends[1].resolve();
  await turn();
  assert.deepEqual(held.started, [1, 3]); // no wait for the next callback
  assert.deepEqual(held.slots, [0, 1]);
});

test("two frames at once where asked: the third waits for one of them", async () => {
  const video = new FakeVideo(), held = heldWork();
  runFrames(video, held.work, { inFlight: () => 2 });
  video.present(1);
  video.present(2);
  video.present(3);
  assert.deepEqual(held.started, [1, 2]);
  held.ends[2].resolve();
  await turn();
  assert.deepEqual(held.started, [1, 2, 3]);
  video.present(4);
  assert.deepEqual(held.started, [1, 2, 3]); // 1 and 3 still at work
});

test("a failed frame stops the loop where `failed` says so, and not where it says go on", async () => {
  for (const stop of [true, false]) {
    const video = new FakeVideo(), held = heldWork(), errors = [];
    runFrames(video, held.work, { failed: (error) => { errors.push(error.message); return stop; } });
    video.present(1);
    held.ends[1].reject(new Error("broken"));
    await turn();
    video.present(2);
    assert.deepEqual(errors, ["broken"]);
    assert.deepEqual(held.started, stop ? [1] : [1, 2]);
  }
});

test("one at a time: the second work starts when the first ends, and each gets its own answer or error", async () => {
  const inTurn = oneAtATime(), log = [];
  let endFirst;
  const first = inTurn(() => new Promise((resolve) => { log.push("first starts"); endFirst = () => resolve(1); }));
  const second = inTurn(async () => { log.push("second starts"); throw new Error("no hands"); });
  const third = inTurn(async () => { log.push("third starts"); return 3; });
  await turn();
  assert.deepEqual(log, ["first starts"]);
  endFirst();
  assert.equal(await first, 1);
  await assert.rejects(second, /no hands/);
  assert.equal(await third, 3); // a failed one lets the next go
  assert.deepEqual(log, ["first starts", "second starts", "third starts"]);
});
