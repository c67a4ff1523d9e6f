"""The first decode of a file, as it runs in the bounded child (bounded.py).

The child screens the file (header, JPEG structure, data enough for its
size), works out its budget from the header (budget.py) and refuses it
before decoding if that is past the archive's ceiling; otherwise it takes
that budget and decodes. A photo past the pyramid threshold is decoded at
full size once and cut into its tile pyramid, and its display image and
thumbnail are made from the pyramid, exactly as they are made again
whenever one is deleted (see iiif/sources.py).

It lives with the images (it imports only them and storage, so the child
starts quickly) so that the catalogue can decode in the child too: a
turned photo's new derivatives (catalogue/orientation.py).
"""

from pathlib import Path

from archive.config import DISPLAY_EDGE
from archive.imaging import bounded, budget, pyramid
from archive.imaging import decoding as imaging
from archive.storage import write_atomically


def screen(path, max_pixels):
    """The file's Header, or RejectedImage: headers and structure only. A
    WebP's own header is read first; Pillow then makes its canvas as it
    opens it, which its budget must allow."""
    size = imaging.declared_webp_size(path)
    if size is not None:
        bounded.allow(bounded.HEADER_MEMORY + size[0] * size[1] * 4, bounded.HEADER_SECONDS)
    return imaging.screen(path, max_pixels)


def analyse(path, max_pixels, max_bytes, pyramid_target, pyramid_pixels, header=None):
    """(Analysis, whether the pyramid file was written here) of a file;
    header: what screen() found for it, if it was screened already."""
    header = header or screen(path, max_pixels)
    large = header.pixels > pyramid_pixels
    decoded_pixels = header.pixels if large else _draft_pixels(header, DISPLAY_EDGE)
    _take_budget(header, decoded_pixels, large, max_bytes)
    if not large:
        return imaging.analyse(path, max_pixels), False
    decoded = imaging.decode_upright(path, max_pixels, max(header.width, header.height))
    target = Path(pyramid_target)
    wrote = not target.exists()
    if wrote:
        write_atomically(target, lambda out: pyramid.write(decoded.pixels, out), durable=False)
    decoded.pixels = None  # let the full-size image go before the derivatives are made
    try:
        with pyramid.Pyramid(target) as source:
            return imaging.analysis_of(decoded, source.pixels_for(DISPLAY_EDGE)), wrote
    except BaseException:
        if wrote:
            target.unlink(missing_ok=True)
        raise


def preview(path, max_pixels, max_bytes, header=None, orientation_override=None):
    """The Analysis of a file with nothing written: what a dry run matches
    with, and a turned photo's new derivatives. The decode and budget of a
    photo below the pyramid threshold, whatever its size (a large photo's
    pyramid is made on its own, by the import or in the background)."""
    header = header or screen(path, max_pixels)
    _take_budget(header, _draft_pixels(header, DISPLAY_EDGE), False, max_bytes)
    return imaging.analyse(path, max_pixels, orientation_override)


def make_pyramid(path, target, max_pixels, max_bytes, orientation_override=None):
    """The tile pyramid of a photo already in the archive (imported before
    pyramids were made, its pyramid deleted, or turned by an archivist),
    written to target."""
    header = screen(path, max_pixels)
    _take_budget(header, header.pixels, True, max_bytes)
    decoded = imaging.decode_upright(path, max_pixels, max(header.width, header.height), orientation_override)
    write_atomically(target, lambda out: pyramid.write(decoded.pixels, out), durable=False)


def _take_budget(header, decoded_pixels, large, max_bytes):
    need = budget.first_decode(header, decoded_pixels, large)
    if need.memory > max_bytes:
        raise imaging.RejectedImage(
            f"decoding this {header.width}×{header.height} {header.mode} image would take about "
            f"{need.memory / 2**20:,.0f} MB of memory; the archive's limit for one image is "
            f"{max_bytes / 2**20:,.0f} MB"
        )
    bounded.allow(need.memory, need.seconds)


def _draft_pixels(header, edge):
    """The pixels a decode for edge takes: a JPEG's draft mode reduces by 2,
    4 or 8 while the result still covers edge; other formats decode whole."""
    if header.format not in ("JPEG", "MPO"):
        return header.pixels
    longest, reduction = max(header.width, header.height), 1
    while reduction < 8 and longest / (reduction * 2) >= edge:
        reduction *= 2
    return -(-header.width // reduction) * -(-header.height // reduction)
