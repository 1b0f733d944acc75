// The tab's two HandLandmarkers on the full or the lite hand model (issue 55): the VIDEO-mode tracker from the
// start, and the IMAGE-mode scout (following.js) once the tab's pace (pace.js) is known, on the model the tracker
// ended up on. They live on main.js's `state` (`landmarker`, `scout`, `numHands`; the browser tests wait for
// them) with `handModel` ("full" or "lite": which one runs) and `paceMs` (the median frame's work that decided).

import { Pace, MODELS, rememberModel } from "./pace.js";
import { firstLine, handModel, workingLandmarker } from "./landmarker.js";

// `HandLandmarker`: tasks-vision's class; `assets`: the build's folder URL.
export class HandModels {
  constructor(state, HandLandmarker, assets) {
    Object.assign(this, { state, HandLandmarker, assets, fileset: null, bytes: null, fetched: {}, turning: false });
  }

  // A model's bytes, fetched once: the tab asks for the first while the camera opens. Rejects with TabFailure.
  fetch(model) {
    if (!this.fetched[model]) {
      this.fetched[model] = handModel(`${this.assets}${MODELS[model]}`);
      this.fetched[model].catch(() => {}); // said where awaited; a camera refused meanwhile leaves it unread
    }
    return this.fetched[model];
  }

  // The tracker on `model` ("full" or "lite"), tried on a blank frame (landmarker.js); throws TabFailure.
  // `fileset`: landmarker.js's wasmFileset.
  async open(fileset, model, numHands) {
    this.fileset = fileset;
    this.bytes = await this.fetch(model);
    this.state.landmarker = await this.tracker(this.bytes, numHands);
    Object.assign(this.state, { numHands, handModel: model, pace: new Pace(model), paceMs: null });
  }

  tracker(bytes, numHands) {
    const options = { baseOptions: { modelAssetBuffer: bytes, delegate: "CPU" }, runningMode: "VIDEO", numHands };
    return workingLandmarker(this.HandLandmarker, this.fileset, options,
      (landmarker, frame) => landmarker.detectForVideo(frame, performance.now()));
  }

  // Each frame's work in ms: on the frame that settles the pace, the lite model where frames are too slow, then
  // the scout (made only now: its creation, a second graph, held up the first labels of a slow tab).
  measure(ms) {
    const verdict = this.state.pace && this.state.pace.add(ms);
    if (!verdict || this.turning) return;
    this.turning = true;
    this.settle(verdict).finally(() => { this.turning = false; });
  }

  async settle(verdict) {
    const pace = this.state.pace;
    this.state.paceMs = Math.round(pace.median());
    const remembered = pace.remember();
    if (remembered) rememberModel(remembered);
    if (verdict === "lite") await this.turnLite();
    await this.makeScout().catch(() => {}); // until it loads, the tab follows as MediaPipe does
  }

  // The tracker swapped for one on the lite model between two frames (a frame's tracking is synchronous); where
  // the lite model does not load, the full one goes on, said in `liteProblem` for the tests.
  async turnLite() {
    try {
      const bytes = await this.fetch("lite");
      const numHands = this.state.numHands, lite = await this.tracker(bytes, numHands);
      if (numHands !== this.state.numHands) await lite.setOptions({ numHands: this.state.numHands }); // changed meanwhile
      const full = this.state.landmarker;
      Object.assign(this.state, { landmarker: lite, handModel: "lite" });
      this.bytes = bytes;
      full.close();
    } catch (error) {
      this.state.liteProblem = firstLine(error);
    }
  }

  async makeScout() {
    const numHands = Math.min(4, this.state.numHands + 1);
    const options = { baseOptions: { modelAssetBuffer: this.bytes, delegate: "CPU" }, runningMode: "IMAGE", numHands };
    this.state.scout = await workingLandmarker(this.HandLandmarker, this.fileset, options,
      (landmarker, frame) => landmarker.detect(frame));
  }
}
