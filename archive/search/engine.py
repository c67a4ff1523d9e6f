"""Search: a query (query.py) evaluated against the shared index
(index.py): the base segment every process maps and the small segments of
what changed since, with facet counts beside the results. The gallery's
search box, GET /api/search and the CLI's `search` all call search() here.

Work follows the page, not the hits: each node of the query is a mask over
a segment, the page is picked by partial selection, and facets are counted
over bitsets. `is:duplicate` asks the near-duplicate groups (dedup) which
photos are copies of another.
"""

import threading
from dataclasses import dataclass, field

import numpy as np

from archive.catalogue import posters, tags
from archive.catalogue.photos import Page
from archive.dedup import decisions as duplicates
from archive.dedup import stacks as dedup_stacks
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
    Poster,
    PosterKind,
    QueryError,
    Tag,
    Taken,
    Text,
    UnknownTagError,
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
FACETS = ("set", "subject", "film", "trip", "year", "camera", "poster")
FACET_LIMIT = 30


@dataclass
class SearchResult:
    query: str
    sort: str
    page: Page  # items: photo rows, each with "tags": {facet: [tag rows]}
    facets: dict = field(default_factory=dict)


def search(db, query="", page=1, per_page=48, sort="relevance", include_private=False,
           with_facets=True, stacked=True):
    """One page of the photos a query finds, and facet counts over all of them.

    stacked: the confirmed copies of one photograph show once, as their
    primary (see _Stacks); False shows every copy, as does a query that
    asks for copies (is:duplicate). Raises QueryError (a message for a
    person) for a query it cannot run."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    hits = _matching(db, query, sort, include_private, stacked)
    start = (page - 1) * per_page
    chosen = hits.ordered(start + per_page)[start:]
    rows = rows_for(db, chosen)
    sizes = hits.stacks.sizes_of([row["id"] for row in rows]) if hits.stacks is not None else [1] * len(rows)
    for row, size in zip(rows, sizes):
        row["versions"] = int(size)
    result = SearchResult(query=query or "", sort=sort,
                          page=Page(items=rows, page=page, per_page=per_page, total=hits.total))
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


def search_ids(db, query="", sort="relevance", include_private=False, stacked=True):
    """Every matching photo id, in order (for exports and bulk changes)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    hits = _matching(db, query, sort, include_private, stacked)
    return hits.ordered(hits.total)


def _matching(db, query, sort, include_private, stacked=True):
    tree = parse(query)
    search_text.refresh_fts(db)
    view = search_index.snapshot(db)
    stacks = None
    if stacked and not _asks_for_copies(tree):
        stacks = _Stacks.of(view, dedup_stacks.current(db), include_private)
    context = _Context(db, view, ranked=sort == "relevance", include_private=include_private, stacks=stacks)
    evaluator = _Evaluator(context)
    if tree is not None:
        masks = evaluator.mask(tree, positive=True)
    else:
        masks = [seg.has(EXISTS) for seg in view.segments]
    for k, (seg, live) in enumerate(zip(view.segments, view.live)):
        masks[k] &= seg.has(EXISTS)
        if not include_private:
            masks[k] &= seg.has(PUBLIC)
        if live is not None:
            masks[k] &= live
        if stacks is not None:
            masks[k][stacks.hidden[k]] = False
    return _Hits(view, masks, evaluator.scores, sort, stacks)


def _asks_for_copies(node):
    """Whether a query names is:duplicate: it asks for the copies themselves."""
    if isinstance(node, (And, Or)):
        return any(_asks_for_copies(item) for item in node.items)
    if isinstance(node, Not):
        return _asks_for_copies(node.item)
    return isinstance(node, Is) and node.what == "duplicate"


class _Context:
    """What the evaluation of one query shares: looked-up tags, text plans,
    the duplicate photos, the stacks."""

    def __init__(self, db, view, ranked, include_private=True, stacks=None):
        self.db, self.view, self.ranked = db, view, ranked
        self.include_private = include_private
        self.stacks = stacks
        self._tags, self._plans, self._duplicates = {}, {}, None

    def tag_id(self, node):
        if node not in self._tags:
            row = tags.find_tag(self.db, node.facet, node.value)
            # For a visitor, a tag that only private photos carry (a private
            # trip's name) is answered as if it did not exist.
            if row is None or (not self.include_private and self._only_private_carry(row["id"])):
                near = tags.closest_tag(self.db, node.facet, node.value, accept=lambda tag: tag["slug"] != (
                    row and row["slug"]) and (self.include_private or not self._only_private_carry(tag["id"])))
                raise UnknownTagError(node.facet, node.value, near["slug"] if near else None)
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

    def poster_photos(self, node):
        if isinstance(node, Poster):
            row = posters.find(self.db, node.slug)
            if row is None:
                raise QueryError(f"no poster called {node.slug!r}")
            return posters.photo_ids(self.db, poster_id=row["id"])
        return posters.photo_ids(self.db, kind=node.kind if isinstance(node, PosterKind) else None)

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

    def lifted(self, masks):
        """With stacks, what a copy matches its stack's shown photo matches too."""
        return self.stacks.lift(masks) if self.stacks is not None else masks


