// The Streamlit component iframe protocol (components v1), spoken directly: no React, no component-lib.
// Shapes checked against streamlit 1.60's ComponentInstance: every message to the parent carries
// isStreamlitMessage; the parent answers componentReady {apiVersion: 1} with "streamlit:render" messages
// {args, dfs, disabled, theme}; a value is {value, dataType: "json"}; a height is {height}.

export const API_VERSION = 1;

export function streamlitMessage(type, fields = {}) {
  return { isStreamlitMessage: true, type, ...fields };
}

export const componentReady = () => streamlitMessage("streamlit:componentReady", { apiVersion: API_VERSION });
export const componentValue = (value) => streamlitMessage("streamlit:setComponentValue", { value, dataType: "json" });
export const frameHeight = (height) => streamlitMessage("streamlit:setFrameHeight", { height: Math.ceil(height) });

// The args of a render message, or null for any other message.
export function renderArgs(data) {
  return data && data.type === "streamlit:render" ? data.args || {} : null;
}

// Sends to the page that holds the iframe; onRender(args) runs for each render message.
export function connect(onRender, target = window.parent) {
  window.addEventListener("message", (event) => {
    const args = renderArgs(event.data);
    if (args !== null) onRender(args);
  });
  const send = (message) => target.postMessage(message, "*");
  send(componentReady());
  return {
    setValue: (value) => send(componentValue(value)),
    setHeight: (height) => send(frameHeight(height)),
  };
}
