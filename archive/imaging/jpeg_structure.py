"""What a JPEG's markers say before a single pixel is decoded.

Three hostile JPEGs decode "successfully" in libjpeg, which only warns:

- a truncated file (no end-of-image marker): the rest of the picture is grey;
- a file that ends early but carries an end marker ("premature end"): 691
  bytes can claim 14000×14000 pixels, and the decoder fills them all in;
- a scan bomb: a progressive JPEG whose last scan is repeated thousands of
  times; every repeat is another pass over every block of the image, so a
  100 KB file costs tens of seconds of CPU on each decode.

Walking the segments finds all three for the cost of one regular-expression
search through the compressed data.
"""

import math
import mmap
import re
from dataclasses import dataclass

# A real progressive JPEG has about ten scans (libjpeg's default script has
# ten for colour, mozjpeg's optimised ones a few more); libjpeg-turbo's own
# tools offer a scan limit for exactly this attack.
MAX_SCANS = 100

# Frame markers (SOFn): C4 (DHT), C8 (JPG) and CC (DAC) share the range.
SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
SEQUENTIAL_HUFFMAN = {0xC0, 0xC1}
PROGRESSIVE_HUFFMAN = {0xC2}
PROGRESSIVE = {0xC2, 0xC6, 0xCA, 0xCE}
SOS, EOI, SOI = 0xDA, 0xD9, 0xD8
STANDALONE = {0x01, SOI, *range(0xD0, 0xD8)}  # markers without a length (and EOI)
# Inside entropy-coded data 0xFF is always followed by 0x00 (a stuffed byte)
# or a restart marker; anything else is the next segment.
NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


class BrokenJPEG(ValueError):
    """A JPEG refused by its structure; the message says why."""


@dataclass
class Structure:
    marker: int  # the frame's SOFn: which coding process
    width: int
    height: int
    components: tuple  # (horizontal, vertical) sampling factors of each
    scans: int
    entropy_bytes: int  # compressed image data, segment headers left out


def check(path):
    """Walk the JPEG's segments up to its first end-of-image marker (the
    first image of an MPO; anything after it, such as an appended script, is
    never decoded). Raises BrokenJPEG for a truncated file, a scan bomb or a
    file with too little data for the size it claims."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        structure = _quick_walk(data)
    minimum = minimum_entropy_bytes(structure)
    if structure.entropy_bytes < minimum:
        raise BrokenJPEG(
            f"the JPEG is truncated or corrupt: its data ends early (a {structure.width}×{structure.height} "
            f"image needs at least {_size(minimum)} of compressed data and the file holds "
            f"{_size(structure.entropy_bytes)}; it was cut short or made to look larger than it is)"
        )
    return structure


def _quick_walk(data):
    """The segments up to the first scan one by one, the rest by searching.

    Inside compressed data 0xFF is always followed by 0x00 or a restart
    marker, so the bytes FF DA (a scan) and FF D9 (the end) can only be real
    markers there. Only a progressive JPEG can repeat a scan (a sequential
    one with a scan too many is a decoding error), so only there are the
    scans counted, with a search for FF DA; only a file that seems to have
    too many is walked scan by scan, so that a stray FF DA inside some
    metadata segment between two scans cannot get a real photo refused. A
    sequential JPEG, every camera's, costs one search from the end."""
    frame, first_scan = _walk_to_first_scan(data)
    marker, width, height, components = frame
    scans = 1
    if marker in PROGRESSIVE:
        end = data.find(b"\xff\xd9", first_scan)
        pos = first_scan
        while scans <= MAX_SCANS and (pos := data.find(b"\xff\xda", pos, end if end >= 0 else len(data))) >= 0:
            scans, pos = scans + 1, pos + 2
        if scans > MAX_SCANS:
            scans = _count_scans(data, first_scan)
    else:
        end = data.rfind(b"\xff\xd9", first_scan)
    if end < 0:
        raise BrokenJPEG("the JPEG is truncated or corrupt: it ends before its end-of-image marker")
    # Scan and table headers between the scans are counted in too: a few
    # hundred bytes, against the megabytes a real photo's data takes.
    return Structure(marker, width, height, components, scans, end - first_scan)