# Conditions about a photo's own file and its record (when and with what it
# was taken, where, who may see it): a stack answers them as its shown photo
# does. Every other condition (words, tags, a caption or transcription) a
# stack meets when any of its copies does.
_OWN_HAS = ("gps", "date")


class _Evaluator:
    """Each node of the tree becomes a list of masks, one over each segment's slots."""

    def __init__(self, context):
        self.context = context
        self.segments = context.view.segments
        self.scores = [None] * len(self.segments)  # relevance of positive text terms (higher is better)

    def mask(self, node, positive):
        if isinstance(node, And):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                for k, other in enumerate(self.mask(item, positive)):
                    out[k] &= other
            return out
        if isinstance(node, Or):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                for k, other in enumerate(self.mask(item, positive)):
                    out[k] |= other
            return out
        if isinstance(node, Not):
            return [~m for m in self.mask(node.item, not positive)]
        if isinstance(node, Text):
            return self._text(node, positive)
        if isinstance(node, Tag):
            tag_id = self.context.tag_id(node)
            return self.context.lifted([seg.tag_mask(tag_id) for seg in self.segments])
        if isinstance(node, Taken):
            return [self._taken(seg, node) for seg in self.segments]
        if isinstance(node, Camera):
            needle = node.text.lower()
            out = []
            for seg in self.segments:
                # One entry a camera code, and a last one for no camera (-1).
                matches = np.zeros(len(seg.cameras) + 1, bool)
                matches[:-1] = [needle in text or needle in label.lower() for text, label in seg.cameras]
                out.append(matches[seg.camera])
            return out
        if isinstance(node, Is):
            if node.what == "untagged":
                # A stack is untagged when none of its copies carries a tag.
                tagged = self.context.lifted([seg.has(EXISTS) & ~seg.has(UNTAGGED) for seg in self.segments])
                return [~m for m in tagged]
            if node.what == "public":
                return [seg.has(PUBLIC) for seg in self.segments]
            if node.what == "private":
                return [seg.has(EXISTS) & ~seg.has(PUBLIC) for seg in self.segments]
            out = []
            for seg in self.segments:
                mask = np.zeros(seg.size, bool)
                mask[seg.slots_of(self.context.duplicates())] = True
                out.append(mask)
            return out
        if isinstance(node, (Poster, PosterKind)) or (isinstance(node, Has) and node.what == "poster"):
            # Posters are read from SQL, as is:duplicate's groups: a link
            # counts at once, and a stack shows a poster any copy shows.
            ids = np.asarray(self.context.poster_photos(node), np.int64)
            out = []
            for seg in self.segments:
                mask = np.zeros(seg.size, bool)
                mask[seg.slots_of(ids)] = True
                out.append(mask)
            return self.context.lifted(out)
        if isinstance(node, Has):
            masks = [seg.has(FLAG_BITS[node.what]) for seg in self.segments]
            return masks if node.what in _OWN_HAS else self.context.lifted(masks)
        raise TypeError(f"unknown query node {node!r}")

    @staticmethod
    def _taken(seg, node):
        out = seg.taken != NO_TIME
        if node.start:
            out &= seg.taken >= epoch_seconds(node.start)
        if node.end:
            out &= seg.taken < epoch_seconds(node.end)
        return out

    def _text(self, node, positive):
        parts = self.context.plan(node)
        if parts is None:  # only punctuation: it asks for nothing
            return [seg.has(EXISTS) for seg in self.segments]
        ranked = positive and self.context.ranked
        found = [textmatch.masks(seg, parts, head=ranked) for seg in self.segments]
        masks = self.context.lifted([mask for mask, _ in found])
        if ranked:
            # See fulltext.py: 3 for a word in a title or tags, else 1. A
            # query holds at most 60 words, so a score fits in a byte. The
            # title-or-tags matches are a part of the matches, lifted or not.
            heads = self.context.lifted([head for _, head in found])
            for k, (mask, head) in enumerate(zip(masks, heads)):
                if self.scores[k] is None:
                    self.scores[k] = np.zeros(self.segments[k].size, np.uint8)
                self.scores[k] += mask
                self.scores[k] += head
                self.scores[k] += head
        return masks


