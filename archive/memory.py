"""Handing a process's freed memory back to the system.

glibc's malloc keeps what a process frees for its next allocations, and
past the first few large ones it keeps them in the heap rather than giving
them back. A search at a million photos works through masks and lists of a
few MB each, so a web worker would hold on to the tens of MB its largest
request needed, for the rest of its life, in every worker: the one part of
its memory the shared search index cannot share. release() gives those pages
back; the server calls it after each request has been answered
(web/gunicorn_config.py), so what a worker holds between requests is what it
keeps alive, not the peak of its busiest request.
"""

import ctypes

try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim
    _malloc_trim.argtypes = [ctypes.c_size_t]
    _malloc_trim.restype = ctypes.c_int
except (OSError, AttributeError):  # not glibc: its allocator has its own ways
    _malloc_trim = None


def release():
    """Give the pages of every freed block back to the system (glibc's
    malloc_trim); elsewhere nothing. Costs under a millisecond; the next
    request that needs the memory again takes fresh pages."""
    if _malloc_trim is not None:
        _malloc_trim(0)
