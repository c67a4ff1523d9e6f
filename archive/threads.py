"""Thread pools that belong to one process.

A pool made before a fork is useless in the child (threads do not survive a
fork: its queue would never be served), so each process makes its own on
first use.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_pools = {}
_lock = threading.Lock()


def pool(name):
    """This process's pool called name, one thread per CPU, made on first use."""
    key = (os.getpid(), name)
    with _lock:
        if key not in _pools:
            for stale in [k for k in _pools if k[0] != key[0]]:
                del _pools[stale]  # inherited from the parent: never served
            _pools[key] = ThreadPoolExecutor(max_workers=cpu_count(), thread_name_prefix=name)
        return _pools[key]


def cpu_count():
    return os.cpu_count() or 1
