"""Streamlit-side glue of handteach, in rooms by what a page does.

Everything that imports ``streamlit``, ``streamlit_webrtc`` or ``av`` lives here or in ``pages/``;
``core/`` stays free of them.

* ``server/``: the launcher (``python -m ui.server.serve``, ``make run``), the media fix, ICE, settings.
* ``webcam/``: the server-path webcam stream, its callbacks, the recorders inside it, what is drawn on the video.
* ``live/``, ``train/``, ``home/``: each page's own panels.
* ``samples/``: uploads, CSV import, galleries, motion clips.
* ``jobs/``: training in a worker thread.
* ``common/``: session state, small widgets, text, dates, the accuracy figure.
"""
