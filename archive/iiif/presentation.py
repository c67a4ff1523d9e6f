"""IIIF Presentation API 3.0: manifests and collections from photo rows.

A manifest is built from a list of photo rows (each with its "tags" list, as
photos.get_photo returns it) and a label, so one function serves a single
photo, a set, and a duplicate group or poster alike. Every URL comes from a
Links object the caller supplies: this module knows nothing of Flask.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from archive.catalogue import photos as photo_text
from archive.config import THUMBNAIL_EDGE

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_CONTEXT_TYPE = "ImageService3"
MEDIA_TYPE = f'application/ld+json;profile="{CONTEXT}"'

# The API allows only these (or registered extensions) as "rights".
RIGHTS_URI = re.compile(
    r"^https?://(creativecommons\.org/(licenses|publicdomain)/[a-z0-9.+-]+(/[0-9.]+)?(/[a-z-]+)?/?"
    r"|rightsstatements\.org/vocab/[A-Za-z-]+/[0-9.]+/?)$"
)

# Facets shown as metadata, in this order, with their labels.
METADATA_FACETS = (("set", "Set"), ("subject", "Subject"), ("film", "Film"), ("keyword", "Keyword"))


@dataclass
class Links:
    """URLs of the archive's resources, made by the web layer."""

    image_service: Callable  # photo id -> image service base URI
    photo_manifest: Callable  # photo id -> manifest URI
    canvas: Callable  # photo id -> canvas URI
    thumbnail: Callable  # photo row -> thumbnail JPEG URL
    api_photo: Callable  # photo id -> JSON API URL
    page: Callable  # photo id -> gallery page URL


def is_rights_uri(text):
    return bool(text and RIGHTS_URI.match(text))


def check_rights(uri):
    if not is_rights_uri(uri):
        raise ValueError(
            f"ARCHIVE_RIGHTS must be a Creative Commons or RightsStatements.org URI, not {uri!r}"
        )
    return uri


def lang(text, language="en"):
    return {language: [text]}


def photo_manifest(photo, links, rights, attribution):
    """The manifest of one photo: one canvas."""
    manifest = _manifest(links.photo_manifest(photo["id"]), photo_label(photo), [photo], links, rights,
                         attribution)
    summary = _languages(photo["caption"], photo.get("caption_ko"))
    if summary:
        manifest["summary"] = summary
    manifest["metadata"] = photo_metadata(photo)
    manifest["seeAlso"] = [_dataset(links.api_photo(photo["id"]), "This photo as JSON")]
    manifest["homepage"] = [_homepage(links.page(photo["id"]), photo_text.display_title(photo))]
    return manifest


def photo_label(photo):
    """A photo's label as a language map: its English and Korean titles, or,
    with neither, what the archive calls it (a caption's start, in its
    language; a file name)."""
    titled = _languages(photo["title"], photo.get("title_ko"))
    if titled:
        return titled
    if not photo["caption"] and photo.get("caption_ko"):
        return lang(photo_text.display_title(photo), "ko")
    return lang(photo_text.display_title(photo))


def _languages(english, korean):
    value = {}
    if english:
        value["en"] = [english]
    if korean:
        value["ko"] = [korean]
    return value


def group_manifest(photos, label, manifest_id, links, rights, attribution, summary=None):
    """The manifest of several photos shown together (a set, a duplicate group,
    the shots of one poster): one canvas per photo, in the order given."""
    if not photos:
        raise ValueError("a manifest needs at least one photo")
    manifest = _manifest(manifest_id, label, photos, links, rights, attribution)
    if summary:
        manifest["summary"] = lang(summary)
    manifest["metadata"] = _shared_metadata(photos)
    manifest["seeAlso"] = [_dataset(links.api_photo(p["id"]), f"Photo {p['id']} as JSON") for p in photos]
    return manifest


def collection(collection_id, label, entries, summary=None):
    """A collection; entries are (kind, id, label) with kind Manifest or Collection."""
    document = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "Collection",
        "label": lang(label),
        "items": [{"id": uri, "type": kind, "label": lang(text)} for kind, uri, text in entries],
    }
    if summary:
        document["summary"] = lang(summary)
    return document


