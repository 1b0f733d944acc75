// Scratch's sprite, costume, backdrop and sound libraries live on Scratch's servers, which handteach never asks
// (guard.js): each library's window says so in one line instead of a grid of empty pictures. The extension
// library's pictures ship with the editor and stay.

export const OFFLINE_LINE = "Scratch's library is online only, and handteach stays on this computer: paint your own, "
  + "or upload a picture or a sound from your computer (the buttons beside the cat and the sounds).";
const GRID = "[class*='library_library-scroll-grid']";
const TITLE = "[class*='modal_header-item-title']";

export function watchLibraries(doc) {
  const check = () => {
    for (const grid of doc.querySelectorAll(GRID)) {
      if (grid.dataset.handteach) continue;
      const modal = grid.closest("[role='dialog']") || grid.parentElement;
      const title = modal && modal.querySelector(TITLE);
      if (title && /extension/i.test(title.textContent)) continue;
      grid.dataset.handteach = "offline";
      grid.style.display = "none";
      const line = doc.createElement("p");
      line.setAttribute("role", "status");
      line.className = "handteach-offline";
      line.textContent = OFFLINE_LINE;
      grid.parentElement.insertBefore(line, grid);
    }
  };
  new MutationObserver(check).observe(doc.body, { childList: true, subtree: true });
}
