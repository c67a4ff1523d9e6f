"""Search: a query (query.py) evaluated against the shared index
(index.py): the base segment every process maps and the small segments of
what changed since, with facet counts beside the results. The gallery's
search box, GET /api/search and the CLI's `search` all call search() here.

Work follows the page, not the hits: each node of the query is a mask over
a segment, the page is picked by partial selection, and facets are counted
over bitsets. `is:duplicate` asks the near-duplicate groups (dedup) which
photos are copies of another.
"""

from dataclasses import dataclass, field

import numpy as np

from archive.catalogue import tags
from archive.catalogue.photos import Page
from archive.dedup import decisions as duplicates
from archive.search import fulltext as search_text
from archive.search import index as search_index
from archive.search import order, textmatch
from archive.search.query import (
    And,
    Camera,
    Has,
    Is,
    Not,
    Or,
    QueryError,
    Tag,
    Taken,
    Text,
    narrowing,
    parse,
    quote_value,
)
from archive.search.segment import EXISTS, FLAG_BITS, NO_TIME, PUBLIC, TAG_FACETS, UNTAGGED, epoch_seconds

__all__ = ["QueryError", "search", "search_ids", "SORTS", "FACETS"]

SORTS = {
    "relevance": "Relevance",
    "newest": "Newest upload",
    "oldest": "Oldest upload",
    "taken": "Date taken, earliest first",
    "taken-desc": "Date taken, latest first",
}
FACETS = ("set", "subject", "film", "trip", "year", "camera")
FACET_LIMIT = 30


@dataclass
class SearchResult:
    query: str
    sort: str
    page: Page  # items: photo rows, each with "tags": {facet: [tag rows]}
    facets: dict = field(default_factory=dict)


def search(db, query="", page=1, per_page=48, sort="relevance", include_private=False,
           with_facets=True):
    """One page of the photos a query finds, and facet counts over all of them.

    Raises QueryError (a message for a person) for a query it cannot run."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    hits = _matching(db, query, sort, include_private)
    start = (page - 1) * per_page
    chosen = hits.ordered(start + per_page)[start:]
    result = SearchResult(query=query or "", sort=sort,
                          page=Page(items=rows_for(db, chosen), page=page, per_page=per_page,
                                    total=hits.total))
    if with_facets:
        result.facets = facet_counts(db, hits, query)
    return result


def tags_with_counts(db, facet, include_private=False):
    """Every tag of a facet with its count of photos, the same counts the
    search facets show, so a browse page and a facet never disagree."""
    result = search(db, "", per_page=1, include_private=include_private)
    counts = {entry["value"]: entry["count"] for entry in result.facets[facet]}
    rows = [dict(row) for row in db.query("SELECT * FROM tags WHERE facet = ? ORDER BY slug", [facet])]
    for row in rows:
        row["count"] = counts.get(row["slug"], 0)
    return rows


def search_ids(db, query="", sort="relevance", include_private=False):
    """Every matching photo id, in order (for exports)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    hits = _matching(db, query, sort, include_private)
    return hits.ordered(hits.total)


def _matching(db, query, sort, include_private):
    tree = parse(query)
    search_text.refresh_fts(db)
    view = search_index.snapshot(db)
    context = _Context(db, view, ranked=sort == "relevance", include_private=include_private)
    masks, scores = [], []
    for seg, live in zip(view.segments, view.live):
        evaluator = _Evaluator(context, seg)
        mask = evaluator.mask(tree, positive=True) if tree is not None else seg.has(EXISTS)
        mask &= seg.has(EXISTS)
        if not include_private:
            mask &= seg.has(PUBLIC)
        if live is not None:
            mask &= live
        masks.append(mask)
        scores.append(evaluator.scores)
    return _Hits(view, masks, scores, sort)


