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
  return { code: "failed", message: `The camera did not start (${name || "unknown error"}). Press Try the camera again, or use a photo or video file instead.` };
}

// What changes a Live event: each hand's handedness and label, in order (core/outputs/messages.ChangeFilter's key).
export function labelsKey(hands, decisions) {
  return JSON.stringify(hands.map((hand, h) => [hand.handedness, decisions[h] ? decisions[h].label : null]));
}

const round = (v, places) => Number(v.toFixed(places));

// One Live event: the frame's hands with their labels (smoothed, as drawn), the FPS and the model it came from.
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
      score: round(decisions[h].score, 4),
      top: decisions[h].top.map(([c, p]) => [c, round(p, 4)]), // [class index, probability], best first
      distance: decisions[h].distance === null ? null : round(Math.min(decisions[h].distance, 1e6), 3), // radii
      like_untaught: Boolean(decisions[h].likeUntaught), // unknown, and nearer a sign of no class (the card says so)
      normalised: hand.normalised.map((p) => p.map((v) => round(v, 5))),
    })),
  };
}

// The video says what the page's card says: each hand's decision as last sent to the server (the card shows
// that event), not each frame's own, which would differ from the card in its number between two events and
// cost the server a rerun a frame to keep up. A hand the card does not show yet gets its skeleton only.
export function shownOn(hands, shown) {
  return hands.map((hand, h) => (shown[h] && shown[h].handedness === hand.handedness ? shown[h].decision : null));
}
