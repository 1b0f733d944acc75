// The canvases a camera frame goes through on the browser path: the frame itself, and the frame with a hand's box
// painted over for the scout's second look (following.js).

// The camera's frame in a canvas, which MediaPipe, the preview and the mask read: each read of the video element
// itself converted its YUV frame to RGB again (a slowed tab spent 18 ms a frame in MediaPipe's upload of the
// video and 10 ms in the preview's, against one conversion and two copies of RGB pixels now). A frame larger than
// MAX_INPUT_SIDE on its longer side is scaled down to it.
// `slot` (0 or 1): one of two canvases, for two frames worked on at once (main.js). `readBack`: its pixels are read
// on every frame (for the hand worker), which a canvas kept in memory rather than on a GPU serves best.
const stills = {}; // made at first use: node's tests import this module without a document
export function frameCanvas(video, width, height, slot = 0, readBack = false) {
  const key = `${slot}${readBack}`;
  const still = (stills[key] = stills[key] || document.createElement("canvas"));
  const [w, h] = inputSize(width, height);
  if (still.width !== w || still.height !== h) Object.assign(still, { width: w, height: h });
  still.getContext("2d", { willReadFrequently: readBack }).drawImage(video, 0, 0, w, h);
  return still;
}

// The tab asks the camera for 640×480, and Chromium scales a 4K camera's frames down to that (measured with a
// 3840×2160 fake camera). A browser or camera that ignores the ask would hand MediaPipe and the preview 4K frames,
// 27 times the pixels to copy, upload and draw on every frame; the hand models look at 192 and 224 pixels.
export const MAX_INPUT_SIDE = 640;
export function inputSize(width, height) {
  const scale = Math.min(1, MAX_INPUT_SIDE / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

// A camera frame handed over as a VideoFrame (finders.js's findVideo) as the ImageData the hand worker works on,
// scaled as frameCanvas scales; the VideoFrame is closed (its memory goes back to the camera at once).
let pixelsCanvas = null;
export function videoFramePixels(frame) {
  try {
    const [w, h] = inputSize(frame.displayWidth, frame.displayHeight);
    pixelsCanvas = pixelsCanvas || new OffscreenCanvas(w, h);
    if (pixelsCanvas.width !== w || pixelsCanvas.height !== h) Object.assign(pixelsCanvas, { width: w, height: h });
    const c = pixelsCanvas.getContext("2d", { willReadFrequently: true });
    c.drawImage(frame, 0, 0, w, h);
    return c.getImageData(0, 0, w, h);
  } finally {
    frame.close();
  }
}

let maskCanvas = null, meanCanvas = null;
// a canvas of the page, or an OffscreenCanvas in a worker (handworker.js runs the scout's masked looks there)
const newCanvas = (width, height) => (typeof document !== "undefined"
  ? Object.assign(document.createElement("canvas"), { width, height }) : new OffscreenCanvas(width, height));

// The frame with `box` (unmirrored frame pixels) painted in the frame's mean colour (core.io.crops.fill_box).
// `source`: the frame canvas (frameCanvas), or its ImageData in the hand worker.
export function masked(source, box) {
  const width = source.width, height = source.height;
  maskCanvas = maskCanvas || newCanvas(width, height);
  meanCanvas = meanCanvas || newCanvas(1, 1);
  if (maskCanvas.width !== width || maskCanvas.height !== height) Object.assign(maskCanvas, { width, height });
  const c = maskCanvas.getContext("2d", { willReadFrequently: false });
  if (source instanceof ImageData) c.putImageData(source, 0, 0);
  else c.drawImage(source, 0, 0, width, height);
  const m = meanCanvas.getContext("2d", { willReadFrequently: true });
  m.drawImage(maskCanvas, 0, 0, 1, 1); // the browser averages the frame down to one pixel
  const [r, g, b] = m.getImageData(0, 0, 1, 1).data;
  c.fillStyle = `rgb(${r},${g},${b})`;
  c.fillRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
  return maskCanvas;
}
