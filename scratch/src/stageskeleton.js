// The skeleton drawn over the camera's video on the Scratch stage ("show skeleton [on]"): the hands' or the
// body's bones and joints, mirrored as the stage's video is, in the browser path's look (frontend/src/draw.js:
// a black edge under bright bones and joints, so the skeleton stands out on any skin and any wall; the contrast
// theme's white and yellow where the page shows it). A bitmap drawable of the stage's renderer in its pen layer:
// above the video, under the sprites.

import { HandLandmarker, PoseLandmarker } from "@mediapipe/tasks-vision";

const STAGE = [480, 360], RESOLUTION = 2; // drawn at twice the stage's size: sharp on the large stage
const DEFAULT_LOOK = { bone: "#30e060", joints: "#ff3060", line: 3, joint: 3, edge: 2 };
const CONTRAST_LOOK = { bone: "#ffffff", joints: "#ffe600", line: 4, joint: 4, edge: 2 };
const SEEN = 0.5; // a body's joint MediaPipe thinks hidden (visibility under this) is left out

// [x, y] canvas pixels of each point of `skeleton` ({normalised, visibility?}) on the mirrored stage; null for
// a joint not seen.
export function stagePixels(skeleton, width = STAGE[0] * RESOLUTION, height = STAGE[1] * RESOLUTION) {
  return skeleton.normalised.map(([x, y], j) => (skeleton.visibility && skeleton.visibility[j] < SEEN
    ? null : [(1 - x) * width, y * height]));
}

export class StageSkeleton {
  // `renderer`: the VM's scratch-render; `kind`: () => "hand" or "body"; `contrast`: () => bool.
  constructor(renderer, kind, contrast = () => false) {
    Object.assign(this, { renderer, kind, contrast, on: false, skin: -1, drawable: -1, canvas: null });
  }

  skeleton(on) {
    this.on = on;
    if (!on && this.drawable !== -1) this.renderer.updateDrawableVisible(this.drawable, false);
    if (!on) this.renderer.draw();
  }

  // Each frame's hands or bodies (unmirrored, normalised), drawn while the skeleton is on.
  show(skeletons) {
    if (!this.on || !this.renderer) return;
    if (!this.canvas) {
      this.canvas = Object.assign(document.createElement("canvas"), { width: STAGE[0] * RESOLUTION, height: STAGE[1] * RESOLUTION });
      this.skin = this.renderer.createBitmapSkin(this.canvas, RESOLUTION);
      this.drawable = this.renderer.createDrawable("pen");
      this.renderer.updateDrawableSkinId(this.drawable, this.skin);
    }
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const bones = this.kind() === "body" ? PoseLandmarker.POSE_CONNECTIONS : HandLandmarker.HAND_CONNECTIONS;
    const look = this.contrast() ? CONTRAST_LOOK : DEFAULT_LOOK, scale = RESOLUTION;
    for (const skeleton of skeletons) {
      const points = stagePixels(skeleton);
      // the black edge first, under the bones and the joints
      strokeBones(ctx, points, bones, "#000000", (look.line + 2 * look.edge) * scale);
      fillJoints(ctx, points, "#000000", (look.joint + look.edge) * scale);
      strokeBones(ctx, points, bones, look.bone, look.line * scale);
      fillJoints(ctx, points, look.joints, look.joint * scale);
    }
    this.renderer.updateBitmapSkin(this.skin, this.canvas, RESOLUTION);
    this.renderer.updateDrawableVisible(this.drawable, true);
  }
}

function strokeBones(ctx, points, bones, colour, width) {
  Object.assign(ctx, { strokeStyle: colour, lineWidth: width, lineCap: "round" });
  for (const { start, end } of bones) {
    if (!points[start] || !points[end]) continue;
    ctx.beginPath();
    ctx.moveTo(...points[start]);
    ctx.lineTo(...points[end]);
    ctx.stroke();
  }
}

function fillJoints(ctx, points, colour, half) {
  ctx.fillStyle = colour;
  for (const point of points) if (point) ctx.fillRect(point[0] - half, point[1] - half, 2 * half, 2 * half);
}
