"""The webcam stream on the server path: the ``webrtc_streamer`` widget, one ``StreamSession`` per tab and page, its frame callbacks and threads,
the recorders that run inside them, and what is drawn on the video. Worker-side: no ``st.*`` at import."""
