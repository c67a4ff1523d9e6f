"""Real servers for tests and benchmarks, on 127.0.0.1 only.

Each server is a child process that dies with the process that started it
(and after a hard time limit), so none outlives its test run."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HARD_LIMIT_SECONDS = 900


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # Linux: SIGKILL this child when the test process goes away.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextmanager
def running(command, port, env=None, ready_path="/"):
    full_env = {**os.environ, **(env or {})}
    # The server's log goes to a file: a pipe nobody reads fills up after a
    # few hundred request lines and then blocks the server mid-response.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        ["timeout", "-s", "KILL", str(HARD_LIMIT_SECONDS), *command],
        cwd=PROJECT_ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=_die_with_parent,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base + ready_path, process, log)
        yield base
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def gunicorn(data_dir, workers=4, port=None, env=None, threads=None):
    """The documented production command on a fresh port.

    threads: threaded workers, for a browser: it opens spare connections it may
    never send on, and each would hold a plain (sync) worker until timeout."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
               *(["--threads", str(threads)] if threads else []),
               "--bind", f"127.0.0.1:{port}", "--timeout", "120", "archive:create_app()"]
    return running(command, port, {"ARCHIVE_DATA": str(data_dir), **(env or {})})


def flask_dev(data_dir, port=None, env=None):
    """The development server, as `manage_archive.py serve` runs it."""
    port = port or free_port()
    command = [sys.executable, "manage_archive.py", "--data", str(data_dir), "serve", "--port", str(port)]
    return running(command, port, env)


def _wait_until_ready(url, process, log, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start in {seconds} s")
