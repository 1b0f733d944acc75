"""Sign-in cards to print (core.classes.cards): eight a sheet, each with the address, the class code, the name and the
password or pictures; every name as its own characters (HTML-escaped); which addresses reach only this machine."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from core.classes.batch import Handout
from core.classes.cards import CARDS_A_SHEET, NO_ADDRESS, PICTURES_SWITCH, cards_page, is_local, origin
from core.classes.pictures import EMOJI


class _Cards(HTMLParser):
    """The text of each card and each sheet's number of cards, as a browser parses the page; and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[str] = []
        self.sheets: list[int] = []
        self.tags: list[str] = []
        self._depth = 0  # inside a card: how many divs deep

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        kind = dict(attrs).get("class")
        if tag == "div" and kind == "sheet":
            self.sheets.append(0)
        elif tag == "div" and kind == "card":
            self.sheets[-1] += 1
            self.cards.append("")
            self._depth = 1
        elif tag == "div" and self._depth:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cards[-1] += data + " "


def _parsed(page: str) -> _Cards:
    parser = _Cards()
    parser.feed(page)
    return parser


def test_thirty_cards_come_eight_a_sheet_each_with_the_address_code_name_and_password() -> None:
    handouts = [Handout(f"Kid {i:02d}", f"pw{i:02d}-abcd") for i in range(30)]
    page = cards_page("7B", "AB3K7Q", "https://handteach.school.example", handouts)
    parsed = _parsed(page)
    assert parsed.sheets == [8, 8, 8, 6] and CARDS_A_SHEET == 8
    for i, card in enumerate(parsed.cards):
        assert f"Kid {i:02d}" in card and f"pw{i:02d}-abcd" in card, card
        assert "AB3K7Q" in card and "https://handteach.school.example" in card
    assert "@media print" in page and "break-after: page" in page and "window.print()" in page


def test_names_are_their_own_characters_and_pictures_say_how_to_sign_in() -> None:
    names = ["<b>Zoë</b>", "<script>alert(1)</script>", "**Ana** [x](https://evil.test)", 'Ben & "Cy"']
    handouts = [Handout(n, "abcd-2345") for n in names] + [Handout("Dee", "", ("dog", "rocket", "moon"))]
    page = cards_page("7B <i>x</i>", "AB3K7Q", "", handouts)
    parsed = _parsed(page)
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "div", "p", "b", "button",
                                "span", "h2"}, set(parsed.tags)  # fmt: skip  # no <script>, <i> of anyone's
    for name, card in zip(names, parsed.cards, strict=False):
        assert name in card, card  # the parsed text is the name as typed
    dee = parsed.cards[-1]
    assert re.search(r"🐶.*dog.*then.*🚀.*rocket.*then.*" + EMOJI["moon"], dee) and PICTURES_SWITCH in dee
    assert NO_ADDRESS in dee  # no address known: a line to write it in


def test_which_addresses_reach_only_this_machine() -> None:
    assert origin("http://localhost:8501/class?x=1") == "http://localhost:8501"
    assert origin("") == "" and origin("/class") == ""
    for local in ("http://localhost:8501", "http://127.0.0.1:8501", "localhost:8501", "http://[::1]:8501"):
        assert is_local(local), local
    for remote in ("https://handteach.school.example", "http://192.168.1.20:8501", "10.0.0.5:8501"):
        assert not is_local(remote), remote


def test_a_name_with_accents_says_how_it_may_be_typed_without_them() -> None:
    """Issue 70: "Zoë" on the card, "Zoe" typed on an English keyboard: the card says it is welcome."""
    names = ["Zoë", "Nguyễn Văn An", "<b>José</b>", "Ana", "Андрей"]
    parsed = _parsed(cards_page("7B", "AB3K7Q", "", [Handout(n, "abcd-2345") for n in names]))
    typed = ["you may type Zoe", "you may type Nguyen Van An", "you may type <b>Jose</b>", None, None]
    for card, hint in zip(parsed.cards, typed, strict=True):
        assert (hint in card) if hint else ("you may type" not in card), card


def test_a_long_name_s_hint_leaves_a_picture_card_its_room() -> None:
    """A 95-character name with accents: the typed line in smaller letters on a password card, none on a picture
    card (there it pushed the note under the pictures off the card)."""
    long = "Édouard-Émile Nguyễn Văn Ân de la Cruz Fernández-García López Müller-Lüdenscheidt Ørsted Łukasz"
    page = cards_page("7B", "AB3K7Q", "", [Handout(long, "abcd-2345"), Handout(long, "", ("owl", "fox", "moon"))])
    words, pictures = _parsed(page).cards
    assert "you may type Edouard-Emile Nguyen Van An" in words and 'class="typed long"' in page
    assert "you may type" not in pictures and PICTURES_SWITCH in pictures
