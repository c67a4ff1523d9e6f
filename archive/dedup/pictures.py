"""The thumbnails the detail check looks at, read from the archive's storage.

Every photo has a 400 px thumbnail among its derivatives, made at ingest from
the same pixels as its fingerprint. The detail check (detail.py) needs the
two thumbnails of a pair only when the hashes call the pair the same
photograph, so they are read then, and a few are kept for the next pair.
A thumbnail that cannot be read (deleted, not rebuilt yet) is None: the
hashes decide that pair alone, as they did before the check existed.

It also remembers which files the check found to be copies of one
photograph, so that a picture photographed or copied many times is checked
against one of its copies, not against every one: copies of a copy are
copies, and the rest of a known group is taken on that one check. (Without
this a bulk import of the 25th copy of a poster would check 24 pairs, and
the import's single writer would slow down with every copy.) The files are
named by their bytes, so what it remembers stays true whatever happens to
the rows (a rolled-back import, a deleted photo).
"""

import functools
import io

from PIL import Image

from archive.imaging import decoding as imaging


class Pictures:
    def __init__(self, storage, keep=64):
        self.storage = storage
        self._read = functools.lru_cache(maxsize=keep)(self._read_thumbnail)
        self._copy_of = {}  # union-find over the files the check found to be copies of one photograph

    def known_copies(self, sha_a, sha_b):
        """Whether the detail check has already found these two files to be
        copies of one photograph, directly or through other copies."""
        return self._group(sha_a) == self._group(sha_b)

    def remember_copies(self, sha_a, sha_b):
        """The detail check found these two files to be copies of one photograph."""
        a, b = self._group(sha_a), self._group(sha_b)
        if a != b:
            self._copy_of[a] = b

    def _group(self, sha256):
        """The file that stands for sha256's group (only files in a group of
        two or more are kept, each pointing nearer its group's root)."""
        key = int(sha256[:16], 16)  # 64 bits of the digest name a file well enough here
        while (parent := self._copy_of.get(key, key)) != key:
            grand = self._copy_of.get(parent, parent)
            self._copy_of[key] = grand  # path halving: the next look is shorter
            key = grand
        return key

    def thumbnail(self, sha256):
        """The grey 400 px thumbnail of the photo with these bytes, or None."""
        return self._read(sha256)

    def _read_thumbnail(self, sha256):
        data = self.storage.read_derivative(sha256, imaging.derivative_name(imaging.THUMBNAIL_EDGE))
        if data is None:
            return None
        try:
            with Image.open(io.BytesIO(data)) as image:
                if max(image.size) > imaging.THUMBNAIL_EDGE:
                    return None  # not a thumbnail of ours: never decode a stranger's file in full
                return image.convert("L")
        except (OSError, ValueError):
            return None
