"""Helpers for the tests: paths, images made here, logged-in clients, and
what a request must leave unchanged. Fixtures live in conftest.py; tests
import these from here."""

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

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


def painting(width, height, seed=0, spots=14):
    """A picture with fine detail of its own: a scene with round spots painted on."""
    rng = np.random.default_rng(seed)
    picture = scene(width, height, seed=seed)
    draw = ImageDraw.Draw(picture)
    for _ in range(spots):
        x, y, r = rng.integers(0, width), rng.integers(0, height), rng.integers(width // 40 + 2, width // 8 + 3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    return picture


POSTER_TITLES = ("FLOWER GIRL", "SEA OF BLOOD", "HONG KIL DONG", "ORDER 027", "NATIVE HOME", "BELLFLOWER",
                 "FLYING KIM", "THE PARTISAN", "WHEAT FIELDS", "RED RIVER", "DAWN", "SPRING RAIN")
POSTER_SLOGANS = ("Coming soon to every cinema", "A story of the people", "Now showing at the studio",
                  "The film of the year", "Heroes of the homeland", "Songs of the mountains",
                  "A tale of two villages", "For the harvest", "The long road home", "Light of the east",
                  "Brave hearts", "Spring in the valley")


def template_poster(seed):
    """One of the studio's posters painted on a single template: the same red
    frame, title band, picture panel and slogan band; its own picture and words."""
    poster = Image.new("RGB", (600, 850), (178, 34, 34))
    draw = ImageDraw.Draw(poster)
    draw.rectangle((30, 30, 570, 820), fill=(240, 228, 200))
    draw.rectangle((30, 30, 570, 170), fill=(120, 20, 20))
    draw.text((60, 60), POSTER_TITLES[seed % 12], fill=(250, 220, 120), font_size=64)
    poster.paste(ImageOps.fit(painting(300, 360, seed), (400, 420)), (100, 200))
    draw.rectangle((30, 670, 570, 820), fill=(40, 40, 40))
    draw.text((60, 700), POSTER_SLOGANS[seed % 12], fill=(255, 255, 255), font_size=34)
    return poster


def roughly_symmetric(image):
    """The picture made mirror-symmetric in its broad shapes (all the hashes
    see) while keeping its own fine detail: a façade or a statue head on."""
    array = np.asarray(image, np.float32)
    radius = max(image.size) / 40

    def blurred(a):
        return np.asarray(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(radius)), np.float32)

    mirrored_mean = 0.5 * (array + array[:, ::-1])
    return Image.fromarray(np.clip(blurred(mirrored_mean) + array - blurred(array), 0, 255).astype(np.uint8))


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
