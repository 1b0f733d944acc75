"""Motion gestures (swipes, circles, waves): clips of keypoints in, classes and spotted events out.

The flow: ``track`` (frames → ``clip.Clip``) → ``features`` (a fixed-size sequence: path, velocity,
pose) with ``augment`` while training → ``model`` (1D-CNN, files) trained by ``train``; ``dtw`` is the
template method it is compared with; ``evaluate`` scores clips; ``spotting`` finds gestures in a
live stream. No store, no Streamlit: the project layer wires clips to the database.
"""
