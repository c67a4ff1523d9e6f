"""The first hits of a search in its sort order, without sorting every hit.

The base segment keeps its photos in two orders (segment.py: newest upload
first, and by time taken): the page of a query with many hits is the first
hits met walking an order, a few thousand steps however many hits there
are. A query with few hits sorts them. Relevance is a small score per photo
(fulltext.py), so its page is the hits of the best scores, each score's
newest first. Small segments' hits are few: sorted whole, and merged with
the base's first ones by the same keys.

The orders, whatever the road:
    newest      upload time, latest first; equal times higher id first
    oldest      the reverse
    taken       time taken, earliest first, equal times lower id first;
                undated photos last, lower id first
    taken-desc  time taken, latest first, equal times higher id first;
                undated photos last, lower id first
    relevance   score, best first, then as newest
"""

import numpy as np

from archive.search.segment import NO_TIME

# Walk an order when at least one photo in this many is a hit; else sort the hits.
_WALK_FROM = 16
_ID_BITS = 23  # ids below 8 million fit beside a time in one key
_EMPTY = np.zeros(0, np.int64)


def first(seg, mask, sort, count, hits, scores=None):
    """Slots of the base segment's first count hits (mask, hits of them)
    in the sort order; scores (uint8 per slot) when ranked by relevance."""
    if count <= 0 or not hits:
        return _EMPTY
    if scores is None:
        return _first(seg, mask, sort, count, hits)
    chosen = []
    # Best score first. A score is a few words' worth, so the levels are few:
    # one pass over the scores each costs less than gathering every hit's.
    for score in range(int(scores.max()), -1, -1):
        level = mask & (scores == score)
        hits_at = int(np.count_nonzero(level))
        if hits_at:
            chosen.append(_first(seg, level, "newest", count, hits_at))
            count -= len(chosen[-1])
            if count <= 0:
                break
    return np.concatenate(chosen)


def _first(seg, mask, sort, count, hits):
    if hits * _WALK_FROM < seg.size:
        slots = np.flatnonzero(mask)
        return slots[arrange(values(seg, slots), sort, count)]
    if sort in ("newest", "relevance"):
        return _walk(seg.newest, mask, count, hits)
    if sort == "oldest":
        return _walk(seg.newest[::-1], mask, count, hits)
    if sort == "taken":
        return _walk(seg.by_taken, mask, count, hits)
    # Latest taken first, then the undated in the order "taken" has them.
    found = _walk(seg.by_taken[: seg.dated][::-1], mask, count, hits)
    if len(found) < count:
        found = np.concatenate([found, _walk(seg.by_taken[seg.dated :], mask, count - len(found), hits)])
    return found


def _walk(order, mask, count, hits):
    """The first count slots of order that mask holds."""
    found, start = [], 0
    # Enough steps, on average, to meet count hits, and a quarter more.
    step = max(1024, int(count * len(mask) / hits * 1.25))
    while count > 0 and start < len(order):
        chunk = order[start : start + step]
        hit = chunk[mask[chunk]][:count]
        found.append(hit)
        count -= len(hit)
        start += step
        step *= 2
    return np.concatenate(found).astype(np.int64) if found else _EMPTY


def values(seg, slots, scores=None):
    """What the orders compare, for slots of seg: photo ids, upload and
    taken times, scores (None when not ranked)."""
    return (np.asarray(seg.photo_ids(slots), np.int64), seg.uploaded[slots], seg.taken[slots],
            None if scores is None else scores[slots])


def arrange(found, sort, count=None):
    """Positions of the first count of found (values()) in the sort order."""
    ids, uploaded, taken, scores = found
    if not len(ids):
        return _EMPTY
    key = _key(ids, uploaded, taken, scores, sort)
    if key is None:
        order = _lexsort(ids, uploaded, taken, scores, sort)
        return order[:count]
    if count is not None and count < len(key):
        top = np.argpartition(key, count - 1)[:count]
        return top[np.argsort(key[top])]
    return np.argsort(key)


def _key(ids, uploaded, taken, scores, sort):
    """One int64 per photo, smallest first, when the values fit in one; else None."""
    if ids.max() >= 1 << _ID_BITS or ids.min() < 0:
        return None
    if sort in ("taken", "taken-desc"):
        missing = taken == NO_TIME
        dated = np.where(missing, 0, taken)
        if np.abs(dated).max() >= 1 << 39:
            return None
        keys = (dated << _ID_BITS) + ids
        if sort == "taken-desc":
            keys = -keys
        return np.where(missing, np.iinfo(np.int64).max - (1 << _ID_BITS) + ids, keys)
    if scores is not None:
        # Scores stay below 2**8 (3 a word), upload times below 2**31 here.
        if uploaded.min() < 0 or uploaded.max() >= 1 << 31:
            return None
        return -((scores.astype(np.int64) << 54) + (uploaded << _ID_BITS) + ids)
    if uploaded.min() < 0 or uploaded.max() >= 1 << 39:
        return None
    keys = (uploaded << _ID_BITS) + ids
    return keys if sort == "oldest" else -keys


def _lexsort(ids, uploaded, taken, scores, sort):
    """arrange()'s order for values that do not fit one key."""
    if sort in ("taken", "taken-desc"):
        missing = taken == NO_TIME
        if sort == "taken":
            return np.lexsort((ids, taken, missing))
        return np.lexsort((np.where(missing, ids, -ids), np.where(missing, 0, -taken), missing))
    if sort == "oldest":
        return np.lexsort((ids, uploaded))
    if scores is not None:
        return np.lexsort((-ids, -uploaded, -scores.astype(np.int64)))
    return np.lexsort((-ids, -uploaded))
