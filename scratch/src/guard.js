// Runs before anything else on the editor's page: no request leaves the app's origin. scratch-gui asks
// Scratch's servers for its libraries' thumbnails, text to speech and translation; here each such request is
// refused before it is made (a request blocked by the page's Content-Security-Policy still shows in the browser's
// network log as an attempt). The refused addresses are kept in `window.handteachGuard.refused` for the tests.

const refused = [];
const PLACEHOLDER = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";

export function sameOrigin(url, base = window.location.href) {
  try {
    const parsed = new URL(String(url), base);
    if (["data:", "blob:", "mediastream:", "about:"].includes(parsed.protocol)) return true;
    return parsed.origin === window.location.origin;
  } catch {
    return false;
  }
}

function refuse(url) {
  if (refused.length < 200) refused.push(String(url).slice(0, 200));
  return new TypeError("handteach: requests stay on this server"); // no address in the words a page may show
}

export function installGuard(win = window) {
  const realFetch = win.fetch.bind(win);
  win.fetch = (input, init) => {
    const url = typeof input === "string" || input instanceof URL ? input : input && input.url;
    return sameOrigin(url) ? realFetch(input, init) : Promise.reject(refuse(url));
  };
  const open = win.XMLHttpRequest.prototype.open;
  win.XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    if (!sameOrigin(url)) throw refuse(url);
    return open.call(this, method, url, ...rest);
  };
  for (const name of ["WebSocket", "EventSource"]) {
    const Real = win[name];
    if (!Real) continue;
    win[name] = function (url, ...rest) {
      // a WebSocket's ws:// address has the page's host, not its origin
      const http = String(url).replace(/^ws(s?):/, "http$1:");
      if (!sameOrigin(http)) throw refuse(url);
      return new Real(url, ...rest);
    };
    win[name].prototype = Real.prototype;
  }
  if (win.navigator.sendBeacon) win.navigator.sendBeacon = (url) => (refuse(url), false);
  // images and media: the sprite, costume, backdrop and sound libraries' thumbnails come from Scratch's CDN; an
  // address elsewhere becomes an empty picture (the library says in its own note why it is empty)
  const setAttribute = win.Element.prototype.setAttribute;
  win.Element.prototype.setAttribute = function (name, value) {
    const key = String(name).toLowerCase();
    if ((key === "src" || key === "href" || key === "xlink:href" || key === "poster") && !sameOrigin(value)) {
      refuse(value);
      return setAttribute.call(this, name, PLACEHOLDER);
    }
    return setAttribute.call(this, name, value);
  };
  for (const Kind of [win.HTMLImageElement, win.HTMLScriptElement, win.HTMLMediaElement, win.HTMLSourceElement,
    win.HTMLIFrameElement, win.HTMLLinkElement]) {
    const key = Kind === win.HTMLLinkElement ? "href" : "src";
    const property = Object.getOwnPropertyDescriptor(Kind.prototype, key);
    if (!property || !property.set) continue;
    Object.defineProperty(Kind.prototype, key, {
      ...property,
      set(value) {
        if (sameOrigin(value)) return property.set.call(this, value);
        refuse(value);
        return property.set.call(this, PLACEHOLDER);
      },
    });
  }
  const RealWorker = win.Worker;
  win.Worker = function (url, options) {
    if (!sameOrigin(url)) throw refuse(url);
    return new RealWorker(url, options);
  };
  win.Worker.prototype = RealWorker.prototype;
  const windowOpen = win.open;
  win.open = (url, ...rest) => (url && !sameOrigin(url) ? (refuse(url), null) : windowOpen.call(win, url, ...rest));
  win.handteachGuard = { refused };
}

installGuard();
