// A Record take in the browser: the frames looked at during capture and the message that carries them to
// the server at the take's end (core/data/browser_take.py checks every field and stores the samples).

import { pixelPoints } from "./hands.js";

export const CROP_SIDE = 192; // core/io/crops.hand_crop's size: the gallery's and the CPM's crops
const CROP_MARGIN = 0.25; // core/io/crops.THUMBNAIL_MARGIN
const MIN_SIDE_PX = 16; // core/io/crops.MIN_SIDE_PX
export const JPEG_QUALITY = 0.9; // core/io/crops.encode_jpeg's 90

// The square (x0, y0, x1, y1) frame-pixel box core/io/crops.hand_crop_box cuts around a hand.
export function cropBox(points, width, height) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const side = Math.max(x1 - x0, y1 - y0) * (1 + 2 * CROP_MARGIN);
  const half = Math.max(side, MIN_SIDE_PX, Math.max(width, height) / 50) / 2;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return [cx - half, cy - half, cx + half, cy + half];
}

// The most frames a take of this ticket can hold (core/data/browser_take.py refuses more).
export function maxFrames(ticket) {
  return Math.ceil(ticket.duration * ticket.rate) + 1;
}

// A hand as the take carries it: the store's fields and its crop (JPEG, base64 without the data: prefix).
export function takeHand(hand, crop) {
  return { normalised: hand.normalised, world: hand.world, handedness: hand.handedness, score: hand.score, crop };
}

export function jpegBase64(dataUrl) {
  const prefix = "data:image/jpeg;base64,";
  if (!dataUrl.startsWith(prefix)) throw new Error("the browser did not encode the crop as JPEG");
  return dataUrl.slice(prefix.length);
}

// The one component value a take sends: see the contract in ui/browser/README.md.
export function takeMessage(ticket, frames, width, height) {
  return {
    kind: "take",
    take_id: ticket.take_id,
    project: ticket.project,
    class_name: ticket.class_name,
    frame_size: [width, height],
    frames,
  };
}

export { pixelPoints };
