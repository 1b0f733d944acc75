"""Long work (training, measuring, learning curves, fine-tuning, imports, video extraction) out of the web process.

``job`` the values crossing the boundary, ``runner`` the one interface, ``local`` its process-pool default (its
scheduler thread in ``rounds``, its processes in ``procs``), ``fair`` who runs next, ``worker`` the worker
process; ``queue`` the runner on procrastinate and PostgreSQL (its tables in ``queue_db``, its worker processes in
``queue_worker``, a job's arguments as JSON in ``wire``); the job functions the pages and the command line share: ``tasks`` (training, measuring, the learning
curve), ``model_tasks`` (fine-tuning, a motion model), ``sample_tasks`` (Record's imports).
"""

from core.jobs import version as _version  # noqa: E402, F401 - the code's version, fixed as this process starts
