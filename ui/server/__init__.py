"""Starting the app: the launcher (``python -m ui.server.serve``), the Streamlit media fix, where WebRTC listens, settings from the environment."""
