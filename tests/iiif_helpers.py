"""Helpers shared by the IIIF, export and OpenAPI tests."""

import threading
from contextlib import contextmanager

import numpy as np
from PIL import Image
from werkzeug.serving import make_server

from archive.ingest.pipeline import Ingester, Provenance

QUADRANTS = {"tl": (255, 0, 0), "tr": (0, 255, 0), "bl": (0, 0, 255), "br": (255, 255, 255)}


def quadrant_image(width=400, height=300):
    """Four flat colours, one per quarter: where each lands shows what a
    crop, a turn or a mirror did."""
    array = np.zeros((height, width, 3), np.uint8)
    array[: height // 2, : width // 2] = QUADRANTS["tl"]
    array[: height // 2, width // 2 :] = QUADRANTS["tr"]
    array[height // 2 :, : width // 2] = QUADRANTS["bl"]
    array[height // 2 :, width // 2 :] = QUADRANTS["br"]
    return Image.fromarray(array, "RGB")


def ingest(app, db, path, tags=(), **provenance):
    """Import one file through the real pipeline; tags are (facet, value) pairs."""
    provenance.setdefault("original_filename", path.name)
    provenance.setdefault("source", "cli")
    outcome = Ingester.from_config(db, app.config).ingest(path, Provenance(**provenance), tags)
    assert outcome.status == "imported", outcome
    return outcome.photo_id


def near(color, expected, tolerance=12):
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(color, expected))


@contextmanager
def live_server(app):
    """The app on a real socket on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
