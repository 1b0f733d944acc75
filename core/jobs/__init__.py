"""Long work (training, measuring, learning curves, fine-tuning, imports, video extraction) out of the web process.

``job`` the values crossing the boundary, ``runner`` the one interface, ``local`` its process-pool default,
``fair`` who runs next, ``worker`` the worker process, ``tasks`` the job functions the pages and the command
line share.
"""
