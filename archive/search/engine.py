"""Search: a query (search_query.py) evaluated against the full-text index
(search_text.py) and the per-process index (search_index.py), with facet
counts beside the results. The gallery's search box, GET /api/search and the
CLI's `search` all call search() here.

`is:duplicate` asks the near-duplicate groups (duplicates.py) which photos
are copies of another.
"""

import sqlite3
from dataclasses import dataclass, field

import numpy as np

from archive.catalogue import tags
from archive.catalogue.photos import Page
from archive.dedup import decisions as duplicates
from archive.search import fulltext as search_text
from archive.search import index as search_index
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
    narrowed,
    parse,
    quote_value,
)

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
_ID_BITS = 23  # photo ids below 8 million fit beside a time in one sort key

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
    ids, mask, snap = _matching(db, query, sort, include_private)
    start = (page - 1) * per_page
    chosen = ids[start : start + per_page]
    result = SearchResult(query=query or "", sort=sort,
                          page=Page(items=rows_for(db, chosen), page=page, per_page=per_page,
                                    total=len(ids)))
    if with_facets:
        result.facets = facet_counts(db, snap, mask, query)
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
    return _matching(db, query, sort, include_private)[0]


def _matching(db, query, sort, include_private):
    tree = parse(query)
    search_text.refresh_fts(db)
    snap = search_index.snapshot(db)
    evaluator = _Evaluator(db, snap, ranked=sort == "relevance", include_private=include_private)
    mask = evaluator.mask(tree, positive=True) if tree is not None else snap.exists.copy()
    mask &= snap.exists
    if not include_private:
        mask &= snap.public
    ids = np.flatnonzero(mask)
    return _ordered(ids, snap, sort, evaluator.scores), mask, snap


class _Evaluator:
    """Each node of the tree becomes a mask over photo ids."""

    def __init__(self, db, snap, ranked, include_private=True):
        self.db, self.snap, self.ranked = db, snap, ranked
        self.include_private = include_private
        self.scores = None  # relevance of positive text terms (higher is better)

    def mask(self, node, positive):
        snap = self.snap
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
            row = tags.find_tag(self.db, node.facet, node.value)
            mask = snap.photos_with_tags([row["id"]]) if row is not None else None
            # For a visitor, a tag that only private photos carry (a private
            # trip's name) is answered as if it did not exist.
            if row is None or (not self.include_private and mask.any() and not (mask & snap.public).any()):
                raise QueryError(f"no {node.facet} tag called {node.value!r}")
            return mask
        if isinstance(node, Taken):
            out = snap.taken != search_index.NO_TIME
            if node.start:
                out &= snap.taken >= search_index.epoch_seconds(node.start)
            if node.end:
                out &= snap.taken < search_index.epoch_seconds(node.end)
            return out
        if isinstance(node, Camera):
            needle = node.text.lower()
            codes = [code for code, (text, label) in enumerate(snap.cameras)
                     if needle in text or needle in label.lower()]
            return np.isin(snap.camera, codes)
        if isinstance(node, Is):
            if node.what == "untagged":
                return snap.untagged.copy()
            if node.what == "public":
                return snap.public.copy()
            if node.what == "private":
                return snap.exists & ~snap.public
            return self._duplicates()
        if isinstance(node, Has):
            return snap.flags[node.what].copy()
        raise TypeError(f"unknown query node {node!r}")

    def _text(self, node, positive):
        expression = search_text.fts_expression(node.text, node.phrase)
        if expression is None:  # only punctuation: it asks for nothing
            return self.snap.exists.copy()
        mask = self.snap.id_mask(self._rowids(node, expression))
        if positive and self.ranked:
            # See search_text.py: 3 for a word in a title or tags, else 1.
            if self.scores is None:
                self.scores = np.zeros(self.snap.size, np.int32)
            self.scores += mask
            head = self.snap.id_mask(self._rowids(node, search_text.fts_expression(
                node.text, node.phrase, head=True)))
            self.scores += 2 * (head & mask)
        return mask

    def _rowids(self, node, expression):
        # One string instead of a row per match: building Python rows for
        # tens of thousands of matches costs more than the match itself.
        try:
            text = self.db.execute(
                "SELECT group_concat(rowid) FROM photos_fts WHERE photos_fts MATCH ?",
                [expression]).fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise QueryError(f"cannot search for {node.text!r} ({exc})") from None
        return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)

    def _duplicates(self):
        # A visitor's is:duplicate counts only pairs of public photos.
        public = self.snap.public
        among = None if self.include_private else (lambda i: 0 <= i < len(public) and bool(public[i]))
        return self.snap.id_mask(sorted(duplicates.duplicate_photo_ids(self.db, among)))


