"""Background work for the pages: training in a worker thread the page polls and may cancel."""
