"""Signing in, only when this server serves a class (``core.classes``): ``gate`` runs before every page.

With no class on the server ``gate`` returns None and nothing changes (one person, no sign-in). With one, a
session that has not signed in sees the sign-in form and nothing else; a signed-in one keeps its ``Viewer``
in Streamlit's session state and, through ``ui.server.session_cookie``, in a signed, expiring HttpOnly cookie
(a reload or a new tab stays signed in for 8 hours, until *Sign out*), and ``ui.common.state.store`` opens
the store as that person, so every page lists, opens and changes only what they may. The viewer is looked up
again on every run: a student deleted by the teacher is signed out at their next click (or reload), told so in
one line, their session's state and jobs dropped. ``teacher_visibility`` lists the teacher's *Class* page; each
run tells ``ui.server.media_scope`` who the session is, so the pictures and downloads its pages get are served
to that person only.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Literal

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.classes.access import Viewer
from core.classes.first_project import start_project
from core.classes.retention import expire_crops
from core.classes.roster import any_class, class_by_id, class_mode
from core.classes.session import (
    SessionEndedError,
    SessionRef,
    deleted_account_class,
    end_session,
    token_session,
    viewer_from_token,
)
from core.classes.signin import SignInError, sign_in_session, viewer_of
from core.data.sql.schema import NotFoundError, StoreError
from core.data.store import Store
from ui.common import picture_signin, school_signin
from ui.server import media_scope, outsiders
from ui.server.session_cookie import COOKIE, DEVICE_COOKIE, DEVICE_ROUTE, ROUTE

VIEWER_KEY = "handteach_viewer"
_TOKEN_PENDING = "handteach_session_token"  # signed in this run: the token goes to the cookie on the next
_DEVICE_PENDING = "handteach_device_token"  # and this browser's known-device token (core.classes.devices) to its own
_SESSION = "handteach_session"  # this session's token (its session row, core.classes.session): each run checks it
_SIGNED_OUT = "handteach_signed_out"  # this session signed out: its (stale) cookie header no longer signs in
_DELETED = "handteach_account_deleted"  # the teacher deleted the student this session was: the form says so
DELETED_LINE = ("Your teacher deleted your account and everything in it: what you were recording or training was "
                "stopped and nothing of it was kept.")  # fmt: skip
SIGN_IN_FAILED = "The server is busy and could not sign you in: try again in a minute."
SIGN_OUT_FAILED = "The server is busy and could not sign you out: try again in a minute."
ENDED_LINE = ("Your class has ended and everything in it was deleted: what you were recording or training was "
              "stopped and nothing of it was kept.")  # fmt: skip
# the teacher who ended the class reads their own line: the students' speaks of their work
TEACHER_ENDED_LINE = ("You ended the class: everything of it was deleted, your own account too. To teach another "
                      "class, create it as you created this one.")  # fmt: skip


def signed_in() -> Viewer | None:
    """This session's viewer, None when no one signed in (always, with no class on the server)."""
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None


def teacher_visibility(store: Store) -> Literal["visible", "hidden"]:
    """The Class page in the navigation for the signed-in teacher only: asked before the page runs, so a new
    session (a reload) is signed in from its cookie first; ``gate`` checks the account again after."""
    viewer = _restored(store) if class_mode(store) else None
    return "visible" if viewer is not None and viewer.role == "teacher" else "hidden"


def _restored(store: Store) -> Viewer | None:
    """This session's viewer, signed in from the session cookie if it was not yet and that cookie holds."""
    viewer = signed_in()
    if viewer is None and not st.session_state.get(_SIGNED_OUT):  # a reload, a new tab: the cookie, if it holds
        token = st.context.cookies.get(COOKIE)
        viewer = viewer_from_token(store, token)
        gone_from = deleted_account_class(store, token) if viewer is None else None
        if gone_from is not None:  # their teacher deleted them (or ended their class) meanwhile
            _deleted(store, gone_from)
        elif viewer is None:  # else the school's sign-in (OIDC), where the server offers it
            viewer = school_signin.school_viewer(store)
        else:
            st.session_state[_SESSION] = token  # checked on every run: *Sign out* anywhere ends this tab too
        if viewer is not None:
            st.session_state[VIEWER_KEY] = viewer
    return viewer


def _now(store: Store, viewer: Viewer) -> Viewer | None:
    """``viewer`` as the server has it now: None once their session ended (*Sign out* in another tab, a new
    password) or their account went. A school sign-in (OIDC) has no session row: its account only."""
    token = st.session_state.get(_SESSION)
    if token is None:
        return viewer_of(store, viewer.account_id) if school_signin.still_signed_in(store, viewer.account_id) else None
    return viewer_from_token(store, token, max_age_s=None)  # any age: a tab open all day stays while its row does


