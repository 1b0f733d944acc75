// What the component tells the server besides a take: camera problems and the labels of Live's hands.

// A getUserMedia failure → {code, message}: the words the component shows and the page repeats
// next to the upload path.
export function cameraProblem(error) {
  const name = (error && error.name) || "";
  if (name === "NotAllowedError" || name === "PermissionDeniedError")
    return { code: "denied", message: "The camera is blocked for this page. Allow it in the browser's address bar, then press Try the camera again, or use a photo or video file instead." };
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError")
    return { code: "absent", message: "No camera was found. Plug one in, then press Try the camera again, or use a photo or video file instead." };
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError")
    return { code: "busy", message: "The camera is in use by another tab or program. Close it there, then press Try the camera again, or use a photo or video file instead." };
  if (name === "SecurityError")
    return { code: "insecure", message: "This browser allows the camera only on https:// or localhost pages. Open the app that way, or use a photo or video file instead." };
  if (name === "NoPicture")
    return { code: "blank", message: "The camera sends no picture. Close other programs that use it or choose another camera, then press Try the camera again, or use a photo or video file instead." };
  return { code: "failed", message: `The camera did not start (${name || "unknown error"}). Press Try the camera again, or use a photo or video file instead.` };
}

// What changes a Live event: each hand's handedness and label, in order (core/outputs/messages.ChangeFilter's key).
export function labelsKey(hands, decisions) {
  return JSON.stringify(hands.map((hand, h) => [hand.handedness, decisions[h] ? decisions[h].label : null]));
}

// The numbers of each hand's answer besides its label: its handedness, its probability and its distance to the
// examples, to compare with those last sent (numbersMoved).
export function cardNumbers(hands, decisions) {
  return hands.map((hand, h) => {
    const d = decisions[h];
    return d ? { handedness: hand.handedness, score: d.score, distance: d.distance } : { handedness: hand.handedness };
  });
}

// 5 points of the answer's probability, or 0.2 of its distance (the card's "0.4×"): less is the jitter of a hand held
// still, which would cost the server a rerun (about 9 ms of its CPU) every NUMBER_EVENT_GAP_MS for nothing a teacher
// reads. The card's bars go with each event and do not call for one.
export const NUMBER_MOVED = 0.05;
export const DISTANCE_MOVED = 0.2;

// Whether the answer's numbers moved since `before` (cardNumbers of the answer last sent) enough to send them again.
export function numbersMoved(before, now) {
  if (!before || before.length !== now.length) return true;
  return now.some((n, h) => {
    const b = before[h];
    if (b.handedness !== n.handedness || (b.score === undefined) !== (n.score === undefined)) return true;
    if (n.score === undefined) return false;
    if (Math.abs(n.score - b.score) >= NUMBER_MOVED) return true;
    if ((n.distance === null) !== (b.distance === null)) return true;
    return n.distance !== null && Math.abs(n.distance - b.distance) >= DISTANCE_MOVED;
  });
}

// The answer as the video draws it and the page's Labels line writes it (core.types.Prediction.short_text): the
// percentage only where the model's confidence decided; a hand among the person's own examples is "like your
// examples" (the network's number did not decide it), one nearer the class's hands than any sign not taught is
// "closest sign", and an unknown hand has no number (the card says which gesture was closest, and why not). The
// name is the decision's `shown` one, as the pages show it ("open palm"), from the model file (decide.js).
export function answerText(decision) {
  if (!decision.known) return decision.label;
  const name = decision.shown || decision.label;
  if (decision.distance === null || decision.distance === undefined) return `${name} ${Math.round(decision.score * 100)}%`;
  return `${name}, ${decision.distance <= 1 ? "like your examples" : "closest sign"}`;
}

const round = (v, places) => Number(v.toFixed(places));

// One Live event: the frame's hands with their decisions and probabilities (smoothed, as drawn), the FPS and the
// model it came from (core/outputs/browser_labels.py checks every field).
export function labelEvent(hands, decisions, meta, modelVersion, fps, frameSize) {
  return {
    kind: "labels",
    model_version: modelVersion,
    fps: round(fps, 1),
    frame_size: frameSize,
    hands: hands.map((hand, h) => ({
      handedness: hand.handedness,
      label: decisions[h].label,
      class_index: decisions[h].index,
      known: decisions[h].known,
      probabilities: Array.from(decisions[h].probabilities, (p) => round(p, 4)), // one per class of the model
      distance: decisions[h].distance === null ? null : round(Math.min(decisions[h].distance, 1e6), 3), // radii
      like_untaught: Boolean(decisions[h].likeUntaught), // unknown, and nearer a sign of no class (the card says so)
      untaught_distance: untaughtDistance(decisions[h]), // the nearest sign of no class, radii ("Very sure" reads it)
      normalised: hand.normalised.map((p) => p.map((v) => round(v, 5))),
    })),
  };
}

function untaughtDistance(decision) {
  const d = decision.untaughtDistance;
  return d === null || d === undefined ? null : round(Math.min(d, 1e6), 3);
}

// The video says what the page's card says: each hand's decision as last sent to the server (the card shows
// that event; numbers go out a few times a second), not each frame's own, which would differ from the card in
// its number between two events. A hand the card does not show yet gets its skeleton only.
export function shownOn(hands, shown) {
  return hands.map((hand, h) => (shown[h] && shown[h].handedness === hand.handedness ? shown[h].decision : null));
}
