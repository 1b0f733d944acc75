// MediaPipe's wasm writes its log to stderr, which emscripten sends to console.error: its INFO lines ("INFO:
// Created TensorFlow Lite XNNPACK delegate for CPU.") and glog's I-lines showed as errors in the console.
// They go to console.info; everything else stays an error. Imported first: the wasm binds console.error when it
// loads (`Module.printErr || console.error.bind(console)`), so it binds this one.

export function isInfoLine(text) {
  return typeof text === "string" && (/^INFO: /.test(text) || /^I\d{4} /.test(text));
}

const error = console.error.bind(console);
console.error = (...parts) => (isInfoLine(parts[0]) ? console.info(...parts) : error(...parts));
