"""Camera metadata read from a file into plain fields.

Broken metadata never blocks an import: whatever cannot be read becomes a
warning and the field stays empty.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

import exifread

from archive.ingest import iptc_xmp

# exifread logs every oddity of a maker note at WARNING; the archive reports
# what matters as ingest warnings instead.
logging.getLogger("exifread").setLevel(logging.ERROR)

FIELDS = (
    "taken_at",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "gps_lat",
    "gps_lon",
    "orientation",
)


@dataclass
class Metadata:
    values: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    descriptive: iptc_xmp.Descriptive = field(default_factory=iptc_xmp.Descriptive)

    def descriptive_columns(self):
        """Photo columns that IPTC/XMP filled in (title, caption, rights)."""
        d = self.descriptive
        found = {"title": d.title, "caption": d.caption, "rights": d.rights}
        return {name: value for name, value in found.items() if value}


def read_metadata(path):
    """EXIF, IPTC and XMP of the file at path, as plain values and warnings."""
    result = _read_exif(path)
    result.descriptive = iptc_xmp.read_descriptive(path)
    result.warnings.extend(result.descriptive.warnings)
    return result


def _read_exif(path):
    """EXIF fields of the file at path, as a Metadata of plain values and warnings."""
    result = Metadata(values={name: None for name in FIELDS})
    try:
        with open(path, "rb") as f:
            tags = exifread.process_file(f, details=False)
    except Exception as exc:  # exifread raises many kinds on broken blocks
        result.warnings.append(f"EXIF could not be read ({type(exc).__name__}); imported without it")
        return result
    if not tags:
        result.warnings.append("no EXIF metadata")
        return result
    readers = {
        "taken_at": _taken_at,
        "camera_make": lambda t: _text(t, "Image Make"),
        "camera_model": lambda t: _text(t, "Image Model"),
        "lens": lambda t: _text(t, "EXIF LensModel"),
        "exposure_time": lambda t: _text(t, "EXIF ExposureTime"),
        "f_number": lambda t: _number(t, "EXIF FNumber"),
        "iso": lambda t: _integer(t, "EXIF ISOSpeedRatings"),
        "focal_length": lambda t: _number(t, "EXIF FocalLength"),
        "gps_lat": lambda t: _gps(t, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S"),
        "gps_lon": lambda t: _gps(t, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W"),
        "orientation": lambda t: _integer(t, "Image Orientation"),
    }
    for name, reader in readers.items():
        try:
            result.values[name] = reader(tags)
        except Exception:
            result.warnings.append(f"unreadable EXIF field {name.replace('_', ' ')}")
    if result.values["gps_lat"] is None or result.values["gps_lon"] is None:
        result.values["gps_lat"] = result.values["gps_lon"] = None
    return result


def _text(tags, key):
    tag = tags.get(key)
    if tag is None:
        return None
    text = str(tag.printable if hasattr(tag, "printable") else tag)
    text = text.replace("\x00", "").strip()
    return text or None


def _first_value(tags, key):
    tag = tags.get(key)
    if tag is None or not tag.values:
        return None
    return tag.values[0] if isinstance(tag.values, list) else tag.values


def _number(tags, key):
    value = _first_value(tags, key)
    if value is None:
        return None
    number = float(value)
    return round(number, 4) if number == number else None  # NaN from 0/0


def _integer(tags, key):
    value = _first_value(tags, key)
    return None if value is None else int(value)


def _taken_at(tags):
    for key in ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized"):
        text = _text(tags, key)
        if not text:
            continue
        try:
            return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            continue  # "0000:00:00 00:00:00" and other placeholders
    return None


def _gps(tags, key, ref_key, negative_ref):
    tag = tags.get(key)
    if tag is None or len(tag.values) != 3:
        return None
    degrees, minutes, seconds = (float(v) for v in tag.values)
    value = degrees + minutes / 60 + seconds / 3600
    if not -180 <= value <= 180:
        return None
    ref = _text(tags, ref_key) or ""
    return round(-value if ref.upper().startswith(negative_ref) else value, 7)
