"""Helpers for the tests: paths, images made here, logged-in clients, and
what a request must leave unchanged. Fixtures live in conftest.py; tests
import these from here."""

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
EXIF_SAMPLES = SHARED / "corpus" / "exif-samples"


def scene(width=640, height=480, seed=0):
    """A photo-like RGB image: smooth shapes plus a little noise, different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6.3)
        image[..., channel] = 127 + 100 * np.sin(x / width * fx * 3.1 + phase) * np.cos(y / height * fy * 3.1)
    for _ in range(6):  # a few blocks, like posters on a wall
        x0, y0 = rng.integers(0, width - width // 4), rng.integers(0, height - height // 4)
        image[y0 : y0 + height // 5, x0 : x0 + width // 6] = rng.uniform(0, 255, 3)
    image += rng.normal(0, 6, image.shape)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def image_bytes(image, fmt="JPEG", **save_args):
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


def json_lines(output):
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def files_under(folder):
    folder = Path(folder)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


PASSWORD = "correct horse battery staple"


def logged_in_client(app, user):
    """A test client holding the session Flask-Login gives `user` at login,
    without paying for a scrypt check per client."""
    from archive import db as archive_db
    from archive.accounts import auth

    db = archive_db.connect(app.config["DATA_DIR"])
    try:
        secret = auth.start_session(db, user)
    finally:
        db.close()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = secret
        session["_fresh"] = True
    return client


def media_state(data_dir, db):
    """What a bad upload must leave unchanged: files under the data directory's
    media folders and the rows of every photo table."""
    files = [f for f in files_under(data_dir) if f.split("/")[0] in ("originals", "derivatives", "tmp")]
    rows = {table: db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            for table in ("photos", "photo_tags", "tags")}
    return files, rows
