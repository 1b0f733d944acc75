// The canvases a camera frame goes through on the browser path: the frame itself, and the frame with a hand's box
// painted over for the scout's second look (following.js).

// The camera's frame in a canvas, which MediaPipe, the preview and the mask read: each read of the video element
// itself converted its YUV frame to RGB again (a slowed tab spent 18 ms a frame in MediaPipe's upload of the
// video and 10 ms in the preview's, against one conversion and two copies of RGB pixels now).
export const still = document.createElement("canvas");
export function frameCanvas(video, width, height) {
  if (still.width !== width || still.height !== height) Object.assign(still, { width, height });
  still.getContext("2d").drawImage(video, 0, 0, width, height);
  return still;
}

const maskCanvas = document.createElement("canvas"), meanCanvas = Object.assign(document.createElement("canvas"), { width: 1, height: 1 });

// The frame with `box` (unmirrored frame pixels) painted in the frame's mean colour (core.io.crops.fill_box).
export function masked(source, box) {
  const width = source.width, height = source.height; // the frame canvas (frameCanvas)
  if (maskCanvas.width !== width || maskCanvas.height !== height) Object.assign(maskCanvas, { width, height });
  const c = maskCanvas.getContext("2d", { willReadFrequently: false });
  c.drawImage(source, 0, 0, width, height);
  const m = meanCanvas.getContext("2d", { willReadFrequently: true });
  m.drawImage(source, 0, 0, 1, 1); // the browser averages the frame down to one pixel
  const [r, g, b] = m.getImageData(0, 0, 1, 1).data;
  c.fillStyle = `rgb(${r},${g},${b})`;
  c.fillRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
  return maskCanvas;
}
