// What a keyboard user needs beyond the focus rings (docs/accessibility.md), loaded once per tab by
// ui/common/keyboard.py: the focus kept where a press of theirs left it when the page runs again, one Tab stop per
// gallery sample, the 3D view turned by keys, and names and Tab stops for what Streamlit leaves without.
(() => {
  // once run, the script leaves the page: its text is not the page's
  if (document.currentScript) document.currentScript.remove();
  if (window.__handteachKeyboard) return;
  window.__handteachKeyboard = true;

  // ---- the focus kept across a run of the page ----------------------------------------------------------------
  // A press that runs the page again may take the focused control away (Sign in: the form goes; Sign out: the page
  // goes) or disable it while its work runs (Record, Start training): the browser then drops the focus to the page
  // itself, where nothing shows it and the next Tab starts from the top. Streamlit's Python API cannot move the focus,
  // and Streamlit keeps none across a run. Here the last focused control is remembered by what survives a run (its
  // element's key, "st-key-…"); once it is gone, the focus goes to the line that says what the press did (FOLLOW,
  // by the control's key), else to the same control drawn again, else to the page's heading (a new page).
  const FOLLOW = {
    "st-key-record_start": ".st-key-record_status", // the countdown, the recording, "Stored 15 samples …"
    "st-key-train_start": ".st-key-train_progress", // "Training: practice 3 of at most 40 …", then "Trained …"
  };
  const FOLLOWED = new Set(Object.values(FOLLOW)); // the lines those presses lead to
  // (a progress bar with its words: Streamlit 1.60 draws it with role="progressbar", 1.67 as a plain div)
  const LINE = '[data-testid="stAlert"], [data-testid="stProgress"], [role="progressbar"], h1, h2, h3, ' +
    '[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"]';
  const CONTROL = 'button, a[href], input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const keyOf = (e) => {
    const keyed = e && e.closest && e.closest('[class*="st-key-"]');
    return keyed ? [...keyed.classList].find((c) => c.startsWith("st-key-")) : null;
  };
  const usable = (e) => e && e.isConnected && !e.disabled && e.getClientRects().length > 0 &&
    !e.closest('[aria-hidden="true"], [inert]');
  const running = () => document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
  const nowhere = () => !document.activeElement || document.activeElement === document.body;

  let last = null; // {element, key, tag}: what has (or last had) the focus
  let dropped = 0; // when the focus was found dropped with `last` gone (performance.now()), 0 while it is not
  document.addEventListener("focusin", (event) => {
    const e = event.target;
    if (e === document.body || e.tagName === "IFRAME") return; // a frame keeps its own focus
    last = { element: e, key: keyOf(e), tag: e.tagName };
    dropped = 0;
  }, true);
  // Focus moved to the page by the student (a click beside the controls): not brought back. A control taken away
  // fires no focusout; one disabled under the focus does, and is then already disabled.
  document.addEventListener("focusout", (event) => {
    const e = event.target;
    if (event.relatedTarget) return;
    setTimeout(() => { if (last && last.element === e && nowhere() && usable(e)) last = null; }, 0);
  }, true);

  const focusLine = (line) => {
    if (line.tabIndex < 0 && !line.matches(CONTROL)) line.tabIndex = -1;
    // the least scroll that shows the line: focus()'s own scroll puts it at the top, pushing the video the take
    // runs on out of the window
    line.focus({ preventScroll: true });
    const box = line.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) line.scrollIntoView({ block: "nearest" });
    return document.activeElement === line;
  };
  const lineIn = (container) => [...container.querySelectorAll(LINE)].find(usable);
  const replacement = () => {
    const follow = last.key && FOLLOW[last.key];
    const box = follow && document.querySelector(follow);
    const line = box && lineIn(box);
    if (line) return line;
    const same = last.key && [...document.querySelectorAll(`.${CSS.escape(last.key)}`)]
      .flatMap((k) => [...k.querySelectorAll(CONTROL)]).find((c) => c.tagName === last.tag && usable(c));
    if (same) return same;
    if (last.key && !last.element.isConnected) { // a line the focus was moved to, drawn again
      const again = [...document.querySelectorAll(`.${CSS.escape(last.key)}`)].map(lineIn).find(Boolean);
      if (again) return again;
    }
    return null;
  };
  setInterval(() => {
    // (Chromium keeps the focus on a button disabled under it, where it says nothing of the work that runs, and on
    // one hidden under it: Streamlit 1.67 hides the sign-in form's button before it removes it)
    const stuck = last && document.activeElement === last.element && !usable(last.element);
    if (!last || !(stuck || (nowhere() && !usable(last.element)))) { dropped = 0; return; }
    const now = performance.now();
    if (!dropped) dropped = now;
    const found = replacement();
    if (found) { focusLine(found); return; }
    // disabled while its work runs: its line, or it once enabled, is still to come
    if (last.element.isConnected && last.element.disabled) return;
    // nothing of it came back once the page finished running: the page's own heading (a new page: Home after
    // Sign in, the sign-in form after Sign out), from where Tab goes on into the page
    // (a press whose line is known to come, Record's or Start training's, or that line itself drawn again, waits
    // longer for it: Streamlit 1.67 draws it anew in runs whose running icon it does not show)
    const wait = last.key && (FOLLOW[last.key] || FOLLOWED.has(`.${last.key}`)) ? 10000 : 1500;
    if (now - dropped > wait && !running()) {
      const heading = document.querySelector('[data-testid="stMain"] h1');
      if (heading && focusLine(heading)) return;
    }
    if (now - dropped > 20000) last = null; // given up: too late to be the press's doing
  }, 100);

  // ---- one Tab stop per sample in a gallery ---------------------------------------------------------------------
  // A sample's tile (Record's gallery, Train's wrong samples: ui/samples/gallery.py) is its picture, its checkbox and
  // the checkbox's "?" (how and when it was taken), and the picture's Fullscreen button: two or three Tab stops a
  // sample. The checkbox is the one stop; Space ticks it as before, Enter shows the picture full screen (Escape
  // leaves), and while it has the focus its "?" shows its words, which also describe it to a screen reader.
  const tileOf = (input) => {
    const column = input.closest('[data-testid="stColumn"]');
    return column && column.querySelectorAll('[data-testid="stImage"] img').length === 1 &&
      column.querySelectorAll('[data-testid="stCheckbox"] input').length === 1 ? column : null;
  };
  const hover = (element, on) => {
    const kinds = on ? ["pointerover", "pointerenter", "mouseover", "mouseenter"]
      : ["pointerout", "pointerleave", "mouseout", "mouseleave"];
    for (const kind of kinds) element.dispatchEvent(new MouseEvent(kind, { bubbles: kind.endsWith("over") || kind.endsWith("out") }));
  };
  const tileHelp = (tile) => tile.querySelector('[data-testid="stCheckbox"] button');
  const oneStopEach = () => {
    for (const input of document.querySelectorAll('[data-testid="stCheckbox"] input')) {
      const tile = tileOf(input);
      if (!tile) continue;
      for (const other of tile.querySelectorAll(CONTROL)) {
        if (other !== input && other.getAttribute("tabindex") !== "-1") other.setAttribute("tabindex", "-1");
      }
    }
  };
  document.addEventListener("focusin", (event) => {
    const tile = event.target.matches('[data-testid="stCheckbox"] input') && tileOf(event.target);
    const help = tile && tileHelp(tile);
    if (!help) return;
    hover(help, true);
    const input = event.target;
    setTimeout(() => { // its words, once the tooltip is drawn, describe the checkbox
      const tip = document.querySelector('[role="tooltip"][id]');
      if (tip && document.activeElement === input) input.setAttribute("aria-describedby", tip.id);
    }, 300);
  }, true);
  document.addEventListener("focusout", (event) => {
    const tile = event.target.matches('[data-testid="stCheckbox"] input') && tileOf(event.target);
    const help = tile && tileHelp(tile);
    if (help) hover(help, false);
  }, true);
  document.addEventListener("keydown", (event) => {
    const tile = event.target.matches('[data-testid="stCheckbox"] input') && tileOf(event.target);
    if (!tile || !["Enter", "Escape"].includes(event.key)) return;
    const help = tileHelp(tile), full = tile.querySelector('[data-testid="stElementToolbar"] button');
    if (help) hover(help, false); // Escape puts its words away, Enter too before the picture covers the page
    if (event.key !== "Enter" || !full) return;
    event.preventDefault();
    full.click();
  }, true);
  // ---- the 3D view turned by keys ------------------------------------------------------------------------------------
  // The 3D view (ui/common/view3d.py: Live under the video, Record's chosen sample) turns only by dragging. Its chart
  // becomes one Tab stop, named by its caption: the arrow keys turn it (left and right round the upright axis, up and
  // down over and under), + and - bring it nearer and farther, through Plotly's relayout, as its own buttons do
  // (whether Live's updates keep a turned angle, as the figure's uirevision keeps a drag's, is not tested).
  const TURN = Math.PI / 12, NEARER = 0.8;
  const VIEW = '[class*="st-key-"][class*="_3d_view"] [data-testid="stPlotlyChart"]';
  const VIEW_KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "+", "=", "-", "_"];
  const turned = (eye, key) => {
    const round = Math.hypot(eye.x, eye.y), far = Math.hypot(round, eye.z);
    let around = Math.atan2(eye.y, eye.x), over = Math.atan2(eye.z, round), scale = 1;
    if (key === "ArrowLeft") around -= TURN;
    if (key === "ArrowRight") around += TURN;
    if (key === "ArrowUp") over = Math.min(over + TURN, 1.4); // not past straight above or below: "up" stays up
    if (key === "ArrowDown") over = Math.max(over - TURN, -1.4);
    if (key === "+" || key === "=") scale = NEARER;
    if (key === "-" || key === "_") scale = 1 / NEARER;
    const r = Math.min(Math.max(far * scale, 0.4), 8);
    return { x: r * Math.cos(over) * Math.cos(around), y: r * Math.cos(over) * Math.sin(around), z: r * Math.sin(over) };
  };
  const nameViews = () => {
    for (const view of document.querySelectorAll(VIEW)) {
      if (view.getAttribute("tabindex") !== "0") view.setAttribute("tabindex", "0");
      if (view.getAttribute("role") !== "application") view.setAttribute("role", "application");
      let box = view;
      while (box && ![...box.classList].some((c) => /^st-key-.*_3d_view$/.test(c))) box = box.parentElement;
      const caption = box && box.querySelector('[data-testid="stCaptionContainer"]');
      const name = `${caption ? caption.innerText.split(" in metres")[0].trim() : "3D view"}: ` +
        "the arrow keys turn it, plus and minus bring it nearer and farther";
      if (view.getAttribute("aria-label") !== name) view.setAttribute("aria-label", name);
    }
  };
  document.addEventListener("keydown", (event) => {
    const view = event.target.matches && event.target.matches(VIEW) && event.target;
    if (!view || !VIEW_KEYS.includes(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    const chart = view.querySelector(".js-plotly-plot"), scene = chart && chart._fullLayout && chart._fullLayout.scene;
    if (!scene || !window.Plotly) return;
    event.preventDefault(); // not the page's scroll
    const camera = scene._scene ? scene._scene.getCamera() : scene.camera;
    window.Plotly.relayout(chart, { "scene.camera": { ...camera, eye: turned(camera.eye, event.key) } });
  }, true);

  // A heading's "Link to heading" (Streamlit's anchor, shown only under the pointer) was a Tab stop after each
  // heading with nothing seen: out of the Tab order, as the picture's Fullscreen
  // and the main area, a scroller Chromium makes a Tab stop of its own (the main element on Streamlit 1.67, where the
  // walk found it ringless; the skip link reaches it)
  const quietAnchors = () => {
    for (const a of document.querySelectorAll('[data-testid="stHeaderActionElements"] a[href]:not([tabindex])')) {
      a.setAttribute("tabindex", "-1");
    }
    const main = document.querySelector('[data-testid="stMain"]');
    if (main && main.getAttribute("tabindex") !== "-1") main.setAttribute("tabindex", "-1");
  };

  // A table (st.dataframe) is a canvas Tab reaches before its cells, named by nothing: named by its columns (the
  // table it keeps inside the canvas for screen readers) and what its keys do; its cells keep their own names
  const nameTables = () => {
    for (const canvas of document.querySelectorAll('[data-testid="stDataFrame"] canvas[tabindex]')) {
      const columns = [...canvas.querySelectorAll('th, [role="columnheader"]')]
        .map((h) => h.textContent.replace(/\s+/g, " ").trim()).filter(Boolean);
      const name = `A table${columns.length ? " of " + columns.join(", ") : ""}; the arrow keys move from cell to cell`;
      if (canvas.getAttribute("role") !== "group") canvas.setAttribute("role", "group");
      if (canvas.getAttribute("aria-label") !== name) canvas.setAttribute("aria-label", name);
    }
  };

  const tidy = () => { oneStopEach(); nameViews(); quietAnchors(); nameTables(); };
  new MutationObserver(tidy).observe(document.body, { subtree: true, childList: true });
  tidy();
})();