# _Stacks by the state they were made from: the same for every query until
# the index, the stacks or who asks changes.
_made = {}
_made_lock = threading.Lock()


class _Stacks:
    """The stacks (dedup/stacks.py) as one search sees them: of each
    confirmed group, the copies this request may see, and the one of them
    it is shown as: the primary, or, when the primary is private to this
    request, its lowest visible copy. Arrays run over the visible copies,
    grouped by stack, the shown one first."""

    @classmethod
    def of(cls, view, stacks, include_private):
        # What the copies and their tags depend on: the segments (each kept
        # alive by the _Stacks made from them, so no other can take its id),
        # the stacks, who asks.
        key = (tuple(id(seg) for seg in view.segments), view.through, stacks.stamp, include_private)
        with _made_lock:
            made = _made.get(key)
        if made is None:
            made = cls(view, stacks, include_private)
            with _made_lock:
                if len(_made) >= 8:
                    _made.pop(next(iter(_made)))
                _made[key] = made
        return made

    def __init__(self, view, stacks, include_private):
        self.segments = view.segments
        self._extra = {}
        segment, slot = view.locate(stacks.ids)
        visible = segment >= 0
        for k, seg in enumerate(view.segments):
            at = np.flatnonzero(segment == k)
            state = np.asarray(seg.state)[slot[at]]
            ok = (state & EXISTS) != 0
            if not include_private:
                ok &= (state & PUBLIC) != 0
            visible[at] &= ok
        ids, primary = stacks.ids[visible], stacks.primary[visible]
        segment, slot = segment[visible], slot[visible]
        order = np.lexsort((ids, ids != primary, primary))
        self.ids, self.segment, self.slot, primary = ids[order], segment[order], slot[order], primary[order]
        first = np.ones(len(self.ids), bool)
        first[1:] = primary[1:] != primary[:-1]
        group = np.cumsum(first) - 1
        self.is_shown = first
        self.shown_at = np.flatnonzero(first)[group]  # index of each copy's shown photo
        sizes = np.bincount(group) if len(group) else np.zeros(0, np.int64)
        order = np.argsort(self.ids[first])
        self._shown_ids, self._sizes = self.ids[first][order], sizes[order]
        self.by_segment = [np.flatnonzero(self.segment == k) for k in range(len(view.segments))]
        # Per segment, the slots of the copies not shown.
        self.hidden = [self.slot[at][~first[at]] for at in self.by_segment]

    def sizes_of(self, photo_ids):
        """How many copies each shown photo of photo_ids stands for (1: no stack)."""
        photo_ids = np.asarray(photo_ids, np.int64)
        if not len(self._shown_ids):
            return np.ones(len(photo_ids), np.int64)
        at = np.minimum(np.searchsorted(self._shown_ids, photo_ids), len(self._shown_ids) - 1)
        return np.where(self._shown_ids[at] == photo_ids, self._sizes[at], 1)

    def matched(self, masks):
        """Which copies masks hold, as a bool array over the copies."""
        found = np.zeros(len(self.ids), bool)
        for k, at in enumerate(self.by_segment):
            if len(at):
                found[at] = masks[k][self.slot[at]]
        return found

    def lift(self, masks):
        """masks with each stack's shown photo set wherever any of its copies is."""
        if not len(self.ids):
            return masks
        shown = self.shown_at[self.matched(masks)]
        for k, mask in enumerate(masks):
            at = shown[self.segment[shown] == k]
            mask[self.slot[at]] = True
        return masks

    def extra_tag_counts(self, masks, tag_ids):
        """For facets: of the stacks in the results, how many carry each tag
        only through a copy that is not the one shown (counts over masks
        see only the shown one's own tags)."""
        shown, column = self._differences(tag_ids)
        if not len(shown):
            return np.zeros(len(tag_ids), np.int64)
        in_results = self.matched(masks)[shown]
        return np.bincount(column[in_results], minlength=len(tag_ids))

    def _differences(self, tag_ids):
        """(shown, column): each stack's shown copy (an index into ids) with
        each tag (a column of tag_ids) that one of its other copies carries
        and it does not. The same for every query on one state of the index,
        so it is kept until the index, the stacks or the vocabulary move."""
        key = tuple(tag_ids)
        found = self._extra.get(key)
        if found is not None:
            return found
        extra = np.flatnonzero(~self.is_shown)
        if not len(extra):
            found = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        else:
            # The copies come grouped by stack, so their shown photos rise with them.
            shown, starts = np.unique(self.shown_at[extra], return_index=True)
            carried = self._carried(np.concatenate([extra, shown]), tag_ids).view(np.uint8)
            by_copies = np.bitwise_or.reduceat(carried[: len(extra)], starts, axis=0)
            stack, column = np.nonzero(by_copies & ~carried[len(extra):] & 1)
            found = (shown[stack], column)
        self._extra = {key: found}  # one vocabulary at a time: it rarely changes
        return found

    def _carried(self, copies, tag_ids):
        """Which of tag_ids each of copies (indexes into ids) carries, as a
        bool matrix: bitsets read for the common tags, slot lists for the rest."""
        out = np.zeros((len(copies), len(tag_ids)), bool)
        for k, seg in enumerate(self.segments):
            rows = np.flatnonzero(self.segment[copies] == k)
            if not len(rows):
                continue
            slots = self.slot[copies[rows]]
            bitset = [seg.bitset_row(t) for t in tag_ids]
            dense = [(i, row) for i, row in enumerate(bitset) if row is not None]
            if dense:
                columns, bitsets = (list(part) for part in zip(*dense))
                words = seg.dense_bits[np.ix_(bitsets, slots >> 6)]
                bits = (words >> (slots & 63).astype(np.uint64)) & np.uint64(1)
                out[np.ix_(rows, columns)] = bits.T.astype(bool)
            lookup = np.full(seg.size, -1, np.int32)
            lookup[slots] = np.arange(len(slots), dtype=np.int32)
            for i, tag_id in enumerate(tag_ids):
                if bitset[i] is not None:
                    continue
                found = lookup[seg.tag_slots_of(tag_id)]
                out[rows[found[found >= 0]], i] = True
        return out


