// The tab's hand finder on the full or the lite hand model, on the page or in the hand worker (issue 55): the
// VIDEO-mode tracker from the start, and the IMAGE-mode scout (following.js) once the tab's pace (pace.js) is
// known, on the model the tracker ended up on. They live on main.js's `state`: `finder` (handengine.js's
// HandEngine on the page, or finders.js's WorkerFinder; its `where` says which; the browser tests wait for it),
// `scout` (true once made), `handModel` ("full" or "lite": which one runs), `paceMs` (the median frame's work that
// decided), and `threadMs` ({page, worker}: the median frames that chose the thread).
//
// The tab starts on the page, which keeps up on an ordinary laptop with the least delay from camera to label. A
// page still slow on the lite model tries the worker, which works beside the page's thread, and keeps whichever
// had the shorter median frame: with the page's thread slowed 4× by DevTools the worker labelled 21-25 frames a
// second against 9 on the page, but with the whole browser held to half a core the page was the faster, the
// worker's two threads then sharing that half (docs/benchmarks.md, "The browser path on a slow laptop").

import { PACE, Pace, MODELS, rememberModel } from "./pace.js";
import { blankFrame, firstLine, glCanvases, handModel } from "./landmarker.js";
import { HandEngine } from "./handengine.js";
import { WorkerFinder } from "./finders.js";

// `HandLandmarker`: tasks-vision's class; `assets`: the build's folder URL.
export class HandModels {
  constructor(state, HandLandmarker, assets, config = PACE) {
    Object.assign(this, { state, HandLandmarker, assets, config, bytes: null, fetched: {}, turning: false });
    Object.assign(this, { fileset: null, stage: "model", page: null, worker: null, workerMs: null });
  }

  // A model's bytes, fetched once: the tab asks for the first while the camera opens. Rejects with TabFailure.
  fetch(model) {
    if (!this.fetched[model]) {
      this.fetched[model] = handModel(`${this.assets}${MODELS[model]}`);
      this.fetched[model].catch(() => {}); // said where awaited; a camera refused meanwhile leaves it unread
    }
    return this.fetched[model];
  }

  // The page's tracker on `model` ("full" or "lite"), tried on a blank frame (landmarker.js); throws TabFailure.
  // `fileset`: landmarker.js's wasmFileset.
  async open(fileset, model, numHands) {
    this.fileset = fileset;
    this.bytes = await this.fetch(model);
    const page = new HandEngine(this.HandLandmarker, () => glCanvases(), () => blankFrame());
    await page.open(fileset, this.bytes, numHands);
    Object.assign(this.state, { finder: page, handModel: model, pace: new Pace(model, this.config), paceMs: null });
  }

  // Each frame's work in ms (or, with two frames at once, the time between them): on the frame that settles the
  // pace, the next step (settle).
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
  // graph, held up the first labels of a slow tab). Then, on a page slow on the lite model, the thread: the worker's
  // frames, then the page's again, since a page's first frames share the CPU with its start (Streamlit's page
  // answering the first labels; a gesture model loading), which once made a page held to half a core look slower
  // than its worker (109 against 95 ms) where it then labelled faster (12-13 frames a second against 10.8).
  async settle(verdict) {
    const median = this.state.pace.median();
    if (this.stage === "model") {
      this.state.paceMs = Math.round(median);
      const remembered = this.state.pace.remember();
      if (remembered) rememberModel(remembered);
      if (verdict === "lite") await this.turnLite();
      await this.makeScout();
      const slowPage = this.state.handModel === "lite" && (verdict === "lite" || median > this.config.tryWorkerMs);
      if (slowPage && WorkerFinder.possible()) await this.tryWorker();
      else this.stage = "done";
    } else if (this.stage === "worker") {
      this.workerMs = median;
      Object.assign(this.state, { finder: this.page, pace: new Pace("lite", this.config) });
      this.stage = "page";
    } else if (this.stage === "page") {
      this.chooseThread(median);
    }
  }

  // Where the lite model does not load, the full one goes on, said in `liteProblem` for the tests.
  async turnLite() {
    try {
      const bytes = await this.fetch("lite");
      await this.state.finder.swap(bytes);
      this.state.handModel = "lite";
      this.bytes = bytes;
    } catch (error) {
      this.state.liteProblem = firstLine(error);
    }
  }

  async makeScout() {
    try {
      await this.state.finder.makeScout(this.bytes);
      this.state.scout = true;
    } catch {
      /* until it loads, the tab follows as MediaPipe does */
    }
  }

  // The worker on the page's model and scout, tried on the next frames; the page's engine waits beside it.
  async tryWorker() {
    const worker = new WorkerFinder(`${this.assets}handworker.js`);
    try {
      await worker.open(this.fileset, this.bytes, this.state.finder.numHands);
      await worker.makeScout(this.bytes);
    } catch (error) {
      worker.close();
      this.stage = "done";
      this.state.workerProblem = firstLine(error);
      return;
    }
    Object.assign(this, { page: this.state.finder, worker, stage: "worker" });
    Object.assign(this.state, { finder: worker, pace: new Pace("lite", this.config) });
  }

  // The thread whose median frame was shorter; the other one closes once its last frame is done.
  chooseThread(pageMs) {
    const { worker, page, workerMs } = this;
    this.state.threadMs = { page: Math.round(pageMs), worker: Math.round(workerMs) };
    const keep = workerMs < pageMs ? worker : page;
    this.state.finder = keep;
    (keep === worker ? page : worker).closeWhenDone();
    Object.assign(this, { page: null, worker: null, stage: "done" });
  }
}
