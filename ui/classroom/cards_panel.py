"""The Class page's sign-in cards: the passwords just made (added students, new passwords), kept in this session
only until the teacher presses *Done*, as a page to print (``core.classes.cards``: eight a sheet), a preview with
a *Print* button, and a table to read from.

The store keeps only the passwords' hashes, so these cards exist only here and now: the panel says so, and a reload
(a new session) or *Done* drops them; a new password, with its card, can always be made.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.classes.batch import Handout
from core.classes.cards import cards_page, is_local, origin
from core.classes.pictures import spoken
from core.classes.roster import SchoolClass
from ui.common.assistive import focus_line

CARDS = "classroom_cards"  # name -> Handout, in the order they were made: the cards not yet printed
ADDRESS = "classroom_address"
PREVIEW_HEIGHT = 620  # px: a sheet and a half at 1280×720, scrolled inside


def keep(handouts: list[Handout]) -> None:
    """New passwords to hand out: added to the cards waiting (a newer password for a name replaces its card)."""
    waiting: dict[str, Handout] = dict(st.session_state.get(CARDS, {}))
    for handout in handouts:
        waiting.pop(handout.name, None)
        waiting[handout.name] = handout
    st.session_state[CARDS] = waiting


def forget(names: list[str]) -> None:
    """Cards of students who are gone (deleted) or renamed: their passwords no longer sign in as printed."""
    waiting: dict[str, Handout] = dict(st.session_state.get(CARDS, {}))
    for name in names:
        waiting.pop(name, None)
    st.session_state[CARDS] = waiting


PUT_AWAY = "classroom_cards_put_away"  # set by *Done*: the next run says so where the panel was
PUT_AWAY_LINE = "The cards are put away: their passwords are gone from this page."


def _printed() -> None:
    """*Done*: the cards and their passwords leave this session (before the page runs again: nothing of them drawn)."""
    st.session_state.pop(CARDS, None)
    st.session_state[PUT_AWAY] = True


def waiting() -> list[Handout]:
    return list(st.session_state.get(CARDS, {}).values())


def secret_text(handout: Handout) -> str:
    """The password as the teacher reads it aloud: its text, or the pictures in order."""
    return spoken(*handout.pictures) if handout.pictures else handout.password


ON_THIS_COMPUTER = ("This address opens this computer: right for students who take turns on it, each pressing "
                    "Sign out when done.")  # fmt: skip
ONLY_THIS_COMPUTER = ("This address opens only the computer it is typed on. Students on their own computers need this "
                      "server's https:// address on the school's network (whoever set up the server knows it): type "
                      "it here.")  # fmt: skip


def served_beyond_this_computer(bound: str, proxied: bool) -> bool:
    """Whether other computers can reach this server: it listens on the network (Streamlit's ``server.address``
    ``bound`` is empty or 0.0.0.0, or names another host), or a proxy in front of it forwards students to it."""
    return proxied or bound.strip().strip("[]") in ("", "0.0.0.0", "::") or not is_local(bound)


def local_address_line(address: str, bound: str, proxied: bool) -> tuple[str, str] | None:
    """("warning" or "caption", the line) for an ``address`` that opens only this computer, or None: a warning
    where students could reach the server from their own computers, a caption where they can only take turns on
    this one (class.md's first case: there the warning asked for an address that does not exist)."""
    if not address or not is_local(address):
        return None
    return (
        ("warning", ONLY_THIS_COMPUTER)
        if served_beyond_this_computer(bound, proxied)
        else ("caption", ON_THIS_COMPUTER)
    )


def address_field() -> str:
    """What students open: the address of this page as the teacher's browser reached it, unless changed."""
    from streamlit import config

    from ui.server.forwarded import proxy_settings

    if ADDRESS not in st.session_state:
        st.session_state[ADDRESS] = origin(st.context.url or "")
    address = st.text_input("Address your students open (printed on each card)", key=ADDRESS, max_chars=300)
    bound = str(config.get_option("server.address") or "")
    line = local_address_line(address, bound, bool(proxy_settings()["proxy_headers"]))
    if line is not None:
        (st.warning if line[0] == "warning" else st.caption)(line[1])
    return address.strip()


def cards_panel(school_class: SchoolClass) -> None:
    """The cards waiting to be printed, if any: download, preview and print, the table, *Done*."""
    handouts = waiting()
    if not handouts:
        if st.session_state.pop(PUT_AWAY, False):  # the focus was on Done, gone with the panel: to this line
            with st.container(key=PUT_AWAY):
                st.success(PUT_AWAY_LINE)
                focus_line(PUT_AWAY, gone="classroom_cards_panel")
        return
    with st.container(border=True, key="classroom_cards_panel"):
        count = f"{len(handouts)} sign-in card{'s' if len(handouts) != 1 else ''}"
        st.header(f"🖨 {count} to print")
        st.warning("Print these cards now. Passwords are stored only as locks that cannot be read back: once you "
                   "press Done or reload this page, these cannot be shown again (a new password can always be "
                   "made).")  # fmt: skip
        address = address_field()
        page = cards_page(school_class.name, school_class.code, address, handouts)
        left, right = st.columns(2)
        left.download_button("Download the cards (a page to print, eight a sheet)", page.encode("utf-8"),
                             file_name=f"sign-in-cards-{school_class.code}.html", mime="text/html",
                             icon="⬇️", on_click="ignore", key="classroom_cards_download", type="primary")  # fmt: skip
        right.button("Done: the cards are printed", key="classroom_cards_done", on_click=_printed)
        with st.expander("Preview, and print from here", expanded=len(handouts) <= 2):
            st.iframe(page, height=PREVIEW_HEIGHT)
        table = pd.DataFrame({"student": [h.name for h in handouts],
                              "password": [secret_text(h) for h in handouts]})  # fmt: skip
        st.dataframe(table, hide_index=True, width="stretch", key="classroom_cards_table")
