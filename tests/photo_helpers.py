"""Putting photos into a test archive through the real pipeline."""

from support import image_bytes, scene

from archive.ingest.pipeline import FileWork, Ingester, Provenance


def add_photo(db, data_dir, name="photo.jpg", seed=0, width=240, height=180, data=None,
              tag_pairs=(), **provenance):
    """Import one image made here; returns the photo id."""
    folder = data_dir.parent / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data if data is not None else image_bytes(scene(width, height, seed), "JPEG"))
    ingester = Ingester(db, FileWork(data_dir, 50 * 1024 * 1024, 10**8))
    outcome = ingester.ingest(path, Provenance(original_filename=name, source=provenance.pop("source", "cli"),
                                               **provenance), tag_pairs)
    assert outcome.status == "imported", outcome.reason
    return outcome.photo_id


def add_photos(db, data_dir, count, width=120, height=90):
    return [add_photo(db, data_dir, f"p{i}.jpg", seed=100 + i, width=width, height=height) for i in range(count)]
