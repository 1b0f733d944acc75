// The editor page's first script: the guard (no request leaves the app's origin), and React under the names
// scratch-gui's library asks for (its UMD build reads `react` and `react-dom` off the window as it loads).
import "./guard.js";

window.react = window.React;
window["react-dom"] = window.ReactDOM;
