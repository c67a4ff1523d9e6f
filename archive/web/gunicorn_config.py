"""gunicorn's settings for the archive, so that workers share what they can:

    gunicorn -c python:archive.web.gunicorn_config --workers 4 --bind 127.0.0.1:8000 'archive:create_app()'

A worker's memory is the search index's pages, which every worker maps from
the same files (archive/search/index.py) and so counts once, plus what each
holds for itself. Started on its own a worker imports the application and
its libraries into its own heap, some 50 MB that no other worker can share,
and its first search makes more: the index opened, the stacks of copies,
the application's routes, validators and templates made on first use. So
the application is loaded once, in the master (preload_app), which answers
a search and the gallery before it forks its workers: they start with all
of that in pages they share, copied only where one writes. Two things would
still write to nearly all of them: Python's cycle collector, which marks
every object it visits, and a heap that keeps freed memory. So the master
moves everything it made out of the collector's sight before each fork
(gc.freeze), and each worker gives back the memory a request freed once it
has answered it (archive.memory).

A preloaded application is loaded once: a code change needs a restart
(not a HUP) to reach the workers.
"""

import gc

from archive import memory
from archive.search import index as search_index

preload_app = True
# What the master asks before the first fork: the pages most visitors open.
WARM_UP = ("/", "/search?q=poster")


def when_ready(server):
    app = server.app.wsgi()
    try:
        with app.test_client() as client:
            for path in WARM_UP:
                status = client.get(path).status_code
                if status != 200:
                    server.log.warning("warming up: %s answered %s", path, status)
    except Exception:
        # The workers make what the master could not; the server still starts.
        server.log.exception("warming up failed")
    # A search may have begun a new base in the background; no thread may
    # be at work when the master forks.
    search_index.settle()
    memory.release()


def pre_fork(server, worker):
    # What the master holds now (the application, its modules, the index it
    # opened) is never collected in a worker, so the collector never writes
    # to its pages there.
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    memory.release()
