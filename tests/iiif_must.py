"""The MUSTs of the IIIF Presentation API 3.0 that apply to what the archive
publishes, as a checker that lists every breach it finds in a document."""

import re

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
HTTP_URI = re.compile(r"^https?://[^\s#]+(#[^\s]*)?$")
LANGUAGE = re.compile(r"^([a-z]{2,3}(-[A-Za-z0-9]+)*|none)$")
RIGHTS = re.compile(r"^https?://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)")


class Checker:
    def __init__(self):
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    def uri(self, where, value):
        if not isinstance(value, str) or not HTTP_URI.match(value):
            self.fail(where, f"id must be an HTTP(S) URI, got {value!r}")

    def language_map(self, where, value):
        if not isinstance(value, dict) or not value:
            self.fail(where, f"must be a language map (JSON object), got {value!r}")
            return
        for key, texts in value.items():
            if not LANGUAGE.match(key):
                self.fail(where, f"language {key!r} is not a BCP 47 code or 'none'")
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                self.fail(where, f"values for {key!r} must be a list of strings")

    def resource(self, where, value, expected_type=None, needs_label=False):
        if not isinstance(value, dict):
            self.fail(where, "must be a JSON object")
            return
        self.uri(where, value.get("id"))
        if "type" not in value:
            self.fail(where, "must have type")
        elif expected_type and value["type"] != expected_type:
            self.fail(where, f"type must be {expected_type}, got {value['type']}")
        if needs_label or "label" in value:
            self.language_map(f"{where}.label", value.get("label"))

    def links(self, where, value, needs_label=False):
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return
        for i, item in enumerate(value):
            self.resource(f"{where}[{i}]", item, needs_label=needs_label)
            for j, service in enumerate(item.get("service", []) if isinstance(item, dict) else []):
                self.service(f"{where}[{i}].service[{j}]", service)

    def service(self, where, value):
        if not (("id" in value and "type" in value) or ("@id" in value and "@type" in value)):
            self.fail(where, "a service must have id and type")

    def descriptive(self, where, doc):
        if "summary" in doc:
            self.language_map(f"{where}.summary", doc["summary"])
        if "metadata" in doc:
            if not isinstance(doc["metadata"], list):
                self.fail(f"{where}.metadata", "must be a list")
            for i, pair in enumerate(doc.get("metadata", [])):
                if set(pair) != {"label", "value"}:
                    self.fail(f"{where}.metadata[{i}]", "must have exactly label and value")
                self.language_map(f"{where}.metadata[{i}].label", pair.get("label"))
                self.language_map(f"{where}.metadata[{i}].value", pair.get("value"))
        if "requiredStatement" in doc:
            statement = doc["requiredStatement"]
            self.language_map(f"{where}.requiredStatement.label", statement.get("label"))
            self.language_map(f"{where}.requiredStatement.value", statement.get("value"))
        if "rights" in doc:
            if not isinstance(doc["rights"], str) or not RIGHTS.match(doc["rights"]):
                self.fail(f"{where}.rights", "must be one Creative Commons or RightsStatements.org URI")
        if "thumbnail" in doc:
            self.links(f"{where}.thumbnail", doc["thumbnail"])
        if "seeAlso" in doc:
            self.links(f"{where}.seeAlso", doc["seeAlso"])
        if "homepage" in doc:
            self.links(f"{where}.homepage", doc["homepage"], needs_label=True)


def check_manifest(doc):
    c = Checker()
    _context(c, doc)
    c.resource("manifest", doc, "Manifest", needs_label=True)
    c.descriptive("manifest", doc)
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        c.fail("manifest.items", "a Manifest must have at least one Canvas")
        return c.problems
    seen = set()
    for i, canvas in enumerate(items):
        _canvas(c, f"manifest.items[{i}]", canvas, seen)
    return c.problems


def check_canvas(doc):
    c = Checker()
    _canvas(c, "canvas", doc, set())
    return c.problems


def check_collection(doc):
    c = Checker()
    _context(c, doc)
    c.resource("collection", doc, "Collection", needs_label=True)
    c.descriptive("collection", doc)
    if not isinstance(doc.get("items"), list):
        c.fail("collection.items", "a Collection must have items")
        return c.problems
    for i, item in enumerate(doc["items"]):
        c.resource(f"collection.items[{i}]", item, needs_label=True)
        if item.get("type") not in ("Collection", "Manifest"):
            c.fail(f"collection.items[{i}]", "must be a Collection or a Manifest")
    return c.problems


