// What the tab asks the page's one polite live region (ui/common/assistive.js) to say, so that a screen reader hears
// it once, from the same region as the page's own news: the moment a take starts recording (the countdown ends in
// the tab, unseen by the page), and on Record, where no card says it, a hand leaving the camera's view.

export const NO_HAND = "No hand in view";

// The page around this frame (same origin) says `text`; outside the app (a test page) nothing is said.
export function sayOnPage(text) {
  try {
    const page = window.parent;
    if (page === window) return;
    page.document.dispatchEvent(new page.CustomEvent("handteach-say", { detail: text }));
  } catch (error) {
    // a page of another origin: nothing to say it with
  }
}

// Says NO_HAND once a hand that was seen has been gone `gapMs` (a frame or two without one is the hand model
// blinking, not a hand leaving); again only after a hand came back. `update(count, now)` with each frame's hands.
export class HandLeaving {
  constructor(say, gapMs = 700) {
    Object.assign(this, { say, gapMs, seenAt: null, said: false });
  }

  update(count, now) {
    if (count > 0) {
      this.seenAt = now;
      this.said = false;
    } else if (this.seenAt !== null && !this.said && now - this.seenAt >= this.gapMs) {
      this.said = true;
      this.say(NO_HAND);
    }
  }
}
