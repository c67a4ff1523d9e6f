"""Work on untrusted or huge images, in a child process under a ceiling.

A decoder fed a hostile file can ask for gigabytes (a 0.3 MB PNG may
declare 196 megapixels) or spin for a minute (a JPEG that repeats one scan
thousands of times). Such work runs here in a child process whose address
space (RLIMIT_AS) and processor time (RLIMIT_CPU) are capped, so that the
server or the import that asked never holds the memory, and a file that
goes past its budget costs the child its task (or its life), never the
server.

The task sets its own budget once it has read the image's header (allow()),
per pixel and mode; until then it may use what reading a header needs.
Going past the memory budget is a MemoryError in the child; past the CPU
budget the kernel ends the child with SIGXCPU. Both come back to the caller
as OverBudget, a RejectedImage that says which budget and how large it was.

One child serves one process (an import worker, a web server worker) for
as long as it has work, one task at a time, so a bulk import pays for the
child's start once and not once a photo; it leaves after a minute without
work, and a new one starts on demand. It starts by "spawn", a fresh
interpreter, never by fork: the web server's threads (and Python's own
locks) must not be copied into it half-held.
"""

import ctypes
import math
import multiprocessing
import os
import pickle
import resource
import signal
import threading
import time
from dataclasses import dataclass

from archive.imaging.decoding import RejectedImage

MB = 1024 * 1024
# What opening a header may take, before the task knows the image's size.
HEADER_MEMORY = 256 * MB
HEADER_SECONDS = 10
# A child with nothing to do for this long leaves (and gives its memory back).
IDLE_SECONDS = 60
# A child that has kept more than this of freed memory leaves after its task.
KEEP_AT_MOST = 512 * MB
# Past its CPU budget a child gets SIGXCPU. A child that answers nothing for
# this many times its CPU budget (plus the slack: a busy machine shares its
# cores) is ended by the parent, whatever it is doing.
WALL_PER_CPU_SECOND = 3
WALL_SLACK_SECONDS = 30
# A new child's start (a fresh interpreter importing the imaging libraries)
# may take this long on a loaded machine before it answers at all.
START_SECONDS = 120


class OverBudget(RejectedImage):
    """The image needed more memory or processor time than its budget."""


class ChildFailed(RejectedImage):
    """The child died without an answer (a decoder crash on hostile bytes)."""


class _LeftIdle(Exception):
    """The child had left, idle, before it read the task: send it again."""


def run(function, *args, purpose="decode"):
    """function(*args) in this process's child for purpose, under its limits.

    Returns what function returned; an exception it raised is raised here
    (RejectedImage keeps its message); past a budget raises OverBudget.
    Different purposes get different children, so a long background job
    (a tile pyramid) never makes an upload wait. Thread-safe: tasks for one
    child run one after another."""
    return _child(purpose).run(function, args)


def allow(memory_bytes, cpu_seconds):
    """From now on the running task may use this much memory (on top of what
    the child held when the task began) and processor time. Called inside a
    task, in the child."""
    state = _task
    if state.base_address_space is None:
        raise RuntimeError("allow() is for tasks running under bounded.run")
    memory_bytes, cpu_seconds = int(memory_bytes), max(1, math.ceil(cpu_seconds))
    _set_soft(resource.RLIMIT_AS, state.base_address_space + memory_bytes)
    _set_soft(resource.RLIMIT_CPU, math.ceil(state.cpu_at_start) + cpu_seconds)
    state.connection.send(("budget", memory_bytes, cpu_seconds))


