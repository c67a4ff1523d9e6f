"""Image work on request, bounded: where the pixels come from, and how many
heavy renders may run at once.

A request for an image the cache does not hold is made from a source:

- a photo up to the pyramid threshold, from its original, decoded no larger
  than the request needs (a JPEG's draft mode); such a decode is at most a
  few tens of megapixels;
- a larger photo, only ever from its tile pyramid (imaging/pyramid.py),
  made at import; a photo without one (imported before pyramids, or whose
  pyramid was deleted) gets it made in the background, in a bounded child,
  and the request is told to come back (NotReady), never served by a full
  decode of the original.

A render whose work (pixels decoded plus pixels made) is past
HEAVY_PIXELS takes one of a fixed number of slots shared by every process
of the server on one data directory (a lock file each); with none free it
is refused at once (Busy), so that the server's workers stay free for
pages instead of queueing behind image work. Tiles, thumbnails and screen
sizes are light and never wait.
"""

import contextlib
import fcntl
import os
from pathlib import Path

from archive import threads
from archive.imaging import bounded, first_decode, pyramid
from archive.imaging import decoding as imaging

# A full decode of a photo just under the default pyramid threshold (30
# megapixels) plus a tile is light; a 40-megapixel 'max', or a screen-sized
# image composed from a level of a large pyramid, is heavy.
HEAVY_PIXELS = 32_000_000
# How long a client is asked to wait when all slots are taken.
BUSY_RETRY_SECONDS = 2


class Busy(Exception):
    """The server will not make this image now; ask again after retry_after s."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class NotReady(Busy):
    """The photo's tile pyramid is being made."""


def source_for(storage, photo, config):
    """An imaging.Original or a pyramid.Pyramid for the photo (close a
    Pyramid when done), or NotReady while its pyramid is being made."""
    original = storage.original_path(photo["sha256"], photo["ext"])
    size = (photo["width"], photo["height"])
    turned = photo.get("orientation_override")  # the archivist's turn, if any
    if size[0] * size[1] <= config["PYRAMID_PIXELS"]:
        return imaging.Original(original, config["MAX_IMAGE_PIXELS"], photo["format"], size, turned)
    # A turned photo has a pyramid of its own orientation, named for it.
    target = storage.derivative_path(photo["sha256"], imaging.oriented_name(pyramid.NAME, turned))
    try:
        return pyramid.Pyramid(target)
    except FileNotFoundError:
        pass
    _make_pyramid_in_background(storage, original, target, config, turned)
    # About what making it takes here: decoding and cutting 35 ms a megapixel.
    seconds = 5 + size[0] * size[1] // 20_000_000
    raise NotReady(f"this photo's tiles are being made; ask again in {seconds} s", seconds)


def work(source, box, size):
    """Pixels decoded and made for region box scaled to size."""
    return source.decoded_pixels(box, size) + size[0] * size[1]


@contextlib.contextmanager
def slot_for(work_pixels, data_dir, slots):
    """Run the body in a heavy-render slot if the work needs one, or raise Busy."""
    if work_pixels <= HEAVY_PIXELS:
        yield
        return
    for index in range(max(1, slots)):
        handle = _try_lock(_locks(data_dir) / f"render-{index}")
        if handle is not None:
            with handle:
                yield
            return
    raise Busy(f"the server is making {slots} large images already; ask again in a moment",
               BUSY_RETRY_SECONDS)


def _make_pyramid_in_background(storage, original, target, config, orientation_override=None):
    """Start making a pyramid unless some process of the server already is."""
    lock = _locks(storage.root) / f"pyramid-{target.name[:64]}"
    handle = _try_lock(lock)
    if handle is None:
        return  # another worker is on it

    def make():
        with handle:
            try:
                # One pyramid at a time for the whole server: each may take
                # the decode budget (ARCHIVE_DECODE_MAX_MB) while it runs.
                with open(_locks(storage.root) / "pyramid-builder", "a+b") as builder:
                    fcntl.flock(builder, fcntl.LOCK_EX)
                    if not target.exists():
                        # A damaged original is reported by verify; here it stays without tiles.
                        with contextlib.suppress(imaging.RejectedImage):
                            bounded.run(first_decode.make_pyramid, str(original), str(target),
                                        config["MAX_IMAGE_PIXELS"], config["DECODE_MAX_BYTES"],
                                        orientation_override, purpose="pyramid")
            finally:
                # Removed while still held: whoever tries it later finds the pyramid.
                lock.unlink(missing_ok=True)

    threads.pool("pyramids").submit(make)


def _locks(data_dir):
    folder = Path(data_dir) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _try_lock(path):
    """An open file holding an exclusive lock on path, or None if another
    holder has it. The lock goes with the file (and with a process that dies)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return os.fdopen(fd, "r+b")