def _ordered(ids, snap, sort, scores):
    if sort == "relevance" and scores is not None:
        # Best text match first, equal scores newest upload first, in one key:
        # scores stay below 2**8 (3 a term), upload times below 2**31.
        uploaded = np.clip(snap.uploaded[ids], 0, (1 << 31) - 1)
        keys = -((scores[ids].astype(np.int64) << 54) + (uploaded << _ID_BITS) + ids)
    elif sort in ("relevance", "newest"):
        keys = -((snap.uploaded[ids] << _ID_BITS) + ids)
    elif sort == "oldest":
        keys = (snap.uploaded[ids] << _ID_BITS) + ids
    else:
        taken = snap.taken[ids]
        missing = taken == search_index.NO_TIME
        # Undated photos go last either way.
        taken = np.where(missing, 0, taken)
        keys = (taken << _ID_BITS) + ids
        if sort == "taken-desc":
            keys = -keys
        keys = np.where(missing, np.iinfo(np.int64).max - (1 << _ID_BITS) + ids, keys)
    return ids[np.argsort(keys, kind="stable")]


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
        for row in db.query(f"SELECT * FROM photos WHERE id IN ({marks})", chunk):
            by_id[row["id"]] = dict(row)
        for row in db.query(
            "SELECT photo_tags.photo_id, tags.* FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
            f" WHERE photo_tags.photo_id IN ({marks}) ORDER BY tags.facet, tags.label", chunk
        ):
            tags_of[row["photo_id"]].setdefault(row["facet"], []).append(row)
    out = []
    for photo_id in ids:
        if photo_id in by_id:
            by_id[photo_id]["tags"] = tags_of[photo_id]
            out.append(by_id[photo_id])
    return out


def facet_counts(db, snap, mask, query):
    """{facet: [{"value", "label", "label_ko", "count", "query"}]} over every matching photo."""
    counts = snap.tag_counts(mask)
    by_facet = {facet: [] for facet in FACETS}
    wanted = [int(t) for t in np.flatnonzero(counts) if snap.tag_facet.get(int(t)) in by_facet]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, facet, slug, label, label_ko FROM tags WHERE id IN ({marks})",
                            chunk):
            by_facet[row["facet"]].append({
                "value": row["slug"], "label": row["label"], "label_ko": row["label_ko"],
                "count": int(counts[row["id"]]),
                "query": narrowed(query, f"{row['facet']}:{quote_value(row['slug'])}"),
            })
    for facet in ("set", "subject", "film", "trip"):
        # Sets read best in their hierarchy; the rest by how many photos they hold.
        key = (lambda e: e["value"]) if facet == "set" else (lambda e: (-e["count"], e["label"]))
        by_facet[facet] = sorted(by_facet[facet], key=key)[:FACET_LIMIT if facet != "set" else None]
    ids = np.flatnonzero(mask)
    years = snap.year[ids]
    year_counts = np.bincount(years[years > 0]) if (years > 0).any() else np.zeros(0, np.int64)
    by_facet["year"] = [
        {"value": str(year), "label": str(year), "count": int(year_counts[year]),
         "query": narrowed(query, f"taken:{year}")}
        for year in sorted(np.flatnonzero(year_counts), reverse=True)
    ]
    cameras = snap.camera[ids]
    cameras = cameras[cameras >= 0]
    camera_counts = np.bincount(cameras) if len(cameras) else np.zeros(0, np.int64)
    entries = [(int(camera_counts[code]), snap.cameras[code][1]) for code in np.flatnonzero(camera_counts)]
    merged = {}
    for count, label in entries:  # two makes' spellings can share a label
        merged[label] = merged.get(label, 0) + count
    by_facet["camera"] = [
        {"value": label, "label": label, "count": count,
         "query": narrowed(query, f"camera:{quote_value(label)}")}
        for label, count in sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    ]
    return by_facet
