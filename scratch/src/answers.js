// What the blocks read of a frame, apart from the engine that finds it (node's tests import this file alone).

export const NO_HAND = "no hand";
export const UNKNOWN = "unknown";
export const INDEX_TIP = 8; // MediaPipe's index fingertip

// Stage coordinates (−240…240 × −180…180, y up) of a point of the unmirrored frame, normalised [0, 1]: mirrored,
// as the stage's video and Live's preview show the person.
export function stagePoint([x, y]) {
  const clamp = (v, low, high) => Math.max(low, Math.min(high, v));
  return [Math.round(clamp(240 - x * 480, -240, 240)), Math.round(clamp(180 - y * 360, -180, 180))];
}

// What the blocks read of one frame: the first hand's answer, or "no hand".
export function frameAnswer(hands, decisions) {
  if (!hands.length) return { label: NO_HAND, shown: NO_HAND, sure: 0, hands: 0, tip: null };
  const d = decisions[0];
  const tip = stagePoint(hands[0].normalised[INDEX_TIP]);
  if (!d) return { label: UNKNOWN, shown: UNKNOWN, sure: 0, hands: hands.length, tip };
  return { label: d.known ? d.label : UNKNOWN, shown: d.known ? d.shown : UNKNOWN,
    sure: Math.round(d.score * 100), hands: hands.length, tip };
}

// The body's points the blocks can follow: MediaPipe Pose's (BlazePose) joints, named as the person's own side
// (the stage is mirrored, so the person's left wrist shows on the stage's left, as in a mirror).
export const BODY_POINTS = { nose: 0, "left wrist": 15, "right wrist": 16 };

// What the blocks read of one frame of a body-pose project: the person's pose (MediaPipe Pose follows one), or
// "no person", and the followed points in stage coordinates. `bodies`: [{normalised: 33 × [x, y, z]}].
export const NO_PERSON = "no person";
export function bodyAnswer(bodies, decisions) {
  if (!bodies.length) return { label: NO_PERSON, shown: NO_PERSON, sure: 0, hands: 0, tip: null, points: null };
  const points = Object.fromEntries(Object.entries(BODY_POINTS)
    .map(([name, joint]) => [name, stagePoint(bodies[0].normalised[joint])]));
  const answer = frameAnswer(bodies, decisions);
  return { ...answer, tip: null, points };
}
