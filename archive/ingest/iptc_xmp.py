"""Captions, keywords, creators and rights that photo software writes into a
file: IPTC-IIM (through Pillow) and XMP (parsed with defusedxml, so a hostile
packet cannot expand entities or reach the network).

Where both are present XMP wins for single values (it is the newer home of
the same fields, and Unicode throughout); keywords from both are merged.
Whatever cannot be read becomes a warning: it never blocks an import.
"""

from dataclasses import dataclass, field

from defusedxml import ElementTree
from PIL import Image, IptcImagePlugin

from archive.imaging import decoding as imaging

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# IPTC-IIM application record (2) datasets.
IPTC_TITLE = (2, 5)  # Object Name
IPTC_KEYWORDS = (2, 25)
IPTC_BYLINE = (2, 80)
IPTC_COPYRIGHT = (2, 116)
IPTC_CAPTION = (2, 120)
IPTC_CHARSET = (1, 90)
UTF8_MARK = b"\x1b%G"

# Lengths past which text is cut: enough for any real caption, not a book.
LIMITS = {"title": 500, "caption": 10_000, "rights": 2_000, "creator": 200, "keyword": 100}
MAX_KEYWORDS = 200
MAX_XMP_BYTES = 4 * 1024 * 1024


@dataclass
class Descriptive:
    title: str = ""
    caption: str = ""
    rights: str = ""
    creators: list = field(default_factory=list)
    keywords: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def photographer(self):
        return "; ".join(self.creators)[: LIMITS["creator"]]


def read_descriptive(path):
    """IPTC and XMP fields of the image file at path."""
    result = Descriptive()
    try:
        with imaging.broken_exif_tolerated(), Image.open(path) as image:
            iptc = _read_iptc(image, result.warnings)
            xmp = _read_xmp(image, result.warnings)
    except Exception as exc:  # the decoder reports a broken file itself
        result.warnings.append(f"IPTC/XMP could not be read ({type(exc).__name__})")
        return result
    result.title = _clip(xmp.get("title") or iptc.get("title") or "", "title")
    result.caption = _clip(xmp.get("description") or iptc.get("caption") or "", "caption")
    result.rights = _clip(xmp.get("web_statement") or xmp.get("rights") or iptc.get("copyright") or "",
                          "rights")
    creators = xmp.get("creator") or iptc.get("byline") or []
    result.creators = [_clip(c, "creator") for c in creators if c.strip()]
    result.keywords = _merge_keywords(xmp.get("subject", []), iptc.get("keywords", []))
    return result


def _read_iptc(image, warnings):
    try:
        info = IptcImagePlugin.getiptcinfo(image)
    except Exception as exc:
        warnings.append(f"unreadable IPTC block ({type(exc).__name__}); imported without it")
        return {}
    if not info:
        return {}
    utf8 = info.get(IPTC_CHARSET) == UTF8_MARK

    def texts(key):
        value = info.get(key)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [t for t in (_decode(v, utf8) for v in values) if t]

    found = {
        "title": next(iter(texts(IPTC_TITLE)), ""),
        "caption": next(iter(texts(IPTC_CAPTION)), ""),
        "copyright": next(iter(texts(IPTC_COPYRIGHT)), ""),
        "byline": texts(IPTC_BYLINE),
        "keywords": texts(IPTC_KEYWORDS),
    }
    return {key: value for key, value in found.items() if value}


def _decode(raw, utf8):
    if isinstance(raw, str):
        return raw.strip()
    try:
        return raw.decode("utf-8").replace("\x00", "").strip()
    except UnicodeDecodeError:
        if utf8:
            return raw.decode("utf-8", "replace").replace("\x00", "").strip()
        # Older IPTC writers used the system code page, most often Latin-1.
        return raw.decode("latin-1").replace("\x00", "").strip()


def _xmp_packet(image):
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if packet is None and hasattr(image, "tag_v2"):
        packet = image.tag_v2.get(700)  # TIFF's XMP tag
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    if isinstance(packet, tuple):  # some TIFF writers store it as a byte tuple
        packet = bytes(packet)
    return packet or None


def _read_xmp(image, warnings):
    try:
        packet = _xmp_packet(image)
    except Exception as exc:
        warnings.append(f"unreadable XMP packet ({type(exc).__name__}); imported without it")
        return {}
    if packet is None:
        return {}
    if len(packet) > MAX_XMP_BYTES:
        warnings.append("the XMP packet is too large to read; imported without it")
        return {}
    try:
        root = ElementTree.fromstring(packet.strip(b"\x00 \r\n\t"))
    except Exception as exc:  # ParseError, or defusedxml refusing entities or a DTD
        warnings.append(f"broken XMP packet ({type(exc).__name__}); imported without it")
        return {}
    found = {}
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        for name in ("title", "description", "rights"):
            value = _alt_text(description, "dc", name)
            if value and name not in found:
                found[name] = value
        for name in ("subject", "creator"):
            values = _list_values(description, "dc", name)
            if values and name not in found:
                found[name] = values
        statement = _simple(description, "xmpRights", "WebStatement")
        if statement and "web_statement" not in found and statement.startswith(("http://", "https://")):
            found["web_statement"] = statement
    return found


def _property(description, prefix, name):
    return description.find(f"{{{NS[prefix]}}}{name}")


def _simple(description, prefix, name):
    """A simple property: an attribute of rdf:Description or a text element."""
    attribute = description.get(f"{{{NS[prefix]}}}{name}")
    if attribute is not None:
        return attribute.strip()
    element = _property(description, prefix, name)
    return (element.text or "").strip() if element is not None else ""


def _alt_text(description, prefix, name):
    """A language alternative: the x-default entry, else the first."""
    element = _property(description, prefix, name)
    if element is None:
        return _simple(description, prefix, name)
    items = element.findall(f".//{{{NS['rdf']}}}li")
    if not items:
        return (element.text or "").strip()
    for item in items:
        if item.get(XML_LANG) == "x-default" and (item.text or "").strip():
            return item.text.strip()
    return next(((i.text or "").strip() for i in items if (i.text or "").strip()), "")


def _list_values(description, prefix, name):
    """An rdf:Bag or rdf:Seq of texts (or a lone text, as some writers leave it)."""
    element = _property(description, prefix, name)
    if element is None:
        value = _simple(description, prefix, name)
        return [value] if value else []
    items = element.findall(f".//{{{NS['rdf']}}}li")
    if not items:
        return [element.text.strip()] if (element.text or "").strip() else []
    return [(i.text or "").strip() for i in items if (i.text or "").strip()]


def _merge_keywords(*lists):
    """Keywords in order of first appearance; the same word twice (any case) once."""
    seen, merged = set(), []
    for values in lists:
        for value in values:
            for part in value.split(";") if ";" in value else [value]:
                keyword = _clip(part.strip(), "keyword")
                if keyword and keyword.casefold() not in seen:
                    seen.add(keyword.casefold())
                    merged.append(keyword)
    return merged[:MAX_KEYWORDS]


def _clip(text, kind):
    text = " ".join(text.split()) if kind in ("keyword", "creator", "title") else text.strip()
    return text[: LIMITS[kind]]