def photo_metadata(photo):
    """Label/value pairs a viewer shows beside the image."""
    entries = []
    by_facet = {}
    for tag in photo.get("tags", []):
        by_facet.setdefault(tag["facet"], []).append(tag)
    for facet, label in METADATA_FACETS:
        tags = by_facet.get(facet)
        if tags:
            entries.append(_pair(label, _tag_values(tags)))
    if photo.get("taken_at"):
        # A date an archivist gave says how precisely it is known ("about 1987").
        taken = photo_text.taken_label(photo) if photo.get("taken_precision") else photo["taken_at"]
        entries.append(_pair("Taken", {"none": [taken]}))
    if photo.get("photographer"):
        entries.append(_pair("Photographer", {"none": [photo["photographer"]]}))
    if photo.get("trip"):
        entries.append(_pair("Trip", {"none": [photo["trip"]]}))
    if photo.get("rights") and not is_rights_uri(photo["rights"]):
        entries.append(_pair("Rights", {"none": [photo["rights"]]}))
    entries.append(_pair("Original file", {"none": [photo["original_filename"]]}))
    return entries


def _shared_metadata(photos):
    """Facet values, photographers and trips found on any of the photos."""
    entries = []
    for facet, label in METADATA_FACETS:
        seen = {}
        for photo in photos:
            for tag in photo.get("tags", []):
                if tag["facet"] == facet:
                    seen.setdefault(tag["id"], tag)
        if seen:
            entries.append(_pair(label, _tag_values(sorted(seen.values(), key=lambda t: t["label"]))))
    for key, label in (("taken_at", "Taken"), ("photographer", "Photographer"), ("trip", "Trip")):
        values = sorted({p[key] for p in photos if p.get(key)})
        if values:
            entries.append(_pair(label, {"none": values}))
    return entries


def _tag_values(tags):
    value = {"en": [t["label"] for t in tags]}
    korean = [t["label_ko"] for t in tags if t.get("label_ko")]
    if korean:
        value["ko"] = korean
    return value


def _pair(label, value):
    return {"label": lang(label), "value": value}


def _manifest(manifest_id, label, photos, links, rights, attribution):
    first = photos[0]
    return {
        "@context": CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": label if isinstance(label, dict) else lang(label),
        "rights": rights,
        "requiredStatement": {"label": lang("Attribution"), "value": lang(attribution)},
        "thumbnail": [_thumbnail(first, links)],
        "items": [canvas(photo, links, rights) for photo in photos],
    }


def canvas(photo, links, archive_rights):
    """One photo as a canvas the size of its upright image, painted by the image."""
    canvas_id = links.canvas(photo["id"])
    service = _service(links.image_service(photo["id"]))
    item = {
        "id": canvas_id,
        "type": "Canvas",
        "label": photo_label(photo),
        "width": photo["width"],
        "height": photo["height"],
        "thumbnail": [_thumbnail(photo, links)],
        "items": [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/page/painting",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas_id,
                        "body": {
                            "id": f"{service['id']}/full/max/0/default.jpg",
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": photo["width"],
                            "height": photo["height"],
                            "service": [service],
                        },
                    }
                ],
            }
        ],
    }
    if is_rights_uri(photo.get("rights")) and photo["rights"] != archive_rights:
        item["rights"] = photo["rights"]
    return item


def _service(base_uri):
    return {"id": base_uri, "type": IMAGE_CONTEXT_TYPE, "profile": "level2"}


def _thumbnail(photo, links):
    # The thumbnail derivative fits the upright image in THUMBNAIL_EDGE, never upscaled.
    scale = min(1.0, THUMBNAIL_EDGE / max(photo["width"], photo["height"]))
    width, height = max(1, round(photo["width"] * scale)), max(1, round(photo["height"] * scale))
    return {"id": links.thumbnail(photo), "type": "Image", "format": "image/jpeg",
            "width": width, "height": height}


def _dataset(uri, label):
    return {"id": uri, "type": "Dataset", "format": "application/json", "label": lang(label)}


def _homepage(uri, label):
    return {"id": uri, "type": "Text", "format": "text/html", "label": lang(label)}