def held_sign_in() -> object:
    """What this session signed in with: its token, or its school sign-in's (address, time), or None."""
    return st.session_state.get(_SESSION) or school_signin.held()


def session_ref(store: Store, viewer: Viewer) -> SessionRef:
    """The sign-in this session's writes hold to (``core.classes.session_store``): its session row, or its school
    sign-in, or with neither (a viewer set by a test) the account alone."""
    token = st.session_state.get(_SESSION)
    if token is not None:  # checked at sign-in; one that names no session now (a new secret) holds nothing
        return token_session(store, token) or SessionRef(viewer.account_id, key="", class_id=viewer.class_id)
    held = school_signin.held()
    return SessionRef(viewer.account_id, school=held) if held is not None else SessionRef(viewer.account_id)


def gate(store: Store, on_deleted: Callable[[], None] = lambda: None) -> Viewer | None:
    """Before every page: None with no class; else the signed-in viewer, or the sign-in form and ``st.stop``;
    ``on_deleted`` runs first when this session's account was deleted since its last run (its tab's jobs stop)."""
    if not class_mode(store):
        st.session_state.pop(VIEWER_KEY, None)
        _note_session(store, None, in_class=False)
        return None
    viewer = _restored(store)
    now = _now(store, viewer) if viewer is not None else None
    if viewer is not None and now is not None and now != viewer and now.account_id == viewer.account_id:
        st.session_state[VIEWER_KEY] = viewer = now  # renamed by the teacher (the Class page): the same person
    if viewer is not None and now == viewer:
        if token := st.session_state.pop(_TOKEN_PENDING, None):
            _post_to_cookie_route(ROUTE, token)
        if device := st.session_state.pop(_DEVICE_PENDING, None):
            _post_to_cookie_route(DEVICE_ROUTE, device)
        _note_session(store, viewer)
        _sign_out_button(store, viewer)
        return viewer
    if viewer is not None and now is None and viewer_of(store, viewer.account_id) is None:
        on_deleted()
        _deleted(store, viewer.class_id, viewer.role)
    elif viewer is not None and now is None:  # its session ended elsewhere: signed out, and its cookie is dead
        st.session_state.clear()
        st.session_state[_SIGNED_OUT] = True
    st.session_state.pop(VIEWER_KEY, None)  # deleted meanwhile, or never signed in
    _note_session(store, None)
    school_signin.refuse_if_nobody()
    if st.session_state.get(_SIGNED_OUT) == "clear cookie":
        st.session_state[_SIGNED_OUT] = True
        _post_to_cookie_route(f"{ROUTE}/end", "")
    _sign_in_form(store)
    st.stop()
    return None


def _deleted(store: Store, class_id: int, role: str = "student") -> None:
    """This session's account was deleted (its student, or its whole class ``class_id``; ``role``: theirs where
    known, a reload's cookie does not say it): nothing of theirs stays in the session (a take's ticket, a training
    followed), and the sign-in form says what happened. (This tab's
    jobs were stopped by ``gate``'s ``on_deleted``: the Class page stopped them already, but the command line's
    ``class`` commands cannot reach this server's runner.)"""
    st.session_state.clear()
    st.session_state[_SIGNED_OUT] = "clear cookie"  # the cookie names an account that is no more
    try:
        class_by_id(store, class_id)
        st.session_state[_DELETED] = DELETED_LINE
    except NotFoundError:  # the class ended: its teacher ended it (the students' line would speak of their work)
        st.session_state[_DELETED] = TEACHER_ENDED_LINE if role == "teacher" else ENDED_LINE


def leave_if_deleted(store: Store) -> None:
    """Where a fragment (which reruns without ``gate``) saw a take or job of ``store``'s viewer refused: if that
    student was deleted meanwhile, the whole page runs again, so ``gate`` signs them out with its one line. (A
    session ended elsewhere keeps the refusal's own line in sight; its next whole-page run shows the form.)"""
    try:
        gone = store.viewer is not None and viewer_of(store, store.viewer.account_id) is None
    except StoreError:  # the database is away: the refusal's own line says so, and who was deleted can wait
        return
    if gone:
        st.rerun(scope="app")


