"""Live outputs, Wekinator-style: each frame's gestures as OSC messages and WebSocket JSON (``docs/outputs.md``).

``settings`` (what and where), ``messages`` (the formats), ``channel`` (the WebSocket's bounded queue,
drained by its own thread), ``osc`` and ``ws`` (the two outputs), ``hub`` (``Outputs``: both, fed from the video thread).
Nothing is imported here, so the command line's parser can read ``settings`` without loading the senders.
"""
