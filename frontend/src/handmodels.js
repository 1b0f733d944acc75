// The tab's hand finder on the full or the lite hand model, in the hand worker or on the page (issue 55): the
// VIDEO-mode tracker from the start, and the IMAGE-mode scout (following.js) once the tab's pace (pace.js) is
// known, on the model the tracker ended up on. They live on main.js's `state`: `finder` (finders.js's
// WorkerFinder, or handengine.js's HandEngine on the page; its `where` says which; the browser tests wait for
// it), `scout` (true once made), `handModel` ("full" or "lite": which one runs), `paceMs` (the median frame's work
// that decided), `threadMs` ({worker, page}: the median frames that chose the thread, where both were tried),
// `workerProblem` and `liteProblem` (why the worker or the lite model could not be used, where they could not).
//
// The tab starts in its hand worker where the browser can run MediaPipe there: the model opens beside the page
// while Streamlit's page and the camera start, and the page readies the next frame while the worker finds hands
// in this one. Measured (docs/benchmarks.md, "The browser path on a slow laptop"): unslowed, more labelled frames
// a second than on the page; with the page's thread slowed 4× by DevTools, the first label within 8 s where the
// page's own start took longer. A worker still slow on the lite model tries the page, and the tab keeps whichever
// had the shorter median frame: with the whole browser held to half a core the page was the faster, the worker's
// two threads then sharing that half.

import { PACE, Pace, MODELS, rememberModel } from "./pace.js";
import { blankFrame, firstLine, glCanvases, handModel } from "./landmarker.js";
import { HandEngine } from "./handengine.js";
import { WorkerFinder } from "./finders.js";

// `HandLandmarker`: tasks-vision's class; `assets`: the build's folder URL; `workerFetches`: the worker fetches the
// model's file itself (the Scratch editor's tab, whose page thread is busy as it starts), else the page does.
export class HandModels {
  constructor(state, HandLandmarker, assets, config = PACE, { workerFetches = false } = {}) {
    Object.assign(this, { state, HandLandmarker, assets, config, workerFetches, model: null, fetched: {}, turning: false });
    Object.assign(this, { fileset: null, numHands: 1, stage: "model", first: null, firstMs: null });
  }

  url(model) {
    return `${this.assets}${MODELS[model]}`;
  }

  // A model's bytes on the page, fetched once: the tab asks for the first while the camera opens. Rejects with
  // TabFailure.
  fetch(model) {
    if (!this.fetched[model]) {
      this.fetched[model] = handModel(this.url(model));
      this.fetched[model].catch(() => {}); // said where awaited; a camera refused meanwhile leaves it unread
    }
    return this.fetched[model];
  }

  // What a finder opens `model` from: its bytes fetched by the page, or the file's address, which a worker that
  // fetches it itself reads. A file fetched by the page is read on the page's thread: in the Scratch editor that
  // thread is busy with the editor's library for seconds as the tab starts, and the model's file arrived 4-5 s late
  // (bench/speed/scratch.py). In Live the page's fetch starts before the worker's script has loaded.
  source(finder, model = this.model) {
    return finder.where === "worker" && this.workerFetches ? this.url(model) : this.fetch(model);
  }

  // The tracker on `model` ("full" or "lite"), in the worker where one opens, else on the page, each tried on a
  // blank frame (landmarker.js); throws the page's TabFailure. `fileset`: landmarker.js's wasmFileset.
  async open(fileset, model, numHands) {
    Object.assign(this, { fileset, numHands, model });
    if (!this.workerFetches) this.fetch(model);
    // the worker, its script and its runtime's files load while the model's file arrives: made after it, a cold
    // tab's worker asked for its WASM 0.66-0.72 s after the model had come (bench/speed/first_card.py)
    const early = WorkerFinder.possible() ? this.earlyWorker(fileset, this.workerFetches ? this.url(model) : null) : null;
    const worker = early ? await this.opened(() => early) : null;
    const finder = worker || (await this.opened(() => this.newPage(), { rethrow: true }));
    Object.assign(this.state, { finder, handModel: model, pace: new Pace(model, this.config), paceMs: null });
  }

  newWorker() {
    return new WorkerFinder(`${this.assets}handworker.js`);
  }

