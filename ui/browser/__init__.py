"""The browser path (issue 46): keypoints and gestures computed in the student's tab, events to the server."""
