"""Long work for the pages: jobs sent to the server's runner (``pool``), followed (``remote``), and their pages' runs
(training, measuring, learning curve)."""
