// MediaPipe's wasm writes its log to the console: its INFO lines ("INFO: Created TensorFlow Lite XNNPACK delegate
// for CPU.") went to console.error, and each of its two hand models (following.js's scout is the second) repeats
// the same warnings ("Feedback manager requires a model with a single signature inference…"). INFO lines go to
// console.info; a warning or error of MediaPipe's log format (glog: "W1126 23:42:35.347000 1922656 file.cc:121] …")
// is shown once per page, its repeats as console.debug; everything else is left as it is. Imported first: the wasm
// binds console.error and console.warn when it loads (`Module.printErr || console.error.bind(console)`).

export function isInfoLine(text) {
  return typeof text === "string" && (/^INFO: /.test(text) || /^I\d{4} /.test(text));
}

// The text of a glog line without its level, date, time and thread ("file.cc:121] message"), or null.
export function glogBody(text) {
  const match = typeof text === "string" && /^[WE]\d{4} [\d:.]+ +\d+ (.*)$/s.exec(text);
  return match ? match[1] : null;
}

// What the tab's hand worker has shown (finders.js passes it on): a tab that tries the page after its worker would
// else show each warning a second time, the page's MediaPipe writing the worker's lines again.
const shownInWorker = new Set();
export const workerShowed = (body) => typeof body === "string" && shownInWorker.add(body.slice(0, 500));

// `onShown(body)`: each glog line shown, by its body (the hand worker tells the page).
export function quieten(target, onShown = () => {}) {
  const seen = new Set(), error = target.error.bind(target), warn = target.warn.bind(target);
  const once = (write) => (...parts) => {
    if (isInfoLine(parts[0])) return target.info(...parts);
    const body = glogBody(parts[0]);
    if (body !== null && (seen.has(body) || shownInWorker.has(body.slice(0, 500)))) return target.debug(...parts);
    if (body !== null) {
      seen.add(body);
      onShown(body);
    }
    return write(...parts);
  };
  target.error = once(error);
  target.warn = once(warn);
}

if (typeof window !== "undefined") quieten(console);
