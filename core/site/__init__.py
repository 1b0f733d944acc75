"""The site as a whole: each app server's heartbeat (``heartbeat``) and what every server, worker and queued job is
doing now (``status``), for ``python -m core status`` and the teacher's Class page."""
