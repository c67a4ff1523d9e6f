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
NGINX = "/usr/sbin/nginx"


class Server(str):
    """The server's base URL (what tests use), carrying the id of the process
    that runs it, for tests that look at the server's memory."""

    def __new__(cls, base, pid):
        server = super().__new__(cls, base)
        server.pid = pid
        return server


def peak_memory_mb(server):
    """The peak resident memory of the server's processes, added up (MB)."""
    total = 0
    for pid in _process_tree(server.pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # ended meanwhile
        match = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
        total += int(match.split()[1]) if match else 0
    return total / 1024


def _process_tree(pid):
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


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
        yield Server(base, process.pid)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@contextmanager
def gunicorn(data_dir, workers=4, port=None, env=None, threads=None):
    """The documented production command on a fresh port, once all its
    workers are up (the master forks them one by one after the first
    already answers).

    threads: threaded workers, for a browser: it opens spare connections it may
    never send on, and each would hold a plain (sync) worker until timeout."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "python:archive.web.gunicorn_config", "--workers", str(workers),
               *(["--threads", str(threads)] if threads else []),
               "--bind", f"127.0.0.1:{port}", "--timeout", "120", "archive:create_app()"]
    with running(command, port, {"ARCHIVE_DATA": str(data_dir), **(env or {})}) as server:
        deadline = time.monotonic() + 60
        # The tree: timeout, the master, its workers.
        while len(_process_tree(server.pid)) < 2 + workers and time.monotonic() < deadline:
            time.sleep(0.05)
        yield server


def flask_dev(data_dir, port=None, env=None):
    """The development server, as `manage_archive.py serve` runs it."""
    port = port or free_port()
    command = [sys.executable, "manage_archive.py", "--data", str(data_dir), "serve", "--port", str(port)]
    return running(command, port, env)


def nginx_in_front(upstream, data_dir, workdir, port=None):
    """docs/nginx.conf as the README's production recipe has it, on a fresh
    port in front of `upstream` (a running gunicorn's base URL). Only the
    addresses and paths of this machine are put in; the rest is the file."""
    port = port or free_port()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    site = (PROJECT_ROOT / "docs" / "nginx.conf").read_text()
    site = site.replace("server 127.0.0.1:8000;", f"server {upstream.removeprefix('http://')};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("alias /srv/archive/media/;", f"alias {Path(data_dir).resolve()}/;")
    temp_paths = "\n".join(f"    {kind}_temp_path {workdir / kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""  # its workers read the test's private temp folders
    (workdir / "nginx.conf").write_text(f"""{user}
worker_processes 1;
daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp_paths}
{site}
}}
""")
    return running([NGINX, "-c", str(workdir / "nginx.conf"), "-p", str(workdir)], port)


def _wait_until_ready(url, process, log, seconds=60):
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
