// Where the tab finds hands (src/handmodels.js, src/finders.js, src/handengine.js): in its hand worker where the
// browser can, a worker slow even on the lite model tries the page and keeps whichever thread's frames were
// shorter, and the page where the worker cannot; the worker's messages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MODELS, PACE } from "../src/pace.js";
import { HandModels } from "../src/handmodels.js";
import { HandEngine, answer } from "../src/handengine.js";
import { WorkerFinder } from "../src/finders.js";
import { TabFailure } from "../src/landmarker.js";
import { FakeLandmarker, FakeWorker, fakeBrowser, modelOf, waitFor, withWorkers } from "./fakes.mjs";

const SETTLE = PACE.skipFirst + PACE.minFrames; // frames until a pace's verdict
// a frame canvas as frames.js's frameCanvas gives it: its pixels are read for the worker
const frame = { width: 640, height: 480,
  getContext: () => ({ getImageData: (x, y, w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }) }) };

// A tab in a browser with workers, opened on the full model, whose frames take `fullMs`: its pace settled.
async function tabAt(fullMs) {
  fakeBrowser();
  withWorkers();
  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  await models.open({ wasm: "fileset" }, "full", 1);
  const worker = state.finder;
  for (let i = 0; i < SETTLE; i++) models.measure(fullMs);
  await waitFor(() => state.scout && !models.turning);
  return { state, models, worker };
}

// `ms` a frame on whichever thread finds the hands now, until its pace settles
async function frames(models, ms) {
  for (let i = 0; i < SETTLE; i++) models.measure(ms);
  await waitFor(() => !models.turning);
}

test("where the browser can, the tab finds hands in its worker, and keeps it where the worker keeps up", async () => {
  const { state, models, worker } = await tabAt(40);
  assert.equal(worker.where, "worker");
  assert.equal(FakeWorker.made.length, 1);
  assert.equal(FakeWorker.made[0].url, "http://app/component/handworker.js");
  const engine = FakeWorker.made[0].engine;
  assert.equal(modelOf(engine.tracker), MODELS.full);
  assert.equal(engine.scout.options.runningMode, "IMAGE");
  assert.deepEqual(await worker.find(frame, 1, performance.now()), []);
  assert.equal(models.stage, "done");
  assert.equal(state.finder, worker);
  assert.equal(FakeLandmarker.made.length, 2); // its tracker and scout: no page engine was made
});

test("a worker slow even on the lite model tries the page, and keeps the thread with the shorter frames", async () => {
  const { state, models, worker } = await tabAt(200);
  assert.equal(state.handModel, "lite");
  assert.equal(state.finder, worker);
  state.loading = 3;
  for (let i = 0; i < SETTLE; i++) models.measure(500);
  state.loading = null;
  await frames(models, 95);
  const page = state.finder;
  assert.equal(page.where, "page");
  assert.equal(modelOf(page.tracker), MODELS.lite);
  assert.ok(!FakeWorker.made[0].terminated);
  await frames(models, 80);
  assert.deepEqual(state.threadMs, { worker: 95, page: 80 });
  assert.equal(state.finder, page);
  assert.ok(FakeWorker.made[0].terminated);
});

test("where the page's frames are no shorter, the page is closed and the worker goes on", async () => {
  const { state, models, worker } = await tabAt(200);
  await frames(models, 90);
  const page = state.finder;
  await frames(models, 120);
  assert.deepEqual(state.threadMs, { worker: 90, page: 120 });
  assert.equal(state.finder, worker);
  assert.ok(page.tracker.closed && page.scout.closed);
});

test("a worker that cannot open its hand model leaves the tab on the page, and says why", async () => {
  const open = HandEngine.prototype.open;
  HandEngine.prototype.open = async function (...args) {
    if (this.where === "worker") throw new TabFailure("webgl");
    return open.apply(this, args);
  };
  try {
    const { state, models } = await tabAt(200);
    assert.equal(state.finder.where, "page");
    assert.match(state.workerProblem, /WebGL is off or missing/);
    assert.ok(FakeWorker.made[0].terminated);
    assert.equal(models.stage, "done");
  } finally {
    HandEngine.prototype.open = open;
  }
});