class _Context:
    """What every segment's evaluation of one query shares: looked-up tags,
    text plans, the duplicate photos."""

    def __init__(self, db, view, ranked, include_private=True):
        self.db, self.view, self.ranked = db, view, ranked
        self.include_private = include_private
        self.text_scored = False
        self._tags, self._plans, self._duplicates = {}, {}, None

    def tag_id(self, node):
        if node not in self._tags:
            row = tags.find_tag(self.db, node.facet, node.value)
            # For a visitor, a tag that only private photos carry (a private
            # trip's name) is answered as if it did not exist.
            if row is None or (not self.include_private and self._only_private_carry(row["id"])):
                raise QueryError(f"no {node.facet} tag called {node.value!r}")
            self._tags[node] = row["id"]
        return self._tags[node]

    def _only_private_carry(self, tag_id):
        carried = False
        for seg, live in zip(self.view.segments, self.view.live):
            mask = seg.tag_mask(tag_id) & seg.has(EXISTS)
            if live is not None:
                mask &= live
            if (mask & seg.has(PUBLIC)).any():
                return False
            carried = carried or bool(mask.any())
        return carried

    def plan(self, node):
        if node not in self._plans:
            self._plans[node] = textmatch.plan(node.text, node.phrase)
        return self._plans[node]

    def duplicates(self):
        if self._duplicates is None:
            # A visitor's is:duplicate counts only pairs of public photos, so
            # it never tells that a public photo has a private copy.
            among = None if self.include_private else self._is_public
            self._duplicates = np.asarray(sorted(duplicates.duplicate_photo_ids(self.db, among)), np.int64)
        return self._duplicates

    def _is_public(self, photo_id):
        row = self.db.execute("SELECT is_public FROM photos WHERE id = ?", [photo_id]).fetchone()
        return bool(row and row[0])


class _Evaluator:
    """Each node of the tree becomes a mask over one segment's slots."""

    def __init__(self, context, seg):
        self.context, self.seg = context, seg
        self.scores = None  # relevance of positive text terms (higher is better)

    def mask(self, node, positive):
        seg = self.seg
        if isinstance(node, And):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                out &= self.mask(item, positive)
            return out
        if isinstance(node, Or):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                out |= self.mask(item, positive)
            return out
        if isinstance(node, Not):
            return ~self.mask(node.item, not positive)
        if isinstance(node, Text):
            return self._text(node, positive)
        if isinstance(node, Tag):
            return seg.tag_mask(self.context.tag_id(node))
        if isinstance(node, Taken):
            out = seg.taken != NO_TIME
            if node.start:
                out &= seg.taken >= epoch_seconds(node.start)
            if node.end:
                out &= seg.taken < epoch_seconds(node.end)
            return out
        if isinstance(node, Camera):
            needle = node.text.lower()
            # One entry a camera code, and a last one for no camera (-1).
            matches = np.zeros(len(seg.cameras) + 1, bool)
            matches[:-1] = [needle in text or needle in label.lower() for text, label in seg.cameras]
            return matches[seg.camera]
        if isinstance(node, Is):
            if node.what == "untagged":
                return seg.has(UNTAGGED)
            if node.what == "public":
                return seg.has(PUBLIC)
            if node.what == "private":
                return seg.has(EXISTS) & ~seg.has(PUBLIC)
            mask = np.zeros(seg.size, bool)
            mask[seg.slots_of(self.context.duplicates())] = True
            return mask
        if isinstance(node, Has):
            return seg.has(FLAG_BITS[node.what])
        raise TypeError(f"unknown query node {node!r}")

    def _text(self, node, positive):
        parts = self.context.plan(node)
        if parts is None:  # only punctuation: it asks for nothing
            return self.seg.has(EXISTS)
        ranked = positive and self.context.ranked
        mask, head = textmatch.masks(self.seg, parts, head=ranked)
        if ranked:
            # See fulltext.py: 3 for a word in a title or tags, else 1. A
            # query holds at most 60 words, so a score fits in a byte.
            if self.scores is None:
                self.scores = np.zeros(self.seg.size, np.uint8)
            self.scores += mask
            self.scores += head
            self.scores += head
        return mask


