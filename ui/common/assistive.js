// What Streamlit's own markup does not give a screen reader or a keyboard user (docs/accessibility.md), loaded
// once per tab by ui/common/assistive.py. It reads what the pages already show and changes no layout.
(() => {
  // once run, the script leaves the page: its text is not the page's
  if (document.currentScript) document.currentScript.remove();
  if (window.__handteachAssistive) return;
  window.__handteachAssistive = true;

  // One polite live region for the whole tab, made once, so that a change of its text is what a screen reader
  // hears (a region made anew with its text in it is not announced). It sits in a closed shadow root: its words
  // repeat the page's, and a second copy in the page's own text made "find the text 'Stored 9 samples'" ambiguous
  // to scripts that read the page (the browser tests); the accessibility tree, which screen readers read, holds
  // it as any other region. Each saying is also sent as a "handteach-said" event, for the tests.
  const host = document.createElement("div");
  host.id = "handteach-announcer";
  host.style.cssText =
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;" +
    "clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap";
  const region = document.createElement("div");
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  host.attachShadow({ mode: "closed" }).appendChild(region);
  document.body.appendChild(host);
  const say = (text) => {
    region.textContent = text;
    host.dispatchEvent(new CustomEvent("handteach-said", { detail: text, bubbles: true }));
  };

  // A gesture's emoji the page gives words for (ui/common/assistive.py's emoji_words: its data-emoji-words) become
  // them where a caption is emoji alone (Train's wrong samples: "👍 → ✋")
  const emojiWords = () => {
    const known = {};
    for (const e of document.querySelectorAll("[data-emoji-words]")) {
      try { Object.assign(known, JSON.parse(e.dataset.emojiWords)); } catch (x) { /* not ours */ }
    }
    return known;
  };
  const spelled = (text) => {
    const known = emojiWords(), keys = Object.keys(known).filter(Boolean).sort((a, b) => b.length - a.length);
    if (!keys.length) return text;
    const any = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gu");
    return text.replace(any, (k) => ` ${known[k]} `);
  };
  // emoji and their variation selectors say nothing useful read aloud ("thumbs up sign thumbs_up")
  const words = (text) =>
    (text || "").replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}\u{1F3FB}-\u{1F3FF}]/gu, "")
      .replace(/_/g, " ").replace(/\s+/g, " ").trim();

  // Live: "Right hand: thumbs up" per card, in the cards' order; "No hand in view" when the hand left
  const liveCards = () => {
    const none = document.querySelector(".st-key-live_no_hand");
    if (none) return words(none.innerText);
    const cards = [...document.querySelectorAll('[class*="st-key-live_card_"]')];
    const said = cards.map((card) => {
      const side = card.querySelector('[data-testid="stCaptionContainer"]');
      const label = card.querySelector("h2, h3");
      return side && label ? `${words(side.innerText)}: ${words(label.innerText)}` : "";
    }).filter(Boolean);
    return said.length ? said.join("; ") : null;
  };
  // Record: the take's countdown, recording, saving and result lines ("Stored 15 samples of thumbs up.")
  const recordStatus = () => {
    const status = document.querySelector(".st-key-record_status");
    if (!status) return null;
    const lines = [...status.querySelectorAll('[data-testid="stAlert"], [data-testid="stProgress"]')];
    return lines.length ? words(lines.map((e) => e.innerText.trim().replace(/[.…]+$/, "")).join(". ")) : null;
  };
  // Record on the server path: its line under the video once a hand that was seen has left (ui/samples/take_panel.py;
  // on the browser path the camera's frame asks for the same words, below)
  const recordHand = () => {
    const none = document.querySelector(".st-key-record_no_hand");
    return none ? words(none.innerText) : null;
  };
  // What the camera's frame asks to be said (frontend/src/announce.js): a take's recording starting, a hand leaving
  const requests = [];
  document.addEventListener("handteach-say", (event) => {
    if (typeof event.detail === "string" && event.detail) requests.push(event.detail.slice(0, 200));
  });
  const askedNext = () => (requests.length ? requests.shift() : null);
  const sources = [askedNext, liveCards, recordStatus, recordHand];
  const last = sources.map(() => null);

  // Once a second at most, and only what changed: a card that keeps its gesture is not said again; a card that
  // goes (no hand in view) and comes back with the same gesture is.
  // (a timer's own second drifts by tens of ms on a busy machine: the time of the last saying is kept instead)
  let saidAt = -Infinity;
  setInterval(() => {
    if (performance.now() - saidAt < 1000) return;
    for (let i = 0; i < sources.length; i++) {
      const now = sources[i]();
      if (now === last[i] && sources[i] !== askedNext) continue;
      last[i] = now;
      if (now) {
        say(now);
        saidAt = performance.now();
        return;
      }
    }
  }, 250);

  // The sidebar's section element with aria-expanded (Streamlit's markup): a section may not carry aria-expanded (axe's
  // aria-allowed-attr, critical); its toggle button says whether it is open. Removed whenever React sets it.
  const unexpanded = () => {
    for (const s of document.querySelectorAll('section[data-testid="stSidebar"][aria-expanded]')) {
      s.removeAttribute("aria-expanded");
    }
  };
  // The camera's video and canvases, in the components' frames (same origin): named for what they show.
  const nameMedia = () => {
    for (const frame of document.querySelectorAll("iframe")) {
      let inner;
      try { inner = frame.contentDocument; } catch (e) { continue; }
      if (!inner || !inner.head) continue;
      if (!inner.getElementById("handteach-focus")) { // the page's focus ring inside the component too
        const style = inner.createElement("style");
        style.id = "handteach-focus";
        style.textContent = ":focus-visible, label:has(input:focus-visible) " +
          "{ outline: 2px solid #1f5fa8 !important; outline-offset: 2px; }";
        inner.head.appendChild(style);
      }
      // A frame is a Tab stop of its own in Chromium, one that shows no ring and is named by the component's module
      // ("ui.browser.component.handteach_camera"): out of the Tab order while nothing in it takes the focus (the
      // camera's retry button, START), and a camera's frame named for what it shows.
      const controls = inner.querySelectorAll(
        'button:not([hidden]):not([disabled]), a[href], input, select, textarea, [tabindex]:not([tabindex="-1"])');
      if (!controls.length && frame.getAttribute("tabindex") !== "-1") {
        frame.setAttribute("tabindex", "-1");
        frame.dataset.handteachUntabbed = "1";
      }
      if (frame.dataset.handteachUntabbed && controls.length) {
        frame.removeAttribute("tabindex");
        delete frame.dataset.handteachUntabbed;
      } else if (frame.dataset.handteachUntabbed && inner.body && !inner.handteachWatch) {
        // its own document changes unseen out here: a START drawn after it was taken out of the Tab order stayed
        // out of it until the next look, a second later (axe's frame-focusable-content); each document it loads
        // (the first is an empty one) is watched until it has a control
        inner.handteachWatch = new MutationObserver((_, watch) => {
          nameMedia();
          if (!frame.dataset.handteachUntabbed) watch.disconnect();
        });
        inner.handteachWatch.observe(inner.body, { subtree: true, childList: true, attributes: true,
          attributeFilter: ["hidden", "disabled", "tabindex", "href"] });
      }
      if (!frame.dataset.handteachLoads) { // a document loaded into it is looked at at once
        frame.dataset.handteachLoads = "1";
        frame.addEventListener("load", nameMedia);
      }
      // (its title is left as Streamlit sets it: scripts and tests find the frame by it; a name given wins over it)
      if (inner.querySelector("video, canvas#view") && !frame.hasAttribute("aria-label")) {
        frame.setAttribute("aria-label", "your camera");
      }
      for (const v of inner.querySelectorAll("video:not([aria-label])")) v.setAttribute("aria-label", "your camera");
      for (const c of inner.querySelectorAll("canvas:not([aria-label])")) {
        c.setAttribute("role", "img");
        c.setAttribute("aria-label", "your camera, with the hands' skeletons drawn on it");
      }
    }
  };
  // Pictures: Streamlit gives an image its index as its alt text ("0"). Each name is made again from what the page
  // shows now (a name given once went stale: the tiles kept "sample 3 of 18" after a take made them 31). A gallery
  // tile is named by the gesture of the "Samples of … (31)" heading above it, its own caption and the number it
  // shows ("thumbs up, sample 31 of 31"); Train's wrong samples by their "👍 → ✋" in words ("recorded as thumbs
  // up, guessed open palm, sample 2 of 5"); any other picture by its own caption (the CPM's belief maps). (The 3D
  // view is named by ui/common/keyboard.js, which makes it turn by keys.)
  const named = (e, attribute, name) => { if (e.getAttribute(attribute) !== name) e.setAttribute(attribute, name); };
  const nameSamples = () => {
    let heading = null, group = [];
    const groups = [], tiled = new Set();
    for (const e of document.querySelectorAll('[data-testid="stMain"] :is(h2, h3), [data-testid="stImage"] img')) {
      if (e.tagName !== "IMG") { heading = e; group = []; groups.push([heading, group]); continue; }
      if (!groups.length) groups.push([null, group]);
      group.push(e);
    }
    for (const [head, images] of groups) {
      const match = head && /^Samples of (.*?)(?:\s*\((\d+)\))?$/.exec(head.innerText.trim());
      const gesture = match ? words(match[1]) : "", total = match && match[2];
      // a tile: the one picture of its column, with the gallery's "#31" or Train's "👍 → ✋" under it (not a panel's
      // picture beside a caption: the CPM's, once named as a tile, kept that name)
      const under = (column) => column.querySelector('[data-testid="stCheckbox"] p, [data-testid="stCaptionContainer"]');
      const tiles = images.map((img) => [img, img.closest('[data-testid="stColumn"]')]).filter(([, column]) =>
        column && column.querySelectorAll("img").length === 1 && under(column) &&
        /^#\d+$| → /.test(under(column).innerText.trim()));
      tiles.forEach(([img, column], i) => {
        tiled.add(img);
        const caption = column.querySelector('[data-testid="stCheckbox"] p, [data-testid="stCaptionContainer"]');
        const own = caption ? words(spelled(caption.innerText)) : "";
        const number = /^#(\d+)$/.exec(own), wrong = /^(.+?) → (.+)$/.exec(own);
        const what = number ? gesture : wrong ? `recorded as ${wrong[1]}, guessed ${wrong[2]}` : [gesture, own]
          .filter(Boolean).join(", ");
        const place = number ? `sample ${number[1]} of ${total || tiles.length}` : `sample ${i + 1} of ${tiles.length}`;
        named(img, "alt", what ? `${what}, ${place}` : place);
      });
    }
    for (const img of document.querySelectorAll('[data-testid="stImage"] img')) {
      const caption = img.closest('[data-testid="stImageContainer"]')?.querySelector('[data-testid="stImageCaption"]');
      if (!tiled.has(img) && caption && words(caption.innerText)) named(img, "alt", words(caption.innerText));
    }
  };
  // The contrast theme (ui/common/theme.py): its CSS applies while the page's root element has the attribute. The
  // student's choice is kept in localStorage; until they make one, the browser's own asking decides (a system's
  // "increase contrast", Windows' contrast themes). The sidebar's switch is the server's too (the server path draws
  // the video), so a tab whose wish differs from it presses it once, as the student would.
  const root = document.documentElement;
  const contrastStore = "handteach.contrast";
  const stored = () => { try { return localStorage.getItem(contrastStore); } catch (e) { return null; } };
  const asked = () => matchMedia("(prefers-contrast: more)").matches || matchMedia("(forced-colors: active)").matches;
  const wanted = () => (stored() === "on" ? true : stored() === "off" ? false : asked());
  const applyContrast = (on) => {
    if (on) root.setAttribute("data-handteach-contrast", "on");
    else root.removeAttribute("data-handteach-contrast");
  };
  applyContrast(wanted());
  for (const query of ["(prefers-contrast: more)", "(forced-colors: active)"]) {
    matchMedia(query).addEventListener("change", () => { if (stored() === null) applyContrast(wanted()); });
  }
  let switchSeen = null;
  const contrastSwitch = () => {
    const input = document.querySelector(".st-key-contrast_theme input");
    if (!input) return;
    if (switchSeen === null) {
      switchSeen = wanted();
      if (input.checked !== switchSeen) input.click();
      return;
    }
    if (input.checked === switchSeen) return;
    switchSeen = input.checked;
    try { localStorage.setItem(contrastStore, switchSeen ? "on" : "off"); } catch (e) { /* private mode */ }
    applyContrast(switchSeen);
  };

  // A skip link, the first Tab stop of the page, to the page's own content past the sidebar; the content is the
  // page's main landmark and the sidebar's links its navigation (Streamlit marks neither). Streamlit makes the
  // main section a Tab stop of its own that shows nothing when reached: it is reached by the skip link instead.
  const skip = document.createElement("a");
  skip.className = "handteach-skip";
  skip.href = "#";
  skip.textContent = "Skip to the page";
  skip.addEventListener("click", (event) => {
    event.preventDefault();
    const main = document.querySelector('[data-testid="stMain"]');
    if (main) main.focus();
  });
  document.body.prepend(skip);
  const landmarks = () => {
    const main = document.querySelector('section[data-testid="stMain"]');
    if (main && main.getAttribute("role") !== "main") main.setAttribute("role", "main");
    if (main && main.getAttribute("tabindex") !== "-1") main.setAttribute("tabindex", "-1");
    const nav = document.querySelector('[data-testid="stSidebarNav"]');
    if (nav && nav.getAttribute("role") !== "navigation") {
      nav.setAttribute("role", "navigation");
      nav.setAttribute("aria-label", "Pages");
    }
  };
  // An expander's arrow is an icon font's ligature: its name ("keyboard_arrow_right") was read before the title.
  const quietIcons = () => {
    for (const icon of document.querySelectorAll('summary [data-testid="stIconMaterial"]:not([aria-hidden])')) {
      icon.setAttribute("aria-hidden", "true");
    }
  };
  // A bar (st.progress) is named "progress" by Streamlit: named by the words shown with it ("thumbs up 60%").
  const nameBars = () => {
    for (const box of document.querySelectorAll('[data-testid="stProgress"]')) {
      const bar = box.querySelector('[role="progressbar"]'), text = box.querySelector('[data-testid="stMarkdownContainer"]');
      const name = text ? words(text.innerText) : "";
      if (bar && name && bar.getAttribute("aria-label") !== name) bar.setAttribute("aria-label", name);
    }
  };

  // Record's take lines are said by the region above: Streamlit's alert round the same words is a live region of its
  // own (role status, or alert for a warning), which said "Stored 15 samples…" a second time
  const saidOnce = () => {
    for (const box of document.querySelectorAll('.st-key-record_status [data-testid="stAlertContainer"][role]')) {
      box.removeAttribute("role");
    }
  };
  const tidy = () => { unexpanded(); nameMedia(); landmarks(); quietIcons(); nameBars(); contrastSwitch(); saidOnce(); };
  setInterval(nameSamples, 1000);
  setInterval(nameBars, 500); // a bar's words change without a mutation this observer watches
  document.addEventListener("change", (event) => {
    if (event.target.closest && event.target.closest(".st-key-contrast_theme")) contrastSwitch();
  }, true);
  setInterval(contrastSwitch, 500); // a switch's state is a property: no mutation says it changed
  new MutationObserver(tidy).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-expanded", "role"],
  });
  setInterval(nameMedia, 1000); // a frame's own document changes without a mutation out here
  tidy();
})();