def _context(c, doc):
    context = doc.get("@context")
    last = context[-1] if isinstance(context, list) and context else context
    if last != CONTEXT:
        c.fail("@context", f"the Presentation 3 context must be the (last) value, got {context!r}")


def _canvas(c, where, canvas, seen):
    c.resource(where, canvas, "Canvas")
    canvas_id = canvas.get("id", "")
    if "#" in canvas_id:
        c.fail(where, "a Canvas id must not have a fragment")
    if canvas_id in seen:
        c.fail(where, f"canvas {canvas_id} appears twice")
    seen.add(canvas_id)
    if ("width" in canvas) != ("height" in canvas):
        c.fail(where, "a Canvas with width must have height and the other way round")
    if not ("width" in canvas or "duration" in canvas):
        c.fail(where, "a Canvas must have width and height or duration")
    for key in ("width", "height"):
        if key in canvas and not (isinstance(canvas[key], int) and canvas[key] > 0):
            c.fail(where, f"{key} must be a positive integer")
    c.descriptive(where, canvas)
    pages = canvas.get("items", [])
    if not isinstance(pages, list):
        c.fail(f"{where}.items", "must be a list of AnnotationPages")
        return
    for p, page in enumerate(pages):
        page_where = f"{where}.items[{p}]"
        c.resource(page_where, page, "AnnotationPage")
        for a, annotation in enumerate(page.get("items", [])):
            a_where = f"{page_where}.items[{a}]"
            c.resource(a_where, annotation, "Annotation")
            if annotation.get("motivation") != "painting":
                c.fail(a_where, "content of a Canvas must be painted (motivation painting)")
            if str(annotation.get("target", "")).split("#")[0] != canvas_id:
                c.fail(a_where, "a painting annotation must target its Canvas")
            body = annotation.get("body")
            c.resource(f"{a_where}.body", body)
            for s, service in enumerate(body.get("service", []) if isinstance(body, dict) else []):
                c.service(f"{a_where}.body.service[{s}]", service)
    annotations = canvas.get("annotations", [])
    if not isinstance(annotations, list):
        c.fail(f"{where}.annotations", "must be a list of AnnotationPages")
        return
    for p, page in enumerate(annotations):
        page_where = f"{where}.annotations[{p}]"
        c.resource(page_where, page, "AnnotationPage")
        for a, annotation in enumerate(page.get("items", [])):
            _annotation(c, f"{page_where}.items[{a}]", annotation, canvas)


FRAGMENT = re.compile(r"^xywh=(\d+),(\d+),(\d+),(\d+)$")


def _annotation(c, where, annotation, canvas):
    """A non-painting annotation (the words on a poster): a motivation other
    than painting, a target on its Canvas (a region inside it, as a media
    fragment), a body; a TextualBody carries its value."""
    c.resource(where, annotation, "Annotation")
    if annotation.get("motivation") in (None, "painting"):
        c.fail(where, "an annotation in annotations must not paint (content belongs in items)")
    target = str(annotation.get("target", ""))
    canvas_id, _, fragment = target.partition("#")
    if canvas_id != canvas.get("id"):
        c.fail(where, "the annotation must target its Canvas")
    if fragment:
        match = FRAGMENT.match(fragment)
        if not match:
            c.fail(where, f"the target's fragment must be xywh=x,y,w,h, got {fragment!r}")
        else:
            x, y, w, h = map(int, match.groups())
            if w < 1 or h < 1 or x + w > canvas.get("width", 0) or y + h > canvas.get("height", 0):
                c.fail(where, f"the region {fragment} is not inside the Canvas")
    body = annotation.get("body")
    if not isinstance(body, dict) or "type" not in body:
        c.fail(f"{where}.body", "must be a JSON object with a type")
    elif body["type"] == "TextualBody":
        if not isinstance(body.get("value"), str):
            c.fail(f"{where}.body", "a TextualBody must have a value")
        if "language" in body and not LANGUAGE.match(body["language"]):
            c.fail(f"{where}.body", "its language must be a BCP 47 code")
    else:
        c.resource(f"{where}.body", body)