def address_space():
    """This process's address space in bytes (what RLIMIT_AS caps)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


# --- the parent's side -------------------------------------------------------

_children = {}
_children_lock = threading.Lock()


def _child(purpose):
    key = (os.getpid(), purpose)
    with _children_lock:
        if key not in _children:
            # A child of the parent before a fork is not ours to talk to.
            for stale in [k for k in _children if k[0] != key[0]]:
                del _children[stale]
            _children[key] = _Child()
        return _children[key]


@dataclass
class _Budget:
    memory: int = HEADER_MEMORY
    seconds: int = HEADER_SECONDS


class _Child:
    def __init__(self):
        self.lock = threading.Lock()
        self.process = None
        self.connection = None

    def run(self, function, args):
        with self.lock:
            for attempt in (1, 2):
                self._start_if_needed()
                try:
                    self.connection.send((function, args))
                    return self._answer()
                except _LeftIdle:
                    # It left for want of work just as we asked: ask a new one.
                    self._stop()
                    if attempt == 2:
                        raise ChildFailed("the decoding process would not start") from None

    def _answer(self):
        budget, started = _Budget(), False
        # Until the task's first word (its header budget) the child may still be starting.
        deadline = time.monotonic() + START_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            try:
                ready = self.connection.poll(max(0.0, remaining))
                message = self.connection.recv() if ready else None
            except (EOFError, OSError):
                message = None
                ready = True
            if message is None and ready and not started:
                self.process.join(5)
                if self.process.exitcode == 0:
                    raise _LeftIdle()
            if not ready:
                self._stop()
                raise OverBudget(f"decoding the image did not finish in "
                                 f"{budget.seconds * WALL_PER_CPU_SECOND + WALL_SLACK_SECONDS} s and was stopped")
            if message is None:
                raise self._died(budget)
            kind = message[0]
            started = True
            if kind == "budget":
                budget = _Budget(message[1], message[2])
                deadline = time.monotonic() + budget.seconds * WALL_PER_CPU_SECOND + WALL_SLACK_SECONDS
                continue
            if kind == "done":
                return message[1]
            if kind == "memory":
                self._stop()  # start afresh: a failed allocation may leave a decoder odd
                raise OverBudget(f"decoding the image needs more than {_megabytes(budget.memory)} of memory, "
                                 "its budget for this size and colour mode; it is refused")
            if kind == "raised":
                raise message[1]
            raise RuntimeError(f"unexpected answer from the decoding process: {kind}")

    def _died(self, budget):
        process = self.process
        process.join(5)
        code = process.exitcode
        self._stop()
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return OverBudget(f"decoding the image took more than {budget.seconds} s of processor time, "
                              "its budget for this size; it is refused")
        return ChildFailed(f"the image made the decoder fail (exit status {code}); "
                           "the file is broken or hostile")

    def _start_if_needed(self):
        if self.process is not None and self.process.is_alive():
            return
        self._stop()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), name="archive-bounded", daemon=True)
        self.process.start()
        theirs.close()
        self.connection = ours

    def _stop(self):
        if self.connection is not None:
            self.connection.close()  # a child still reading sees the end and leaves
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
        self.process = self.connection = None


def _megabytes(count):
    return f"{count / MB:,.0f} MB"


# --- the child's side -------------------------------------------------------


@dataclass
class _TaskState:
    connection: object = None
    base_address_space: int | None = None
    cpu_at_start: float = 0.0


_task = _TaskState()


def _serve(connection):
    """The child's loop: one task at a time until idle or told to go."""
    # Ctrl-C is for the parent, which stops its own work and then us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGXCPU's default action dumps core: a bomb must not leave a core file.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _tune_malloc()
    fresh = address_space()
    _task.connection = connection
    while True:
        try:
            if not connection.poll(IDLE_SECONDS):
                return
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        _task.base_address_space = address_space()
        _task.cpu_at_start = _cpu_seconds()
        allow(HEADER_MEMORY, HEADER_SECONDS)
        try:
            answer = ("done", function(*args))
        except MemoryError:
            answer = ("memory",)
        except Exception as exc:  # noqa: BLE001 (every failure goes back to the caller)
            answer = ("raised", _sendable(exc))
        finally:
            _lift_limits()
            _task.base_address_space = None
        try:
            connection.send(answer)
        except MemoryError:
            connection.send(("memory",))
        except (BrokenPipeError, OSError):
            return
        if answer[0] == "memory" or address_space() - fresh > KEEP_AT_MOST:
            return


def _sendable(exc):
    """The exception itself when it survives pickling, else a RuntimeError
    with its text (an exception type from some C library may not)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _set_soft(kind, value):
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _lift_limits():
    for kind in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        _, hard = resource.getrlimit(kind)
        resource.setrlimit(kind, (hard, hard))


def _tune_malloc():
    """One malloc arena: each extra arena reserves 64 MB of address space
    that RLIMIT_AS would count, for threads a decoder may start. Freed
    memory is kept for the next task (see keep_freed_memory)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_arena_max = -8  # from glibc's malloc.h
    libc.mallopt(m_arena_max, 1)
    keep_freed_memory()


def keep_freed_memory():
    """Let this process keep the memory it frees, instead of giving it back.

    Every photo's decode and reductions take tens of megabytes in a few large
    blocks. glibc serves such blocks with mmap and unmaps them on free, so the
    kernel hands them back zero-filled, page by page, for the next photo: a
    sixth of an import's time went to page faults. Serving them from the heap
    and keeping the freed heap makes the next photo reuse the same pages; the
    peak memory is the same. Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # glibc's largest allowed
    libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)
