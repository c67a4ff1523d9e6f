"""Handing a process's freed memory back to the system.

glibc's malloc keeps what a process frees for its next allocations, and
past the first few large ones it keeps them in the heap rather than giving
them back. A search at a million photos works through masks and lists of a
few MB each, so a web worker would hold on to the tens of MB its largest
request needed, for the rest of its life, in every worker: the one part of
its memory the shared search index cannot share. The server calls release()
after each request has been answered (web/gunicorn_config.py), so that what
a worker holds between requests is what it keeps alive and a few MB, not
the peak of its busiest request.

Giving pages back has a price: the next request that needs the memory
takes fresh pages from the kernel, about a microsecond each. So release()
lets a process keep up to SLACK bytes more than it held after its last
release: small requests (an archive of a hundred thousand photos) reuse
what they freed, large ones give it back.
"""

import ctypes
import os

# Freed memory a process may keep for its next requests.
SLACK = 8 * 2**20

try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim
    _malloc_trim.argtypes = [ctypes.c_size_t]
    _malloc_trim.restype = ctypes.c_int
except (OSError, AttributeError):  # not glibc: its allocator has its own ways
    _malloc_trim = None

_PAGE = os.sysconf("SC_PAGE_SIZE")
_held_after_release = None


def release():
    """Give the pages of every freed block back to the system (glibc's
    malloc_trim) when the process holds more than SLACK bytes above what it
    held after it last did; elsewhere nothing."""
    global _held_after_release
    if _malloc_trim is None:
        return
    held = _private_resident()
    if _held_after_release is not None and held - _held_after_release <= SLACK:
        return
    _malloc_trim(0)
    _held_after_release = _private_resident()


def _private_resident():
    """Bytes of the process's own memory (not mapped from files) in RAM."""
    with open("/proc/self/statm", "rb") as f:
        _, resident, shared, *_ = f.read().split()
    return (int(resident) - int(shared)) * _PAGE
