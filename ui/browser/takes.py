"""A take the page asks the tab to record (Record's and Live's *Teach it here* browser paths): issued with a
deadline, stored once when the tab sends it whole (``core.data.imports.browser_take``).

Each page keeps its take in its own ``TakeSlot`` of the session: the ticket, its deadline and the ledger of
take ids issued and used (``core.data.imports.take_tickets``: one open ticket, a take stored once and only after its
countdown and length and before its grace ran out; replayed, early, late or forged ones are refused by name).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import streamlit as st

from core.data.imports.browser_take import TakeReport, read_take, store_samples, store_take
from core.data.imports.take_tickets import GRACE_S, TakeError, TakeLedger, TakeTicket
from core.data.sql.schema import Sample, StoreError
from core.data.store import Store
from ui.common import signin

Held = tuple[TakeTicket, list[Sample], TakeReport]  # a take read and not stored yet: its ticket, samples and counts


@dataclass(frozen=True)
class TakeSlot:
    """One page's take in the session state, under keys starting with ``name``."""

    name: str

    def ledger(self) -> TakeLedger:
        return st.session_state.setdefault(f"{self.name}_ledger", TakeLedger())

    def issue(self, ticket: TakeTicket, store: Store) -> str | None:
        """Ask the tab for ``ticket``'s take: it must arrive within its countdown, duration and ``GRACE_S``, and goes
        into the project ``ticket.project`` is now or nowhere (its identity is bound to the ticket here). None, or
        why no take starts (the project went meanwhile: its student was deleted)."""
        try:
            ticket = replace(ticket, project_identity=store.project_identity(ticket.project))
        except StoreError as exc:
            return f"Nothing was recorded: {exc}"
        now = time.monotonic()
        st.session_state[self.name] = self.ledger().issue(ticket, now)
        st.session_state[f"{self.name}_until"] = now + ticket.length + GRACE_S
        return None

    def issued(self) -> TakeTicket | None:
        """The take issued and not yet ended, overdue or not (``pending`` drops an overdue one)."""
        return st.session_state.get(self.name)

    def pending(self) -> tuple[TakeTicket | None, bool]:
        """(the take the tab should record now, or None; whether one ran past its deadline and was dropped now:
        the tab never sent it, closed or reloaded)."""
        ticket = self.issued()
        if ticket is None:
            return None, False
        if time.monotonic() > st.session_state.get(f"{self.name}_until", 0.0):
            del st.session_state[self.name]
            return None, True
        return ticket, False

    def store(self, store: Store, event: dict) -> tuple[TakeTicket | None, TakeReport | str]:
        """A ``take`` event stored (nothing on any error): (the ticket it ended, the report or why nothing was)."""
        ticket: TakeTicket | None = st.session_state.pop(self.name, None)  # the tab finished it, stored or not
        try:
            report: TakeReport | str = store_take(store, event, self.ledger())
        except (TakeError, StoreError) as exc:
            signin.leave_if_deleted(store)  # its student was deleted mid-take: the sign-in form says so
            report = f"Nothing was stored: {exc}"
        return ticket, report

    def read(self, store: Store, event: dict) -> tuple[TakeTicket | None, Held | str]:
        """``store`` without storing: (the ticket it ended, (the ticket it answered, its samples, their counts) or why
        nothing will be), for a page that asks before storing (``keep``)."""
        ticket: TakeTicket | None = st.session_state.pop(self.name, None)
        try:
            held = read_take(event, self.ledger())
        except TakeError as exc:
            signin.leave_if_deleted(store)
            return ticket, f"Nothing was stored: {exc}"
        return ticket, held

    @staticmethod
    def keep(store: Store, ticket: TakeTicket, samples: list[Sample], report: TakeReport) -> TakeReport | str:
        """A take ``read`` earlier stored now (nothing on any error: its project went meanwhile)."""
        try:
            return store_samples(store, ticket, samples, report)
        except StoreError as exc:
            signin.leave_if_deleted(store)
            return f"Nothing was stored: {exc}"