def _walk_to_first_scan(data):
    """The frame header, and where the first scan's compressed data begins."""
    if data[:2] != b"\xff\xd8":
        raise BrokenJPEG("the file does not start like a JPEG")
    pos, frame = 2, None
    while True:
        marker, pos, end = _next_segment(data, pos)
        if marker == EOI:
            raise BrokenJPEG("the JPEG is truncated or corrupt: it has no image data")
        if marker in SOF_MARKERS and frame is None:
            frame = _frame(marker, data[pos + 4:end])
        elif marker == SOS:
            if frame is None:
                raise BrokenJPEG("the JPEG is truncated or corrupt: it has image data before its frame header")
            return frame, end
        pos = end


def _count_scans(data, pos):
    """Scans from the one starting at pos, each passed over to its end."""
    scans = 1
    while True:
        found = NEXT_MARKER.search(data, pos)
        if found is None:
            raise BrokenJPEG("the JPEG is truncated or corrupt: it ends inside its image data")
        marker, pos, end = _next_segment(data, found.start())
        if marker == EOI:
            return scans
        if marker == SOS:
            scans += 1
            if scans > MAX_SCANS:
                raise BrokenJPEG(
                    f"the JPEG has more than {MAX_SCANS} scans (a photo has about ten); "
                    "it is refused as a scan bomb, which would cost minutes to decode"
                )
        pos = end


def _next_segment(data, pos):
    """(marker, where it starts, where its segment ends) of the next marker
    at or after pos. Stray bytes and fill bytes before a marker are skipped,
    as libjpeg skips them (with a warning)."""
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        while 0 <= pos < size - 1 and data[pos + 1] == 0xFF:
            pos += 1
        if pos < 0 or pos >= size - 1:
            raise BrokenJPEG("the JPEG is truncated or corrupt: it ends before its end-of-image marker")
        marker = data[pos + 1]
        if marker == 0x00:  # a stuffed byte, not a marker
            pos += 2
            continue
        if marker in STANDALONE or marker == EOI:
            return marker, pos, pos + 2
        if pos + 4 > size:
            raise BrokenJPEG("the JPEG is truncated or corrupt: it ends inside a segment header")
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if end < pos + 4 or end > size:
            raise BrokenJPEG("the JPEG is truncated or corrupt: it ends inside a segment")
        return marker, pos, end


def _frame(marker, body):
    if len(body) < 6:
        raise BrokenJPEG("the JPEG is truncated or corrupt: its frame header is cut short")
    height, width, count = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big"), body[5]
    if len(body) < 6 + 3 * count:
        raise BrokenJPEG("the JPEG is truncated or corrupt: its frame header is cut short")
    sampling = tuple((body[7 + 3 * i] >> 4, body[7 + 3 * i] & 15) for i in range(count))
    return marker, width, height, sampling


def minimum_entropy_bytes(structure):
    """The least compressed data a complete Huffman-coded image can have.

    Each 8×8 block of each colour component costs at least one Huffman code
    for its DC value and one for its end-of-block (a code is at least one
    bit): two bits a block in a sequential JPEG. A progressive JPEG codes
    each block's DC value in its first scan, but may skip whole runs of
    blocks in the later ones: one bit a block. Arithmetic coding has no such
    floor (0 is returned), and it is rare."""
    if not structure.components:
        return 0
    if structure.marker in SEQUENTIAL_HUFFMAN:
        bits_per_block = 2
    elif structure.marker in PROGRESSIVE_HUFFMAN:
        bits_per_block = 1
    else:
        return 0
    h_max = max(h for h, _ in structure.components) or 1
    v_max = max(v for _, v in structure.components) or 1
    blocks = 0
    for h, v in structure.components:
        columns = math.ceil(math.ceil(structure.width * h / h_max) / 8)
        rows = math.ceil(math.ceil(structure.height * v / v_max) / 8)
        blocks += columns * rows
    return blocks * bits_per_block // 8


def _size(count):
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} MB"
    if count >= 1000:
        return f"{count / 1000:.0f} KB"
    return f"{count} bytes"
