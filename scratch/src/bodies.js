// Body-pose projects in the editor's tab: MediaPipe's PoseLandmarker in the pose worker (poseworker.js) on the
// pose bundle `make scratch` packs from the wheel's pose networks (scratch/make_pose_task.py), and the project's
// ONNX (33 joints, and each joint's visibility where the model reads it) with Live's unknown rule and smoothing.
// The camera, the loop and the model's loading are the hand recogniser's (recognise.js).

import { FilesetResolver } from "@mediapipe/tasks-vision";
import { Recogniser } from "./recognise.js";
import { bodyAnswer } from "./answers.js";
import { distanceRows, rows, decide } from "../../frontend/src/decide.js";
import { frameCanvas } from "../../frontend/src/frames.js";
import { WorkerFinder } from "../../frontend/src/finders.js";
import { TabFailure, firstLine, wasmFileset } from "../../frontend/src/landmarker.js";
import { BODY_JOINTS, bodyTensorData } from "./bodydata.js";

export const POSE_BUNDLE = "pose_landmarker.task";

export class BodyRecogniser extends Recogniser {
  constructor(assets, say) {
    super(assets, say);
    this.kind = "body";
    this.latest = bodyAnswer([], []);
    this.settings.steady = null; // the One Euro settings are the hand's: a body's points go as the model gives them
  }

  async start() {
    if (this.started) return;
    this.started = true;
    this.say("Opening the camera…");
    const opening = this.openPoses();
    opening.catch(() => {});
    if (!(await this.openCamera())) return;
    this.say("Loading the body model…");
    try {
      await opening;
    } catch (error) {
      const missing = error instanceof TabFailure && error.code === "hand_model";
      this.say(missing ? "This server has no body model, so your poses cannot be seen here."
        : `Finding people stopped: ${firstLine(error)}`);
      return;
    }
    this.say("");
    this.loop();
  }

  // The pose worker on the pose bundle, which it fetches itself (fetched here, the file waited for the page's thread,
  // busy with the editor's library); a browser whose workers cannot run MediaPipe (WebKit) finds no poses here.
  async openPoses() {
    if (!WorkerFinder.possible()) throw new TabFailure("webgl");
    const fileset = wasmFileset(this.assets, await FilesetResolver.isSimdSupported());
    const finder = new WorkerFinder(`${this.assets}poseworker.js`);
    try { // TabFailure("hand_model") where the bundle is absent
      await finder.within(20_000, finder.call("open", [fileset, `${this.assets}${POSE_BUNDLE}`]), "open its body model");
    } catch (error) {
      finder.close();
      throw error;
    }
    this.state.finder = finder;
  }

  async frame(slot = 0) {
    const finder = this.state.finder;
    // as the hand recogniser does: the frame handed to the worker as a VideoFrame where the browser has them
    const seen = await this.seeFrame((width, height, now) => (this.framesAs === "videoframe" && WorkerFinder.takesVideoFrames()
      ? finder.findVideo(this.video, 1, now) : finder.find(frameCanvas(this.video, width, height, slot, true), 1, now)));
    if (!seen) return;
    const { found: bodies, width, height, now } = seen;
    const decisions = await this.classify(bodies, width, height, now);
    this.latest = this.withMotion(bodyAnswer(bodies, decisions));
    if (this.onFound) this.onFound(bodies);
    this.timing.frames += 1;
    if (decisions.length) this.timing.labelled += 1;
  }

  async classify(bodies, width, height, now = performance.now()) {
    const { session, meta } = this.state;
    if (!session) return [];
    if (await this.pushMotion(bodies, width, height, now)) return [];
    if (!bodies.length) {
      this.smoother.update([], [], null);
      return [];
    }
    const ort = this.ort, data = bodyTensorData(bodies), n = bodies.length;
    const feeds = {
      landmarks: new ort.Tensor("float32", data.landmarks, [n, BODY_JOINTS, 3]),
      image_size: new ort.Tensor("float32", Float32Array.of(width, height), [2]),
    };
    if (session.inputNames.includes("visibility")) feeds.visibility = new ort.Tensor("float32", data.visibility, [n, BODY_JOINTS]);
    const out = await session.run(feeds);
    const classes = meta.classes.length;
    const probabilities = rows(out.probabilities.data, n, classes);
    const { distance, starter_distance: starter, other_distance: other } = out;
    const distances = distanceRows(distance && distance.data, starter && starter.data, other && other.data, n, classes);
    const tolerance = Number(this.settings.tolerance) || 1.0;
    const threshold = this.settings.threshold == null ? meta.threshold : Number(this.settings.threshold);
    return this.smoother.update(bodies, probabilities, distances)
      .map((row) => decide(row.probabilities, row.distances, meta, tolerance, threshold));
  }
}