def _note_session(store: Store, viewer: Viewer | None, in_class: bool = True) -> None:
    """Who this session is, for the pictures and downloads its pages get (``ui.server.media_scope``) and for what
    tabs without an account may cost the site (``ui.server.outsiders``)."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        media_scope.note_session(ctx.session_id, None if viewer is None else viewer.account_id, store.data_dir)
        outsiders.note_session(ctx.session_id, viewer is not None, in_class)


def _post_to_cookie_route(route: str, body: str) -> None:
    """POST ``body`` to the cookie route from a same-origin component frame (``ui.server.session_cookie``):
    a page cannot set a cookie, and the HttpOnly one it sets is out of every script's reach afterwards."""
    script = f"<script>fetch({json.dumps(route.lstrip('/'))}, {{method: 'POST', body: {json.dumps(body)}, " \
             "credentials: 'same-origin'});</script>"  # fmt: skip
    st.sidebar.iframe(script, height=1)  # our own script, the token only: nothing typed by anyone


def _sign_in_form(store: Store) -> None:
    st.title("✋ handteach")
    if said := st.session_state.get(_DELETED):
        st.warning(said)
    secret = ("the pictures on your card, in order" if picture_signin.is_on()
              else "the password your teacher gave you")  # the toggle is drawn below this line  # fmt: skip
    st.markdown(f"Sign in with your class code, your name and {secret}.")
    if not any_class(store):  # the last class ended: the server stays a class server (core.classes.roster)
        st.info("No class is open on this server now: your teacher starts one and gives you its code.")
    pictures = picture_signin.wanted()
    with st.form("sign_in"):
        code = st.text_input("Class code", max_chars=32, key="signin_code")
        name = st.text_input("Your name", max_chars=100, key="signin_name")
        if pictures:
            password = picture_signin.fields()
        else:
            password = st.text_input("Password", type="password", max_chars=128, key="signin_password")
        pressed = st.form_submit_button("Sign in", type="primary")
    school_signin.offer()
    if not pressed:
        return
    if password is None:  # a picture missing: said, not counted as a wrong try
        st.error(picture_signin.CHOOSE_BOTH)
        return
    try:  # the session row (what *Sign out* ends) and the device token are for the password checked
        device = st.context.cookies.get(DEVICE_COOKIE)  # a browser they signed in on: not slowed by others' guesses
        done = sign_in_session(store, code, name, password, st.context.ip_address or "unknown", device=device)
    except SignInError as exc:  # our own fixed lines: they quote nothing typed
        st.error(str(exc))
        return
    except StoreError:  # busy for longer than a write waits
        st.error(SIGN_IN_FAILED)
        return
    st.session_state[VIEWER_KEY] = done.viewer
    st.session_state.pop(_DELETED, None)
    st.session_state[_DEVICE_PENDING] = done.device
    st.session_state[_SESSION] = st.session_state[_TOKEN_PENDING] = done.token  # to the cookie on the next run
    with contextlib.suppress(StoreError):  # busy now: the next sign-in does it
        expire_crops(store)  # pictures older than the class's retention go (core/classes/retention.py)
    st.rerun()


def _sign_out_button(store: Store, viewer: Viewer) -> None:
    st.sidebar.text(f"Signed in: {viewer.name}")  # st.text: the name exactly as typed, never Markdown
    if st.sidebar.button("Sign out", key="sign_out"):
        try:  # the server ends the session first: a copy of either cookie signs nobody in from now on
            end_session(store, st.session_state.get(_SESSION))
            school = school_signin.sign_out(store, viewer)
        except SessionEndedError:  # ended meanwhile in another tab: this one signs out all the same
            school = False
        except StoreError:
            st.sidebar.error(SIGN_OUT_FAILED)
            return
        if school:  # the browser leaves for the sign-out route: a new session, neither cookie
            st.stop()
        switch = picture_signin.kept()  # "I sign in with pictures" stays as the last one left it
        _clear_all_but_the_camera()
        st.session_state.update(switch)
        st.session_state[_SIGNED_OUT] = "clear cookie"  # this tab's cookie header still holds the old one
        # the next one at this computer starts on Home with no ?project= of the last one's: it said "No project
        # named \"Ana's gestures\" here" to Ben, who then landed on the page Ana had left (a class walkthrough)
        st.switch_page("pages/home.py")


def _clear_all_but_the_camera() -> None:
    """The session's state goes, but for a streaming camera's own (streamlit-webrtc's context and its frontend
    value): signing out with the camera on left the component's callback, on the next run, without them, and the
    page said only "This app has encountered an error". The stream ends as the page it was on goes."""
    from streamlit_webrtc import WebRtcStreamerContext

    cameras = [str(k) for k, v in st.session_state.items() if isinstance(v, WebRtcStreamerContext)]
    keep = {k for k in st.session_state if any(str(k) == c or str(k).startswith(f"{c}:frontend") for c in cameras)}
    for key in [k for k in st.session_state if k not in keep]:
        del st.session_state[key]


def first_project(store: Store) -> str:
    """The project a signed-in person starts on: the one they used last, else their latest, else one starter
    (``core.classes.first_project``)."""
    return start_project(store)
