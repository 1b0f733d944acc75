// The editor tab's own recognition: the browser path's hand engine (frontend/src: MediaPipe's
// HandLandmarker in its worker, the follower, the lite model on a slow device) and the project's ONNX with Live's
// unknown rule and smoothing (decide.js), so the server pays nothing per frame. `latest` is what the blocks read.

import { FilesetResolver, HandLandmarker } from "@mediapipe/tasks-vision";
import { readMetadata } from "../../examples/onnx_metadata.mjs";
import { landmarkTensorData } from "../../frontend/src/hands.js";
import { Smoother, decide, distanceRows, rows } from "../../frontend/src/decide.js";
import { KeypointSmoother } from "../../frontend/src/smoothing.js";
import { frameCanvas } from "../../frontend/src/frames.js";
import { TabFailure, firstLine, wasmFileset } from "../../frontend/src/landmarker.js";
import { HandModels } from "../../frontend/src/handmodels.js";
import { WorkerFinder } from "../../frontend/src/finders.js";
import { PACE, startingModel } from "../../frontend/src/pace.js";
import { cameraProblem } from "../../frontend/src/events.js";
import { INDEX_TIP, frameAnswer } from "./answers.js";
import { FramePace, smoothingFrames } from "./smoothing.js";
import { oneAtATime, runFrames } from "../../frontend/src/frameloop.js";
import { MotionReader } from "./motion.js";

export class Recogniser {
  // `assets`: the folder URL of the engine's files; `say(text)`: one line for the child ("" clears it).
  constructor(assets, say) {
    const ort = window.ort;
    ort.env.wasm.wasmPaths = assets;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = typeof Worker !== "undefined";
    this.ort = ort;
    this.say = say;
    this.assets = assets;
    this.state = { finder: null, session: null, meta: null, modelVersion: null, loading: null };
    this.settings = { tolerance: 1.0, threshold: null, steady: null, hands: 1 };
    this.smoother = new Smoother();
    this.pace = new FramePace();
    // a frame's finding once the frame before has left the finder (frameloop.js). Queued in the worker behind it
    // instead, each frame waited a whole frame's work there: the rocket's x followed p01's fingertip 0.1 s later
    // (r 0.76 against 0.83)
    this.inTurn = oneAtATime();
    this.steady = null;
    this.steadyKey = null;
    this.latest = frameAnswer([], []);
    this.timing = { frames: 0, labelled: 0, firstLabelAt: null, started: performance.now() };
    this.video = Object.assign(document.createElement("video"), { muted: true, playsInline: true, autoplay: true });
    this.started = false;
    // settled once the camera opened or was refused: the editor's library waits for it (host.js)
    this.cameraTried = new Promise((resolve) => (this.cameraSettled = resolve));
    this.framesAs = "videoframe"; // or "pixels": the frame drawn and read back on the page (bench/speed/scratch.py compares)
  }

  // the camera for the stage and the finder; false (said on the stage) when the browser gives none
  async openCamera() {
    try {
      this.video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      await this.video.play();
      return true;
    } catch (error) {
      this.started = false;
      this.say(cameraProblem(error).message.replace(/, or use a photo or video file instead/, ""));
      return false;
    } finally {
      this.cameraSettled();
    }
  }

  async start() {
    if (this.started) return;
    this.started = true;
    this.say("Opening the camera…");
    this.models = new HandModels(this.state, HandLandmarker, this.assets, PACE, { workerFetches: true });
    const opening = FilesetResolver.isSimdSupported()
      .then((simd) => this.models.open(wasmFileset(this.assets, simd), startingModel(), this.settings.hands));
    opening.catch(() => {});
    if (!(await this.openCamera())) return;
    performance.mark("ht:camera");
    this.say("Loading the hand model…");
    try {
      await opening;
    } catch (error) {
      this.say(error instanceof TabFailure ? error.message : `Finding hands stopped: ${firstLine(error)}`);
      return;
    }
    performance.mark("ht:hand-model");
    this.say("");
    this.loop();
  }

  async loadModel(bytes, version) {
    if (!bytes || version === this.state.modelVersion || version === this.state.loading) return;
    this.state.loading = version;
    try {
      const buffer = bytes.slice().buffer;
      const meta = Object.fromEntries(Object.entries(readMetadata(buffer)).map(([k, v]) => [k, JSON.parse(v)]));
      const session = await this.ort.InferenceSession.create(buffer, { executionProviders: ["wasm"] });
      if (this.state.loading !== version) return;
      Object.assign(this.state, { session, meta, modelVersion: version });
      performance.mark("ht:gesture-model");
      // a motion project's graph reads the clips its own spotter cuts from the stream (motion.js)
      this.motion = meta.kind === "motion" ? new MotionReader(this.ort, session, meta) : null;
      this.smoother.reset();
    } catch (error) {
      this.say(`The gesture model did not load: ${firstLine(error)}`);
    } finally {
      if (this.state.loading === version) this.state.loading = null;
    }
  }

