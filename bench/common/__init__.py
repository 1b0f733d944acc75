"""Helpers the benchmarks share (and tests import): the fake camera, the browser driver, the people loaders."""
