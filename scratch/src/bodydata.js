// A person's pose between MediaPipe's PoseLandmarker (the pose worker), the project's ONNX and the blocks; no engine
// here (node's tests import this file alone).

export const BODY_JOINTS = 33;

// A PoseLandmarkerResult in the store's conventions (core/types.py): points on the unmirrored frame, normalised,
// with each landmark's visibility (what a body model with `use_visibility` reads).
export function storeBodies(result) {
  return (result.landmarks || []).map((points) => ({
    normalised: points.map((p) => [p.x, p.y, p.z]),
    visibility: points.map((p) => (typeof p.visibility === "number" ? p.visibility : 1)),
  }));
}

// The ONNX graph's inputs for `bodies` (N × 33): landmarks (N, 33, 3) and visibility (N, 33), flat.
export function bodyTensorData(bodies) {
  const landmarks = new Float32Array(bodies.length * BODY_JOINTS * 3), visibility = new Float32Array(bodies.length * BODY_JOINTS);
  bodies.forEach((body, b) => {
    body.normalised.forEach((p, j) => landmarks.set(p, (b * BODY_JOINTS + j) * 3));
    visibility.set(body.visibility, b * BODY_JOINTS);
  });
  return { landmarks, visibility };
}
