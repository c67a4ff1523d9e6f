"""Load for the serving benchmarks: client threads on keep-alive connections
to a server on 127.0.0.1, each asking for the next path until there is none."""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Load:
    rps: float  # answered requests a second
    p50: float  # milliseconds
    p95: float
    errors: int


def run(base_url, next_path, clients, ok=(200,)):
    """clients threads, each sending next_path() until it gives None; a
    status outside ok or a broken connection counts as an error (the
    connection is opened again)."""
    host, port = base_url.removeprefix("http://").split(":")
    latencies, errors, lock = [], [], threading.Lock()

    def client():
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        mine = []
        while (path := next_path()) is not None:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status not in ok:
                    with lock:
                        errors.append(response.status)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return Load(0.0, float("nan"), float("nan"), len(errors))
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    return Load(len(latencies) / elapsed, statistics.median(latencies) * 1000, p95 * 1000, len(errors))


def for_seconds(path, seconds):
    """next_path for run(): the same path until seconds have passed."""
    deadline = time.monotonic() + seconds
    return lambda: path if time.monotonic() < deadline else None


def each_once(paths):
    """next_path for run(): every path once, shared by the clients."""
    queue, lock = list(reversed(paths)), threading.Lock()

    def next_path():
        with lock:
            return queue.pop() if queue else None

    return next_path
