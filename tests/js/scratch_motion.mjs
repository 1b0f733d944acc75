// tests/test_scratch_motion.py's bridge to scratch/src/motion.js: reads one JSON job on stdin, writes one JSON answer.
//   {"do": "inputs", "meta": {...}, "clips": [{"image_size": [w, h], "frames": [{"t", "points" | null}]}]}
//     → [{path, landmarks, resample, frames} | null] (flat arrays)
//   {"do": "stream", "onnx": PATH, "image_size": [w, h], "frames": [{"t", "points" | null}]}
//     → [{label, start, end, sure}]: the reader's events, the graph run by onnxruntime-web's node build
import { readFileSync } from "node:fs";
import { graphInputs, MotionReader } from "../../scratch/src/motion.js";

const job = JSON.parse(readFileSync(0, "utf8"));
if (job.do === "inputs") {
  const answers = job.clips.map((clip) => {
    const inputs = graphInputs(clip.frames, clip.image_size, job.meta);
    return inputs && { path: [...inputs.path], landmarks: [...inputs.landmarks], resample: [...inputs.resample], frames: inputs.frames };
  });
  process.stdout.write(JSON.stringify(answers));
} else {
  const ort = await import("../../frontend/node_modules/onnxruntime-web/dist/ort.node.min.mjs");
  const bytes = readFileSync(job.onnx);
  const session = await ort.InferenceSession.create(bytes);
  const { readMetadata } = await import("../../examples/onnx_metadata.mjs");
  const meta = Object.fromEntries(Object.entries(readMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))).map(([k, v]) => [k, JSON.parse(v)]));
  const reader = new MotionReader(ort, session, meta);
  const events = [];
  for (const frame of job.frames) {
    const found = frame.points ? [{ points: frame.points, score: 0.9 }] : [];
    const event = await reader.push(found, job.image_size, frame.t);
    if (event) events.push({ label: event.label, start: event.start, end: event.end, sure: event.sure });
  }
  process.stdout.write(JSON.stringify(events));
}