test("a worker that never answers is given up, and the tab opens the page's hand model", async () => {
  fakeBrowser();
  withWorkers();
  const silent = new FakeWorker("handworker.js");
  silent.postMessage = () => {}; // its script stuck: no answer, no error
  const finder = new WorkerFinder("handworker.js");
  finder.worker = silent;
  const started = Date.now();
  await assert.rejects(finder.open({ wasm: "fileset" }, new Uint8Array(4), 1, 30), (error) => error.code === "graph");
  assert.ok(Date.now() - started < 1000);
  await assert.rejects(finder.find(frame, 1, 0), (error) => error.code === "graph"); // and every call after

  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  models.newWorker = () => Object.assign(new WorkerFinder("handworker.js"), { open: () => finder.open({}, null, 1, 30) });
  await models.open({ wasm: "fileset" }, "full", 1);
  assert.equal(state.finder.where, "page");
  assert.match(state.workerProblem, /did not open its hand model in 0.03 s/);
});

test("a tab whose OffscreenCanvas has no WebGL (WebKitGTK) starts no worker, and turns lite on the page", async () => {
  fakeBrowser();
  withWorkers();
  globalThis.OffscreenCanvas = class { getContext(kind) { return kind === "2d" ? {} : null; } };
  const state = {};
  const models = new HandModels(state, FakeLandmarker, "http://app/component/");
  await models.open({}, "full", 1);
  for (let i = 0; i < SETTLE; i++) models.measure(200);
  await waitFor(() => state.scout && !models.turning);
  assert.equal(state.handModel, "lite");
  assert.equal(models.stage, "done");
  assert.equal(state.finder.where, "page");
  assert.equal(FakeWorker.made.length, 0);
});

test("the worker answers its own calls only; a failure comes back as the tab's failure code", async () => {
  const engine = new HandEngine(FakeLandmarker, () => [() => undefined], () => ({ width: 64, height: 48 }), "worker");
  for (const call of ["constructor", "__proto__", "toString", "close"]) {
    assert.equal(await answer(engine, { id: 1, call, args: [] }), null, call);
  }
  assert.equal(await answer(engine, { id: 1, call: "find" }), null); // no arguments
  assert.equal(await answer(engine, null), null);
  const failed = await answer(engine, { id: 2, call: "find", args: [frame, 1, 0] }); // before it opened
  assert.equal(failed.id, 2);
  assert.equal(failed.failure.code, "graph");
});

test("a worker that dies fails every call waiting on it and every call after, as a graph that stopped", async () => {
  withWorkers();
  const finder = new WorkerFinder("http://app/component/handworker.js");
  const waiting = finder.swap(new Uint8Array(1)); // never answered: the worker dies first
  FakeWorker.made[0].terminate();
  finder.worker.onerror({ message: "Uncaught RangeError: out of memory", preventDefault() {} });
  await assert.rejects(waiting, (error) => error instanceof TabFailure && error.code === "graph" && /out of memory/.test(error.detail));
  await assert.rejects(finder.find(frame, 1, 0), (error) => error.code === "graph");
});