class _Hits:
    """The matching photos of every segment, ordered on demand."""

    def __init__(self, view, masks, scores, sort):
        self.view, self.masks, self.sort = view, masks, sort
        self.ranked = sort == "relevance" and any(s is not None for s in scores)
        self.scores = [s if s is not None or not self.ranked else np.zeros(m.size, np.uint8)
                       for s, m in zip(scores, masks)]
        self.counts = [int(np.count_nonzero(mask)) for mask in masks]
        self.total = sum(self.counts)

    def ordered(self, count):
        """The first count photo ids in the sort order, without sorting the rest."""
        found = []
        for seg, mask, scores, hits in zip(self.view.segments, self.masks, self.scores, self.counts):
            if not hits:
                continue
            scores = scores if self.ranked else None
            # The base's first hits along its orders; a small segment's hits are few.
            slots = order.first(seg, mask, self.sort, count, hits, scores) if seg.ids is None \
                else np.flatnonzero(mask)
            found.append(order.values(seg, slots, scores))
        if not found:
            return np.zeros(0, np.int64)
        if len(found) == 1 and self.view.segments[0].ids is None and self.counts[0]:
            return found[0][0][:count]  # the base's, in order already
        merged = tuple(None if found[0][i] is None else np.concatenate([f[i] for f in found]) for i in range(4))
        return merged[0][order.arrange(merged, self.sort, count)]


def rows_for(db, ids):
    """Photo rows for ids, in that order, each with its tag rows by facet."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    by_id = {}
    tags_of = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in _dicts(db.execute(f"SELECT * FROM photos WHERE id IN ({marks})", chunk)):
            by_id[row["id"]] = row
        for row in _dicts(db.execute(
            "SELECT photo_tags.photo_id, tags.* FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
            f" WHERE photo_tags.photo_id IN ({marks}) ORDER BY tags.facet, tags.label", chunk
        )):
            tags_of[row["photo_id"]].setdefault(row["facet"], []).append(row)
    out = []
    for photo_id in ids:
        if photo_id in by_id:
            by_id[photo_id]["tags"] = tags_of[photo_id]
            out.append(by_id[photo_id])
    return out


def _dicts(cursor):
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def facet_counts(db, hits, query):
    """{facet: [{"value", "label", "label_ko", "count", "query"}]} over every matching photo."""
    by_facet = {facet: [] for facet in FACETS}
    narrowed = narrowing(query)
    marks = ",".join("?" * len(TAG_FACETS))
    vocabulary = db.execute(f"SELECT id, facet, slug, label, label_ko FROM tags WHERE facet IN ({marks})",
                            TAG_FACETS).fetchall()
    tag_ids = [row[0] for row in vocabulary]
    counts = np.zeros(len(tag_ids), np.int64)
    years, cameras = {}, {}
    for seg, mask, hits_in_segment in zip(hits.view.segments, hits.masks, hits.counts):
        if not hits_in_segment:
            continue
        counts += seg.tag_counts(mask, tag_ids)
        for year, count in seg.year_counts(mask).items():
            years[year] = years.get(year, 0) + count
        for (_, label), count in zip(seg.cameras, seg.camera_counts(mask)):
            if count:  # two makes' spellings can share a label
                cameras[label] = cameras.get(label, 0) + int(count)
    for (_, facet, slug, label, label_ko), count in zip(vocabulary, counts):
        if count:
            by_facet[facet].append({
                "value": slug, "label": label, "label_ko": label_ko, "count": int(count),
                "query": narrowed(f"{facet}:{quote_value(slug)}"),
            })
    for facet in TAG_FACETS:
        # Sets read best in their hierarchy; the rest by how many photos they hold.
        key = (lambda e: e["value"]) if facet == "set" else (lambda e: (-e["count"], e["label"]))
        by_facet[facet] = sorted(by_facet[facet], key=key)[:FACET_LIMIT if facet != "set" else None]
    by_facet["year"] = [
        {"value": str(year), "label": str(year), "count": years[year], "query": narrowed(f"taken:{year}")}
        for year in sorted(years, reverse=True)
    ]
    by_facet["camera"] = [
        {"value": label, "label": label, "count": count,
         "query": narrowed(f"camera:{quote_value(label)}")}
        for label, count in sorted(cameras.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    ]
    return by_facet
