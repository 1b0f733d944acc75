"""axe-core (the npm package frontend/package.json pins; `make frontend` installs it) run in a Playwright page:
the serious and critical violations of the WCAG 2.0 and 2.1 A and AA rules, in the page and its frames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
SERIOUS = ("serious", "critical")

# The Make page's Scratch editor (scratch-gui, served unmodified) is left out: its own limits are Scratch's, said in
# docs/accessibility.md; the page around it is checked
EDITOR_FRAME = "handteach_scratch"
_RUN = """async tags => {
  const found = await axe.run({exclude: [['iframe[title*="handteach_scratch"]']]}, {runOnly: {type: 'tag', values: tags},
                                         resultTypes: ['violations'], iframes: true});
  return found.violations.flatMap(v => v.nodes.map(n => ({rule: v.id, impact: n.impact || v.impact,
    target: n.target.flat().join(' '), summary: n.failureSummary || '', html: n.html.slice(0, 200)}))); }"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    target: str
    summary: str
    html: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) at {self.target}: {' '.join(self.summary.split())} | {self.html}"


def missing() -> str | None:
    """Why axe cannot run here, or None."""
    return None if AXE.exists() else f"{AXE} not found: run `make frontend` (npm ci in frontend/)"


def violations(page) -> list[Violation]:  # noqa: ANN001 - playwright Page
    """Every violation of the page and its same-origin frames (axe is put into each), worst first."""
    for frame in page.frames:
        if EDITOR_FRAME in (frame.url or ""):
            continue  # left out of the run: no axe put into it
        try:
            if not frame.evaluate("() => typeof axe !== 'undefined'"):
                frame.add_script_tag(path=str(AXE))
        except Exception:  # noqa: BLE001 - a frame that went away meanwhile (a rerun made it anew)
            continue
    found = [Violation(**v) for v in page.evaluate(_RUN, list(TAGS))]
    return sorted(found, key=lambda v: ("critical", "serious", "moderate", "minor").index(v.impact or "minor"))


def serious(page, allowed: list[dict] | None = None) -> list[Violation]:  # noqa: ANN001 - playwright Page
    """The serious and critical violations, less those ``allowed`` (dicts of rule and target) lets through."""
    allowed = allowed or []
    return [
        v for v in violations(page)
        if v.impact in SERIOUS and not any(a["rule"] == v.rule and a["target"] == v.target for a in allowed)
    ]  # fmt: skip