  // Two frames at once where the worker finds the hands (frameloop.js), but one at a time in the finder (inTurn):
  // the page classifies one frame while the worker finds the hands in the next.
  loop() {
    runFrames(this.video, (_metadata, slot) => this.frame(slot), {
      inFlight: () => (this.state.finder && this.state.finder.where === "worker" ? 2 : 1),
      failed: (error) => {
        this.say(`Finding hands stopped: ${firstLine(error)}`);
        return false; // the next frame tries again
      },
    });
  }

  // The camera's newest frame through `find(width, height, now)` once the finder is free; null while the video has
  // no size yet.
  seeFrame(find) {
    return this.inTurn(async () => {
      const width = this.video.videoWidth, height = this.video.videoHeight;
      if (!width || !height) return null;
      const now = performance.now();
      return { found: await find(width, height, now), width, height, now };
    });
  }

  async frame(slot = 0) {
    const finder = this.state.finder;
    const seen = await this.seeFrame((width, height, now) => {
      // to the hand worker as a VideoFrame where it can (its pixels made there, off the editor's thread)
      const videoFrames = this.framesAs === "videoframe" && finder.where === "worker" && WorkerFinder.takesVideoFrames();
      const input = videoFrames ? null : frameCanvas(this.video, width, height, slot, finder.where === "worker");
      return videoFrames ? finder.findVideo(this.video, this.settings.hands, now) : finder.find(input, this.settings.hands, now);
    });
    if (!seen) return;
    const { found, width, height, now } = seen;
    this.pace.add(now);
    this.smoother.frames = smoothingFrames(this.pace.ms); // the same time whatever the tab's pace (smoothing.js)
    const hands = this.steadied(found, width, height, now);
    const decisions = await this.classify(hands, width, height, now);
    this.models.measure(performance.now() - now);
    this.latest = this.withMotion(frameAnswer(hands, decisions));
    if (this.onFound) this.onFound(hands); // the stage's skeleton (stageskeleton.js)
    this.timing.frames += 1;
    if (decisions.length) {
      this.timing.labelled += 1;
      if (this.timing.firstLabelAt === null) this.timing.firstLabelAt = performance.now();
    }
  }

  steadied(hands, width, height, now) {
    const config = this.settings.steady;
    if (!config) return hands;
    const key = JSON.stringify(config);
    if (key !== this.steadyKey) [this.steady, this.steadyKey] = [new KeypointSmoother(config), key];
    return this.steady.update(hands, width, height, now / 1000);
  }

  // A motion project's answer carries the last motion done (what "when I do" reads); a frame has no gesture of its own.
  withMotion(answer) {
    return this.motion ? { ...answer, motion: this.motion.latest } : answer;
  }

  // The frame's hands (or person) to the motion reader, at the frame's time; true where the project is a motion one. A
  // fingertip project follows the index fingertip alone (core/motion/fingertip.py).
  async pushMotion(found, width, height, now) {
    if (!this.motion) return false;
    const fingertip = this.state.meta.skeleton.name === "fingertip";
    const skeletons = found.map((f) => ({ points: fingertip ? [f.normalised[INDEX_TIP]] : f.normalised, score: f.score }));
    await this.motion.push(skeletons, [width, height], now / 1000);
    return true;
  }

  async classify(hands, width, height, now = performance.now()) {
    const { session, meta } = this.state;
    if (!session) return [];
    if (await this.pushMotion(hands, width, height, now)) return [];
    if (!hands.length) {
      this.smoother.update([], [], null);
      return [];
    }
    const ort = this.ort;
    const out = await session.run({
      landmarks: new ort.Tensor("float32", landmarkTensorData(hands), [hands.length, 21, 3]),
      image_size: new ort.Tensor("float32", Float32Array.of(width, height), [2]),
    });
    const classes = meta.classes.length;
    const probabilities = rows(out.probabilities.data, hands.length, classes);
    const { distance, starter_distance: starter, other_distance: other } = out;
    const distances = distanceRows(distance && distance.data, starter && starter.data, other && other.data,
      hands.length, classes);
    const tolerance = Number(this.settings.tolerance) || 1.0;
    const threshold = this.settings.threshold == null ? meta.threshold : Number(this.settings.threshold);
    return this.smoother.update(hands, probabilities, distances)
      .map((row) => decide(row.probabilities, row.distances, meta, tolerance, threshold));
  }
}
