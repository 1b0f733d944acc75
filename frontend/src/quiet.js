// MediaPipe's wasm writes its log to the console: its INFO lines ("INFO: Created TensorFlow Lite XNNPACK delegate
// for CPU.") went to console.error, and each of its two hand models (following.js's scout is the second) repeats
// the same warnings ("Feedback manager requires a model with a single signature inference…"). INFO lines go to
// console.info; a warning or error of MediaPipe's log format (glog: "W1126 23:42:35.347000 1922656 file.cc:121] …")
// is shown once per tab, its repeats as console.debug; everything else is left as it is. Imported first: the wasm
// binds console.error and console.warn when it loads (`Module.printErr || console.error.bind(console)`).

export function isInfoLine(text) {
  return typeof text === "string" && (/^INFO: /.test(text) || /^I\d{4} /.test(text));
}

// The text of a glog line without its level, date, time and thread ("file.cc:121] message"), or null.
export function glogBody(text) {
  const match = typeof text === "string" && /^[WE]\d{4} [\d:.]+ +\d+ (.*)$/s.exec(text);
  return match ? match[1] : null;
}

// What another of the tab's MediaPipe instances has shown. The hand worker tells the page (finders.js), and a
// new worker is told what the tab has shown so far: a tab that tried the page after its worker showed each warning
// a second time. The page keeps the list in sessionStorage, which a component frame drawn again (a new page, a new
// worker) shares with the frame before it.
const shownElsewhere = new Set();
const STORED = "handteach.shownWarnings";
const storage = () => {
  try {
    return globalThis.sessionStorage || null; // none in a worker
  } catch {
    return null; // a frame whose storage is blocked
  }
};

function stored() {
  try {
    const list = JSON.parse(storage()?.getItem(STORED) || "[]");
    return Array.isArray(list) ? list.filter((body) => typeof body === "string") : [];
  } catch {
    return [];
  }
}

export function showedElsewhere(body) {
  if (typeof body !== "string") return;
  shownElsewhere.add(body.slice(0, 500));
  const list = stored();
  if (list.includes(body.slice(0, 500)) || list.length >= 50) return;
  try {
    storage()?.setItem(STORED, JSON.stringify([...list, body.slice(0, 500)]));
  } catch {
    /* storage full or blocked: shown again at worst */
  }
}

// every warning this tab has shown so far, for a new hand worker
export const shownSoFar = () => [...new Set([...shownElsewhere, ...stored()])];

// `onShown(body)`: each glog line shown, by its body (the hand worker tells the page).
export function quieten(target, onShown = showedElsewhere) {
  const error = target.error.bind(target), warn = target.warn.bind(target);
  const once = (write) => (...parts) => {
    if (isInfoLine(parts[0])) return target.info(...parts);
    const body = glogBody(parts[0]);
    if (body !== null && (shownElsewhere.has(body.slice(0, 500)) || stored().includes(body.slice(0, 500)))) {
      return target.debug(...parts);
    }
    if (body !== null) {
      shownElsewhere.add(body.slice(0, 500));
      onShown(body);
    }
    return write(...parts);
  };
  target.error = once(error);
  target.warn = once(warn);
}

if (typeof window !== "undefined") quieten(console);
