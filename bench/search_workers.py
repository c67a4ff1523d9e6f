"""gunicorn settings for bench/search.py's memory measure: the archive's own
(archive/web/gunicorn_config.py: the application preloaded in the master,
frozen before each fork, freed memory handed back after each request), and
one more hook, so that every worker runs every query of the bench once
before it waits for requests, and says so on stdout.

A request routed to one worker in particular is not something gunicorn
offers, so each worker answers the queries itself: the shared index's
through the application (GET /api/search, as the server answers them, each
followed by the server's post_request), today's design by calling it, as
it has no view. The bench then reads the proportional set size of the
master and its workers.

    BENCH_DESIGN=shared|before  BENCH_QUERIES=[[query, sort], ...]  ARCHIVE_DATA=...
"""

import io
import json
import os
import sys
from urllib.parse import urlencode

from archive.web import gunicorn_config

preload_app = gunicorn_config.preload_app
when_ready = gunicorn_config.when_ready
pre_fork = gunicorn_config.pre_fork
post_request = gunicorn_config.post_request


def post_worker_init(worker):
    queries = json.loads(os.environ["BENCH_QUERIES"])
    if os.environ["BENCH_DESIGN"] == "shared":
        for query, sort in queries:
            environ = _environ("/api/search", urlencode({"q": query, "sort": sort}))
            status = []
            body = worker.wsgi(environ, lambda code, headers, exc_info=None: status.append(code))
            try:
                for _ in body:
                    pass
            finally:
                if hasattr(body, "close"):
                    body.close()
            if not status[0].startswith("200"):
                raise RuntimeError(f"{query!r} answered {status[0]}")
            worker.cfg.post_request(worker, None, environ, None)
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import search_before

        from archive import db as archive_db

        db = archive_db.connect(os.environ["ARCHIVE_DATA"])
        for query, sort in queries:
            search_before.search(db, query, sort=sort)
            worker.cfg.post_request(worker, None, {}, None)
        db.close()
    print(f"ready {os.getpid()}", flush=True)


def _environ(path, query_string):
    """What gunicorn hands the application for a GET from a local client."""
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query_string,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
