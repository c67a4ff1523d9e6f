"""The thumbnails the detail check looks at, read from the archive's storage.

Every photo has a 400 px thumbnail among its derivatives, made at ingest from
the same pixels as its fingerprint. The detail check (detail.py) needs the
two thumbnails of a pair only when the hashes call the pair the same
photograph, so they are read then, and a few are kept for the next pair.
A thumbnail that cannot be read (deleted, not rebuilt yet) is None: the
hashes decide that pair alone, as they did before the check existed.
"""

import functools

from PIL import Image

from archive.imaging import decoding as imaging


class Pictures:
    def __init__(self, storage, keep=64):
        self.storage = storage
        self._read = functools.lru_cache(maxsize=keep)(self._read_thumbnail)

    def thumbnail(self, sha256):
        """The grey 400 px thumbnail of the photo with these bytes, or None."""
        return self._read(sha256)

    def pair(self, sha_a, sha_b):
        """The two thumbnails, or None when either cannot be read."""
        a, b = self.thumbnail(sha_a), self.thumbnail(sha_b)
        return None if a is None or b is None else (a, b)

    def _read_thumbnail(self, sha256):
        path = self.storage.derivative_path(sha256, imaging.derivative_name(imaging.THUMBNAIL_EDGE))
        try:
            with Image.open(path) as image:
                if max(image.size) > imaging.THUMBNAIL_EDGE:
                    return None  # not a thumbnail of ours: never decode a stranger's file in full
                return image.convert("L")
        except (OSError, ValueError):
            return None
