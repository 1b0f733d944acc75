"""Scratch projects in handteach: ``.sb3`` files checked before anything reads them, and the examples."""
