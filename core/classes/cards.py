"""Sign-in cards to print: one page of HTML, eight cards a sheet (two across, four down, A4 or US Letter), each
with the address students open, the class code, the student's name and their password or pictures.

The page is made right after the passwords were (``core.classes.batch``): only their hashes are stored, so a card
cannot be made again later, only a new password with a new card. Every text on it is HTML-escaped: a name such as
``<b>Zoë</b>`` or ``**Ana**`` prints as its own characters. Used by the Class page (a download and a preview with
a *Print* button) and by ``class add-students --out`` / ``class cards --out``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from urllib.parse import urlsplit

from core.classes.batch import Handout
from core.classes.name_typing import typing_hint
from core.classes.pictures import EMOJI

CARDS_A_SHEET = 8
NO_ADDRESS = "_______________________"  # the address is unknown (the command line): written in by hand
PICTURES_SWITCH = "I sign in with pictures"  # the sign-in form's switch (ui/common/picture_signin.py)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")

_STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111; }
.screen { max-width: 190mm; margin: 4mm auto; font-size: 14px; }
.screen button { font-size: 16px; padding: 6px 18px; cursor: pointer; }
.screen button:focus-visible { outline: 2px solid #1f5fa8; outline-offset: 2px; }
.sheet { display: grid; grid-template-columns: 95mm 95mm; grid-auto-rows: 64mm; width: 190mm; margin: 0 auto 6mm; }
.card { border: 1px dashed #777; padding: 4mm 5mm; overflow: hidden; display: flex; flex-direction: column;
        gap: 1.6mm; font-size: 11pt; }
.card h2 { font-size: 10pt; margin: 0; color: #555; font-weight: 600; }
.card .row { display: flex; gap: 2mm; align-items: baseline; }
.card .label { color: #555; min-width: 20mm; font-size: 9.5pt; flex-shrink: 0; }
.card .value { font-weight: 700; overflow-wrap: anywhere; }
.card .big { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 15pt; letter-spacing: 0.5px; }
.card .name { font-size: 13pt; }
.card .name.long { font-size: 10.5pt; }
.card .name.longest { font-size: 8pt; }
.card .address { font-size: 9pt; }
.card .pictures { display: flex; gap: 2mm; align-items: center; flex-wrap: wrap; }
.card .picture { text-align: center; font-size: 8.5pt; }
.card .picture span { display: block; font-size: 22pt; line-height: 1.1; }
.card .then { color: #555; font-size: 9pt; }
.card .typed { color: #555; font-size: 9pt; margin-top: -1mm; padding-left: 22mm; overflow-wrap: anywhere; }
.card .typed.long { font-size: 7pt; }
.card .note { color: #555; font-size: 8.5pt; margin-top: auto; }
@page { margin: 10mm; }
@media print {
  .screen { display: none; }
  .sheet { margin: 0; break-after: page; }
  .sheet:last-child { break-after: auto; }
}
"""


def is_local(address: str) -> bool:
    """Whether ``address`` only reaches this machine (a student's computer opening it reaches its own)."""
    host = urlsplit(address if "//" in address else f"//{address}").hostname or ""
    return host in _LOCAL_HOSTS or host.startswith("127.")


def origin(url: str) -> str:
    """The address students open, from the teacher's page address: scheme, host and port ("" when unknown)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _row(label: str, value_html: str, kind: str = "") -> str:
    return f'<div class="row"><span class="label">{label}</span><span class="value {kind}">{value_html}</span></div>'


def _secret_html(handout: Handout) -> str:
    if not handout.pictures:
        return _row("Password", html.escape(handout.password), "big")
    shown = '<span class="then">then</span>'.join(
        f'<span class="picture"><span>{EMOJI[p]}</span>{html.escape(p)}</span>' for p in handout.pictures
    )
    return (f'<div class="row"><span class="label">Pictures</span><span class="pictures">{shown}</span></div>'
            f'<div class="note">Turn on “{PICTURES_SWITCH}”, then tap the pictures in this order.</div>')  # fmt: skip


def _name_size(name: str) -> str:
    """A long name in smaller letters: 100 characters still leave the password on the card."""
    return "name" if len(name) <= 24 else "name long" if len(name) <= 48 else "name longest"


def _typed_html(name: str, pictures: bool) -> str:
    """How a name with accents may be typed on a keyboard without them ("you may type Zoe"), or "": in smaller
    letters past 48 characters, and not on a picture card past 48 (its pictures and their note need the room)."""
    plain = typing_hint(name)
    if not plain or (pictures and len(name) > 48):
        return ""
    size = "typed long" if len(name) > 48 else "typed"
    return f'<div class="{size}">you may type {html.escape(plain)}</div>'


def card_html(handout: Handout, code: str, address: str) -> str:
    """One card: where to go, the class code, the name (and how it may be typed without its accents), the
    password or pictures (every text escaped)."""
    where = html.escape(address) if address else NO_ADDRESS
    return (
        '<div class="card">'
        "<h2>✋ handteach: your sign-in card</h2>"
        + _row("Open", where, "address")
        + _row("Class code", html.escape(code), "big")
        + _row("Your name", html.escape(handout.name), _name_size(handout.name))
        + _typed_html(handout.name, bool(handout.pictures))
        + _secret_html(handout)
        + ("" if handout.pictures else '<div class="note">Keep this card to yourself: it opens your projects.</div>')
        + "</div>"
    )


def cards_page(class_name: str, code: str, address: str, handouts: Sequence[Handout]) -> str:
    """The whole page: a *Print* button on screen (hidden on paper) and the cards, eight a sheet."""
    sheets = [handouts[i : i + CARDS_A_SHEET] for i in range(0, len(handouts), CARDS_A_SHEET)]
    body = "".join('<div class="sheet">' + "".join(card_html(h, code, address) for h in sheet) + "</div>"
                   for sheet in sheets)  # fmt: skip
    count = f"{len(handouts)} card{'s' if len(handouts) != 1 else ''}"
    title = html.escape(f"Sign-in cards: {class_name}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>"
        f'<div class="screen"><p><b>{title}</b> · {count}, eight a sheet: print this page, then cut along the '
        'dashed lines.</p><button type="button" onclick="window.print()">🖨 Print</button></div>'
        f"{body}</body></html>"
    )
