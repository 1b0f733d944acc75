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
  hands.forEach((hand, h) => {
    const points = pixelPoints(hand, width, height).map(([x, y]) => [mirrorX(x, width), y]);
    ctx.strokeStyle = "#30e060";
    ctx.lineWidth = 3;
    for (const { start, end } of HandLandmarker.HAND_CONNECTIONS) {
      ctx.beginPath();
      ctx.moveTo(...points[start]);
      ctx.lineTo(...points[end]);
      ctx.stroke();
    }
    ctx.fillStyle = "#ff3060";
    for (const [x, y] of points) ctx.fillRect(x - 3, y - 3, 6, 6);
    const decision = decisions[h];
    if (decision) drawLabel(ctx, decision, meta, points, width, height);
  });
  if (take) drawTakeBadge(ctx, take, width);
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
  ctx.fillStyle = "rgba(0,0,0,0.6)";
  ctx.fillRect(0, 0, width, 40);
  ctx.fillStyle = elapsed < countdown ? "#ffffff" : "#ff5050";
  const text = elapsed < countdown
    ? `get ready: ${name}  ${Math.ceil(countdown - elapsed)}`
    : `REC ${name}  ${Math.max(0, take.end - elapsed).toFixed(1)}s  ${take.frames.length} frames`;
  ctx.fillText(text, 12, 30);
}
