// HandLandmarker results in the store's conventions (core/types.py): points on the unmirrored camera frame,
// normalised x, y in [0, 1] with MediaPipe's relative z, world points in metres, handedness the person's
// real hand. Only the preview is mirrored, when it is drawn.

// The Tasks API labels the unmirrored frame with the person's real hand, the convention the store keeps:
// on the shared ASL video Python's Tasks API says "Right" where the app's legacy tracker (which swaps the
// legacy solution's mirrored label, core/keypoints/landmarks.py) says "Right" too (docs/deploy.md: the two
// APIs' raw labels are opposite). So no swap here; the browser test checks it against the server path.
const PERSON_HAND = { Left: "Left", Right: "Right" };

export const HAND_JOINTS = 21;

// One hand of a HandLandmarkerResult (`landmarks[i]`, `worldLandmarks[i]`, `handedness[i]`) → the store's fields.
export function storeHand(landmarks, world, categories) {
  const best = categories && categories[0];
  return {
    normalised: landmarks.map((p) => [p.x, p.y, p.z]),
    world: world ? world.map((p) => [p.x, p.y, p.z]) : null,
    handedness: best ? PERSON_HAND[best.categoryName] || "Unknown" : "Unknown",
    score: best ? best.score : 0,
  };
}

export function storeHands(result) {
  return (result.landmarks || []).map((points, i) =>
    storeHand(points, (result.worldLandmarks || [])[i], (result.handedness || [])[i]),
  );
}

// Pixels of the unmirrored frame (what core/keypoints/landmarks.py computes: normalised × size).
export function pixelPoints(hand, width, height) {
  return hand.normalised.map(([x, y]) => [x * width, y * height]);
}

// [x0, y0, x1, y1] pixel box of a hand's points, grown by `margin` × its size on each side.
export function handBox(hand, width, height, margin = 0) {
  const points = pixelPoints(hand, width, height);
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const dx = (x1 - x0) * margin, dy = (y1 - y0) * margin;
  return [x0 - dx, y0 - dy, x1 + dx, y1 + dy];
}

// Where a point of the unmirrored frame is drawn on the mirrored (selfie) preview of `width` pixels.
export function mirrorX(x, width) {
  return width - x;
}

// A flat Float32Array (N × 21 × 3) of the hands' normalised points: the ONNX graph's `landmarks` input.
export function landmarkTensorData(hands) {
  const out = new Float32Array(hands.length * HAND_JOINTS * 3);
  hands.forEach((hand, h) => hand.normalised.forEach((p, j) => out.set(p, (h * HAND_JOINTS + j) * 3)));
  return out;
}
