"""Signing in with the school's own accounts (OIDC), beside a class's password form (``ui.common.signin``).

Offered only when ``.streamlit/secrets.toml`` has an ``[auth]`` section naming a provider (docs/class-signin.md, "Sign in
with your school's accounts"). Streamlit does the OIDC work itself: ``st.login`` sends the browser to the school's
sign-in page and back with a signed identity cookie, ``st.user`` holds the provider's claims, ``st.logout`` clears
the cookie (and ``ui.server.session_cookie`` clears the class's password cookie on the same request). Which member
of a class that person is, if any, ``core.classes.identity`` decides from the verified e-mail address. *Sign out*
also tells the server that sign-in ended (``core.classes.session.end_school_session``): a copy of Streamlit's
cookie taken before it signs nobody in, and a tab it had opened is signed out at its next run.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.classes.access import Viewer
from core.classes.identity import address_of, identity_from_claims, too_old, viewer_for_identity
from core.classes.session import end_school_session, school_session_ended
from core.data.store import Store
from ui.common.text import plain

NOT_HERE = "This account is not in a class here; ask your teacher."
_NOBODY = "handteach_school_account_is_nobody"  # session state: signed in with the school as nobody of a class
_SIGNED_IN = "handteach_school_sign_in"  # session state: (address, iat) of the school sign-in this session is
# what [auth] must hold (docs/class-signin.md)
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


def provider_name() -> str | None:
    """The name on the "Sign in with …" button; None when ``[auth]`` names no provider (nothing is offered)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        auth, ours = st.secrets.get("auth"), st.secrets.get("handteach")
    except (ValueError, OSError, StreamlitAPIException):  # a malformed secrets.toml: no school sign-in
        return None
    if not auth or not all(auth.get(key) for key in AUTH_KEYS):  # half configured: st.login would fail
        return None
    named = ours.get("provider_name") if ours else None
    return str(named) if named else urlsplit(str(auth["server_metadata_url"])).hostname or "your school"


def _claims() -> dict[str, object] | None:
    """The provider's claims for this browser, None when it did not sign in with the school."""
    if provider_name() is None:
        return None
    claims = st.user.to_dict()  # empty, not {"is_logged_in": False}, where no sign-in route ran (AppTest)
    return claims if claims.get("is_logged_in") is True else None


def school_viewer(store: Store) -> Viewer | None:
    """The class member this browser's school sign-in is, None when none; notes for ``refuse_if_nobody`` whether
    it is a school account that is nobody here. Counts as a sign-in (``last_seen``): once a session."""
    claims = _claims()
    identity = None if claims is None else identity_from_claims(claims)
    if identity is not None and (too_old(identity) or school_session_ended(store, identity.email,
                                                                            identity.signed_in_at)):  # fmt: skip
        claims = identity = None  # too long ago, or signed out since: the form, to sign in with the school again
    viewer = None if identity is None else viewer_for_identity(store, identity)
    if viewer is not None and identity is not None:
        st.session_state[_SIGNED_IN] = (identity.email, identity.signed_in_at)
    # nobody: no verified address (nobody a teacher could have listed), or an address nobody listed
    st.session_state[_NOBODY] = claims is not None and viewer is None
    return viewer


def refuse_if_nobody() -> None:
    """For a school account that is nobody here: one line, a way out, nothing else, and ``st.stop``."""
    if not st.session_state.get(_NOBODY):
        return
    st.title("✋ handteach")
    st.warning(NOT_HERE)
    if st.button("Sign out", key="school_sign_out"):
        st.logout()
    st.stop()


def offer() -> None:
    """The "Sign in with …" button under the password form, when ``[auth]`` is configured."""
    name = provider_name()
    if name is not None and st.button(f"Sign in with {plain(name)}", key="school_sign_in"):
        st.login()


def held() -> tuple[str, float] | None:
    """(address, provider's ``iat``) of the school sign-in this session is, None when it is not one."""
    found = st.session_state.get(_SIGNED_IN)
    return found if isinstance(found, tuple) else None


def still_signed_in(store: Store, account_id: int) -> bool:
    """False once the school sign-in this session came from was signed out (in any tab, on any machine), or its
    address no longer signs in as ``account_id`` (the teacher gave the account another address: a classmate's
    address typed by mistake, then mended, kept the classmate's open tab signed in as that account)."""
    held = st.session_state.get(_SIGNED_IN)
    return held is None or (not school_session_ended(store, *held) and address_of(store, account_id) == held[0])


def sign_out(store: Store, viewer: Viewer) -> bool:
    """Sign out of the school's account (both cookies go, ``ui.server.session_cookie``, and the server keeps the
    sign-in as ended); False when not in one."""
    claims = _claims()
    if claims is None:
        return False
    identity = identity_from_claims(claims)
    if identity is not None:
        end_school_session(store, viewer.account_id, identity.email, identity.signed_in_at)
    st.logout()
    return True