test("the hand worker is made, its runtime's files asked for, while the model's file is still on its way", async () => {
  fakeBrowser();
  withWorkers();
  const arrived = globalThis.fetch;
  let release;
  const held = new Promise((resolve) => (release = resolve));
  globalThis.fetch = async (url) => (await held, arrived(url)); // the model's file comes when released
  const prepared = [];
  const prepare = WorkerFinder.prototype.prepare;
  WorkerFinder.prototype.prepare = function (fileset) { prepared.push(fileset); return prepare.call(this, fileset); };
  try {
    const state = {};
    const models = new HandModels(state, FakeLandmarker, "http://app/component/");
    const opened = models.open({ wasmBinaryPath: "http://app/component/vision.wasm" }, "full", 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(FakeWorker.made.length, 1); // made before the file arrived: its script loads meanwhile
    assert.deepEqual(prepared, [{ wasmBinaryPath: "http://app/component/vision.wasm" }]);
    assert.equal(state.finder, undefined);
    release();
    await opened;
    assert.equal(state.finder.worker, FakeWorker.made[0]); // the same worker opens the model
    assert.equal(modelOf(FakeWorker.made[0].engine.tracker), MODELS.full);
  } finally {
    WorkerFinder.prototype.prepare = prepare;
  }
});

test("where asked, the worker fetches the model's file itself, once, and the page fetches none", async () => {
  fakeBrowser();
  withWorkers();
  const asked = [];
  const arrived = globalThis.fetch;
  globalThis.fetch = (url) => (asked.push(url), arrived(url));
  const { state, models } = await (async () => {
    const state = {};
    const models = new HandModels(state, FakeLandmarker, "http://app/component/", PACE, { workerFetches: true });
    await models.open({}, "full", 1);
    for (let i = 0; i < SETTLE; i++) models.measure(40);
    await waitFor(() => state.scout && !models.turning);
    return { state, models };
  })();
  assert.equal(state.finder.where, "worker");
  assert.deepEqual(Object.keys(models.fetched), []); // nothing read on the page's thread
  assert.deepEqual(asked, [`http://app/component/${MODELS.full}`]); // the tracker and the scout: one fetch
  const engine = FakeWorker.made[0].engine;
  assert.equal(modelOf(engine.tracker), MODELS.full);
  assert.equal(modelOf(engine.scout), MODELS.full);
});

test("the worker's engine refuses a model file from another origin", async () => {
  fakeBrowser();
  globalThis.location = { origin: "http://app", href: "http://app/component/handworker.js" };
  try {
    const engine = new HandEngine(FakeLandmarker, () => [() => undefined], () => ({ width: 64, height: 48 }), "worker");
    const refused = await answer(engine, { id: 1, call: "open", args: [{}, `http://elsewhere/${MODELS.full}`, 1] });
    assert.equal(refused.failure.code, "hand_model");
    const opened = await answer(engine, { id: 2, call: "open", args: [{}, `http://app/component/${MODELS.full}`, 1] });
    assert.equal(opened.failure, undefined);
  } finally {
    delete globalThis.location;
  }
});

test("a model's file that cannot be fetched closes the worker made ahead of it", async () => {
  fakeBrowser([MODELS.full]);
  withWorkers();
  const models = new HandModels({}, FakeLandmarker, "http://app/component/");
  await assert.rejects(models.open({}, "full", 1), (error) => error.code === "hand_model");
  assert.equal(FakeWorker.made.length, 1);
  assert.ok(FakeWorker.made[0].terminated);
});

test("a camera frame goes to the worker as a VideoFrame handed over, made into pixels there and closed", async () => {
  const { worker } = await tabAt(40);
  const drawn = [];
  class FakeVideoFrame {
    constructor(source, init) { Object.assign(this, { source, init, displayWidth: 1280, displayHeight: 720, closed: false }); }
    close() { this.closed = true; }
  }
  class PixelCanvas {
    constructor(width, height) { Object.assign(this, { width, height }); }
    getContext(kind, options) {
      assert.equal(kind, "2d");
      assert.equal(options.willReadFrequently, true); // read back on every frame: kept in memory, not on a GPU
      return { drawImage: (image, x, y, w, h) => drawn.push([image, w, h]),
        getImageData: (x, y, w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }) };
    }
  }
  Object.assign(globalThis, { VideoFrame: FakeVideoFrame, OffscreenCanvas: PixelCanvas });
  const posted = [];
  const post = worker.worker.postMessage.bind(worker.worker);
  worker.worker.postMessage = (data, transfer) => (posted.push([data, transfer]), post(data, transfer));
  const tracker = FakeWorker.made[0].engine.tracker, before = tracker.frames;
  try {
    assert.ok(WorkerFinder.takesVideoFrames());
    const video = { videoWidth: 1280, videoHeight: 720 };
    assert.deepEqual(await worker.findVideo(video, 1, 1234.5), []);
    const [data, transfer] = posted.at(-1);
    const sent = data.args[0];
    assert.ok(sent instanceof FakeVideoFrame && sent.source === video && sent.init.timestamp === 1234500);
    assert.deepEqual(transfer, [sent]); // handed over, not copied
    assert.deepEqual(drawn.at(-1), [sent, 640, 360]); // scaled as frameCanvas scales a large camera's frames
    assert.ok(sent.closed);
    assert.equal(tracker.frames, before + 1);
  } finally {
    delete globalThis.VideoFrame;
  }
  assert.equal(WorkerFinder.takesVideoFrames(), false);
});
