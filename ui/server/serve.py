"""Start the app: ``python -m ui.server.serve [--port 8501] [streamlit options...]`` (what ``make run`` does).

Streamlit's own ``streamlit run app.py`` serves requests before ``app.py`` has run once, so
whatever ``app.py`` patched came too late for the first page load. This launcher puts the
app's guards around Streamlit's server first (the middleware below, each in its module) and
then runs Streamlit's command line in the same process, so the server never serves without them.

The address comes from ``.streamlit/config.toml`` (``localhost``: nothing on the network
can reach the app). Serving on the network is an explicit choice: pass
``--server.address 0.0.0.0`` (``make run ADDRESS=0.0.0.0``); see docs/app.md for why a
remote browser then needs HTTPS for its webcam.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def streamlit_argv(options: Sequence[str]) -> list[str]:
    """The ``streamlit run`` command line for ``app.py`` with ``options`` (``--server.port 8502``, …).

    ``--port N`` is accepted as a short form of ``--server.port N``.
    """
    options = list(options)
    if "--port" in options:
        at = options.index("--port")
        options[at] = "--server.port"
    return ["streamlit", "run", str(APP), *options]


def navigate_through_app_py() -> None:
    """Every page runs through ``app.py`` (its ``st.navigation``), even as the server's first request.

    Streamlit decides once per process, at the first session, whether a ``pages/`` folder
    beside the main script means its old multipage mode; only a run of ``st.navigation``
    turns that off. A bookmark of ``/train`` as the first visit therefore ran
    ``pages/train.py`` alone: no ``app.py`` (layout, sidebar status, settings check) and a
    sidebar listing "app, home, live, record, train", until the server restarted.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def main(options: Sequence[str] | None = None) -> int:
    from core.keypoints.runtime import UnknownRuntimeError, models_problem

    try:
        problem = models_problem()  # the keypoint models' files (or mediapipe, when chosen), before anything starts
    except UnknownRuntimeError as exc:
        problem = str(exc)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from ui.server.warm import warm_in_background

    warm_in_background()  # torch and the rest import beside Streamlit's start, not in a first visitor's page
    from streamlit.web import cli as streamlit_cli

    from ui.server.assets import compress_assets_once
    from ui.server.backmsgs import guard_backmsgs
    from ui.server.busy import show_busy_notices
    from ui.server.compat import end_websockets_quietly, server_base_for_pages
    from ui.server.forwarded import trust_named_proxies
    from ui.server.heartbeat import start_heartbeat
    from ui.server.ice import keep_ice_on_served_address
    from ui.server.limits import bound_websockets, quiet_resource_errors, raise_open_files_limit
    from ui.server.media_grace import keep_replaced_pictures_briefly
    from ui.server.media_scope import scope_media
    from ui.server.origin import check_origins
    from ui.server.private import forbid_framing, hide_private_routes
    from ui.server.session_cookie import serve_session_cookies
    from ui.server.streamlit_files import serve_streamlit_files_from_memory
    from ui.server.uploads import bound_uploads

    os.chdir(ROOT)  # Streamlit reads .streamlit/config.toml (the localhost address) from the working directory
    keep_ice_on_served_address()  # the webcam's UDP sockets listen where the app does (ui/server/ice.py)
    end_websockets_quietly()  # a tab closed mid-send is a disconnect, not an ASGI traceback (ui/server/compat.py)
    server_base_for_pages()  # a page's own address asks the server's root, no 404s first (ui/server/compat.py)
    navigate_through_app_py()
    print(raise_open_files_limit(), flush=True)  # a class's websockets need descriptors (ui/server/limits.py)
    bound_websockets()  # one address cannot take them all
    check_origins()  # a websocket from a page of another origin (another port too) is refused (ui/server/origin.py)
    trust_named_proxies()  # X-Forwarded-For only from HANDTEACH_TRUSTED_PROXIES (ui/server/forwarded.py)
    hide_private_routes()  # /_stcore/metrics is nobody's business on a class's server (ui/server/private.py)
    serve_session_cookies()  # a class's sign-in survives a reload (ui/server/session_cookie.py)
    compress_assets_once()  # the browser path's 29 MB: gzipped once, then revalidated (ui/server/assets.py)
    keep_replaced_pictures_briefly()  # a picture redrawn away is still there when a slow browser asks
    scope_media()  # a signed-in page's pictures and downloads go to that person only (ui/server/media_scope.py)
    quiet_resource_errors()  # out of descriptors anyway: a line a second, not a traceback per connection
    guard_backmsgs()  # no clear_cache, no garbage answered with a path, reruns rate-limited (ui/server/backmsgs.py)
    bound_uploads()  # uploads only to a page with an uploader, held within bounds (ui/server/uploads.py)
    show_busy_notices()  # a write waiting behind an import says so on its page (ui/server/busy.py)
    serve_streamlit_files_from_memory()  # Streamlit's own 100-150 page files: read once, past the stack above
    forbid_framing()  # last, so outermost: every answer says only the app's own pages may frame it (private.py)
    start_heartbeat()  # this server's row for `python -m core status` and the Class page (ui/server/heartbeat.py)
    sys.argv = streamlit_argv(sys.argv[1:] if options is None else options)
    try:
        streamlit_cli.main(prog_name="streamlit")
    except SystemExit as done:  # click ends with SystemExit: pass its code on
        return done.code if isinstance(done.code, int) else 0
    return 0


if __name__ == "__main__":
    from core.keypoints.native_logs import quiet_native_logs

    quiet_native_logs()  # MediaPipe's C++ lines stay out of the server log unless HANDTEACH_VERBOSE=1 (issue 45)
    raise SystemExit(main())
