"""Streamlit-side glue of handteach: settings, session state, the webcam callback, workers.

Everything that imports ``streamlit``, ``streamlit_webrtc`` or ``av`` lives here or in
``pages/``; ``core/`` stays free of them. Modules:

* ``serve``: the launcher (``python -m ui.serve``, ``make run``): the media fix, then Streamlit.
* ``settings``: environment / secrets → a frozen ``AppSettings`` (data dir, ICE servers, …).
* ``state``: the shared ``Store``, the current project, cached models, class labels.
* ``stream``: ``StreamSession`` (per browser session and page) and the WebRTC callback factory.
* ``recorder``: the record-with-countdown state machine used by the callback.
* ``uploads``: uploaded images/videos → samples (all or nothing), annotated downloads.
* ``jobs``: training in a worker thread, the pre-flight check, misclassified samples.
* ``live_fix``: Live's "Teach it here": a take on Live's stream, then the project retrained.
* ``exports``: ONNX and CSV downloads as bytes.
* ``widgets``: small shared widgets (class picker, timings table, gallery, prediction panel).
"""