class _Hits:
    """The matching photos of every segment, ordered on demand."""

    def __init__(self, view, masks, scores, sort, stacks=None):
        self.view, self.masks, self.sort, self.stacks = view, masks, sort, stacks
        self.ranked = sort == "relevance" and any(s is not None for s in scores)
        self.scores = [s if s is not None or not self.ranked else np.zeros(m.size, np.uint8)
                       for s, m in zip(scores, masks)]
        self.counts = [int(np.count_nonzero(mask)) for mask in masks]
        self.total = sum(self.counts)

    def holds(self, photo_ids):
        """Whether each of photo_ids is among the hits (in the segment that
        holds its current row, as every other segment's mask leaves it out)."""
        segment, slot = self.view.locate(photo_ids)
        out = np.zeros(len(segment), bool)
        for k, mask in enumerate(self.masks):
            at = np.flatnonzero(segment == k)
            out[at] = mask[slot[at]]
        return out

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
    if hits.stacks is not None:
        # A stack carries the tags of all its copies.
        counts += hits.stacks.extra_tag_counts(hits.masks, tag_ids)
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
    by_facet["poster"] = poster_counts(db, hits, narrowed)
    by_facet["camera"] = [
        {"value": label, "label": label, "count": count,
         "query": narrowed(f"camera:{quote_value(label)}")}
        for label, count in sorted(cameras.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    ]
    return by_facet


def poster_counts(db, hits, narrowed):
    """The posters the results show, each with how many of the results
    (stacks once, a stack showing a poster any of its copies shows);
    narrowed: the query's narrowing (one parse for every facet entry)."""
    links = posters.links_by_poster(db)
    if not links or not hits.total:
        return []
    poster_ids = np.asarray([row[0] for row in links], np.int64)
    photo_ids = np.asarray([row[4] for row in links], np.int64)
    stacks = hits.stacks
    if stacks is not None and len(stacks.ids):
        order = np.argsort(stacks.ids)
        at = np.minimum(np.searchsorted(stacks.ids[order], photo_ids), len(order) - 1)
        in_stack = stacks.ids[order][at] == photo_ids
        shown = stacks.ids[stacks.shown_at[order[at[in_stack]]]]
        poster_ids = np.concatenate([poster_ids, poster_ids[in_stack]])
        photo_ids = np.concatenate([photo_ids, shown])
    pairs = np.unique(np.stack([poster_ids, photo_ids], axis=1), axis=0)
    # The linked photos are looked up among the hits, not the hits listed:
    # a common word's hits at a million photos are MB of ids.
    found = pairs[hits.holds(pairs[:, 1])]
    counts = np.bincount(found[:, 0]) if len(found) else np.zeros(0, np.int64)
    names = {row[0]: row[1:4] for row in links}
    entries = [{"value": names[pid][0], "label": names[pid][1] or names[pid][2] or names[pid][0],
                "label_ko": names[pid][2], "count": int(count)} for pid, count in enumerate(counts) if count]
    entries = sorted(entries, key=lambda e: (-e["count"], e["label"]))[:FACET_LIMIT]
    for entry in entries:  # only the few shown get their query
        entry["query"] = narrowed(f"poster:{quote_value(entry['value'])}")
    return entries