  earlyWorker(fileset, modelUrl) {
    try {
      const worker = this.newWorker();
      worker.prepare(fileset, modelUrl);
      return worker;
    } catch {
      return null; // opened on the page instead, as where no worker can be made
    }
  }

  newPage() {
    return new HandEngine(this.HandLandmarker, () => glCanvases(), () => blankFrame());
  }

  // A finder opened on the tab's model (and its scout, where asked), or null where the worker's could not: the
  // reason is kept in `workerProblem` and the page goes on. `rethrow`: the page's own failure is the tab's.
  async opened(make, { scout = false, rethrow = false } = {}) {
    let finder = null;
    try {
      finder = make();
      await finder.open(this.fileset, await this.source(finder), this.numHands);
      if (scout) await finder.makeScout(await this.source(finder));
      return finder;
    } catch (error) {
      finder?.close();
      if (rethrow) throw error;
      const detail = error && error.detail ? ` (${error.detail})` : "";
      if (!finder || finder.where === "worker") this.state.workerProblem = firstLine(error) + detail;
      return null;
    }
  }

  // Each frame's work in ms (main.js: with two frames at once, the longer of the page's and the worker's parts):
  // on the frame that settles the pace, the next step (settle).
  measure(ms) {
    // the threads are compared on frames of a started tab: a gesture model loading (onnxruntime-web compiling in its
    // own worker) took the CPU from the page's first frames under a CPU quota, and made the page look the slower
    if (this.stage !== "model" && this.state.loading) return;
    const verdict = this.state.pace && this.state.pace.add(ms);
    if (!verdict || this.turning) return;
    this.turning = true;
    this.settle(verdict).finally(() => { this.turning = false; });
  }

  // First the model: the lite one where frames are too slow, then the scout (made only now: its creation, a second
  // graph, held up the first labels of a slow tab). Then, on a worker slow on the lite model, the thread: the
  // worker's frames on the lite model (where it just turned), then the page's, and the shorter median is kept.
  async settle(verdict) {
    const median = this.state.pace.median();
    if (this.stage === "model") {
      this.state.paceMs = Math.round(median);
      const remembered = this.state.pace.remember();
      if (remembered) rememberModel(remembered);
      if (verdict === "lite") await this.turnLite();
      await this.makeScout();
      const slow = this.state.handModel === "lite" && (verdict === "lite" || median > this.config.tryWorkerMs);
      this.stage = slow && this.state.finder.where === "worker" ? "worker" : "done";
      if (this.stage === "worker" && verdict === "lite") this.state.pace = new Pace("lite", this.config);
      else if (this.stage === "worker") await this.tryPage(median);
    } else if (this.stage === "worker") {
      if (median > this.config.tryWorkerMs) await this.tryPage(median);
      else this.stage = "done";
    } else if (this.stage === "page") {
      this.chooseThread(median);
    }
  }

  // Where the lite model does not load, the full one goes on, said in `liteProblem` for the tests.
  async turnLite() {
    try {
      await this.state.finder.swap(await this.source(this.state.finder, "lite"));
      this.state.handModel = "lite";
      this.model = "lite";
    } catch (error) {
      this.state.liteProblem = firstLine(error);
    }
  }

  async makeScout() {
    try {
      await this.state.finder.makeScout(await this.source(this.state.finder));
      this.state.scout = true;
    } catch {
      /* until it loads, the tab follows as MediaPipe does */
    }
  }

  // The page's engine on the worker's model and scout, tried on the next frames; the worker waits beside it.
  async tryPage(workerMs) {
    const page = await this.opened(() => this.newPage(), { scout: true });
    if (!page) {
      this.stage = "done";
      return;
    }
    Object.assign(this, { first: this.state.finder, firstMs: workerMs, stage: "page" });
    Object.assign(this.state, { finder: page, pace: new Pace("lite", this.config) });
  }

  // The thread whose median frame was shorter; the other one closes once its last frame is done.
  chooseThread(pageMs) {
    const worker = this.first, page = this.state.finder, workerMs = this.firstMs;
    this.state.threadMs = { worker: Math.round(workerMs), page: Math.round(pageMs) };
    const keep = pageMs < workerMs ? page : worker;
    this.state.finder = keep;
    (keep === worker ? page : worker).closeWhenDone();
    Object.assign(this, { first: null, stage: "done" });
  }
}
