// What the tab draws on its canvas each frame: the mirrored (selfie) preview, each hand's skeleton and the label
// the card shows, and a take's countdown or recording badge. The points stay unmirrored; mirrored where drawn.

import { HandLandmarker } from "@mediapipe/tasks-vision";
import { mirrorX, pixelPoints } from "./hands.js";
import { answerText } from "./events.js";

// `meta`: the running model's metadata (its emoji), `take`: the take being recorded or null.
export function drawFrame(ctx, video, hands, decisions, meta, take, width, height) {
  ctx.save();
  ctx.translate(width, 0);
  ctx.scale(-1, 1);
  ctx.drawImage(video, 0, 0, width, height);
  ctx.restore();
  const look = contrastTheme() ? CONTRAST_LOOK : DEFAULT_LOOK;
  hands.forEach((hand, h) => {
    const points = pixelPoints(hand, width, height).map(([x, y]) => [mirrorX(x, width), y]);
    // the black edge first, under the line and the squares: it shows the skeleton on light skin and walls
    strokeBones(ctx, points, "#000000", look.line + 2 * look.edge);
    const outer = look.joint + look.edge;
    ctx.fillStyle = "#000000";
    for (const [x, y] of points) ctx.fillRect(x - outer, y - outer, 2 * outer, 2 * outer);
    strokeBones(ctx, points, look.bone, look.line);
    ctx.fillStyle = look.joints;
    for (const [x, y] of points) ctx.fillRect(x - look.joint, y - look.joint, 2 * look.joint, 2 * look.joint);
    const decision = decisions[h];
    if (decision) drawLabel(ctx, decision, meta, points, width, height);
  });
  if (take) drawTakeBadge(ctx, take, width);
}

// The webcam's look, core/viz/draw.py's WEBCAM_STYLE and WEBCAM_CONTRAST_STYLE: bones, joints (half a square's
// side) and the black edge under both, in px.
const DEFAULT_LOOK = { bone: "#30e060", joints: "#ff3060", line: 3, joint: 3, edge: 2 };
const CONTRAST_LOOK = { bone: "#ffffff", joints: "#ffe600", line: 4, joint: 4, edge: 2 };

// Whether the page around this frame (same origin) shows the contrast theme (ui/common/theme.py).
function contrastTheme() {
  try {
    return window.parent.document.documentElement.getAttribute("data-handteach-contrast") === "on";
  } catch (error) {
    return false;
  }
}

function strokeBones(ctx, points, colour, width) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  for (const { start, end } of HandLandmarker.HAND_CONNECTIONS) {
    ctx.beginPath();
    ctx.moveTo(...points[start]);
    ctx.lineTo(...points[end]);
    ctx.stroke();
  }
}

// The label over the hand's top-left corner, moved left and down as far as it must to stay whole in the frame
// (a hand near the right edge once had its label cut: "👍 thumbs_up 1").
function drawLabel(ctx, decision, meta, points, width, height) {
  const emoji = decision.known && meta ? (meta.emoji[decision.index] || "") : "";
  const text = `${emoji} ${answerText(decision)}`.trim();
  ctx.font = "bold 22px sans-serif";
  const textWidth = ctx.measureText(text).width;
  const [x, y] = labelPlace(textWidth, points, width, height);
  ctx.fillStyle = "rgba(0,0,0,0.6)";
  ctx.fillRect(x - 4, y - 22, textWidth + 8, 28);
  ctx.fillStyle = decision.known ? "#ffffff" : "#ffcc66";
  ctx.fillText(text, x, y);
}

// [x, y] of a label `textWidth` px wide (its baseline's left end) for a hand's (mirrored) pixel points.
export function labelPlace(textWidth, points, width, height) {
  const x = Math.max(4, Math.min(Math.min(...points.map((p) => p[0])), width - textWidth - 4));
  const y = Math.min(height - 6, Math.max(24, Math.min(...points.map((p) => p[1])) - 10));
  return [x, y];
}

function drawTakeBadge(ctx, take, width) {
  const elapsed = (performance.now() - take.started) / 1000, { countdown, class_name: stored, shown } = take.ticket;
  const name = shown || stored; // as the pages show it ("open palm"): core.data.imports.take_tickets.TakeTicket.as_args
  ctx.font = "bold 28px sans-serif";
  // an opaque band: the red on a 60 % band over a bright room was 2.1:1; on black #ff6b6b is 7.6:1, white 21:1
  ctx.fillStyle = "#000000";
  ctx.fillRect(0, 0, width, 40);
  ctx.fillStyle = elapsed < countdown ? "#ffffff" : "#ff6b6b";
  const text = elapsed < countdown
    ? `get ready: ${name}  ${Math.ceil(countdown - elapsed)}`
    : `REC ${name}  ${Math.max(0, take.end - elapsed).toFixed(1)}s  ${take.frames.length} frames`;
  ctx.fillText(text, 12, 30);
}
