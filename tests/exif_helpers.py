"""Images with EXIF written here through Pillow's Exif API, and broken EXIF blocks."""

import struct

from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from support import image_bytes, scene

EXIF_IFD = 0x8769
GPS_IFD = 0x8825


def dms(value):
    """Decimal degrees -> EXIF (degrees, minutes, seconds) rationals."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return (IFDRational(degrees), IFDRational(minutes), IFDRational(seconds, 10000))


def camera_exif(
    make="NIKON",
    model="COOLPIX P6000",
    taken="2019:10:05 14:30:07",
    orientation=None,
    gps=None,  # (lat, lon) in signed decimal degrees
    lens="NIKKOR 24-70mm",
):
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    details = exif.get_ifd(EXIF_IFD)
    if taken:
        details[0x9003] = taken
    details[0x829A] = IFDRational(1, 250)  # exposure time
    details[0x829D] = IFDRational(28, 10)  # f-number
    details[0x8827] = 400  # ISO
    details[0x920A] = IFDRational(35, 1)  # focal length
    if lens:
        details[0xA434] = lens
    if gps:
        lat, lon = gps
        ifd = exif.get_ifd(GPS_IFD)
        ifd[1] = "S" if lat < 0 else "N"
        ifd[2] = dms(abs(lat))
        ifd[3] = "W" if lon < 0 else "E"
        ifd[4] = dms(abs(lon))
    return exif


def jpeg_with_exif(exif, width=320, height=240, seed=0, **save_args):
    return image_bytes(scene(width, height, seed), "JPEG", exif=exif, **save_args)


def with_app1(jpeg, payload):
    """JPEG bytes with an extra APP1 segment (an EXIF block) right after SOI."""
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def broken_exif_jpeg(width=320, height=240, seed=0):
    """A good JPEG whose EXIF block claims 40 entries and holds a few bytes of junk."""
    payload = b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 40) + b"\x01\x02" * 30
    return with_app1(image_bytes(scene(width, height, seed), "JPEG"), payload)
