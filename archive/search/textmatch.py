"""A word or phrase of a query, matched against a segment's tokens exactly
as the FTS5 expression that fulltext.py describes would match photos_fts.

A Text node becomes parts that must all match; a part is one of a few
alternatives; an alternative is a phrase (its tokens one after another in
one column of a set) or a prefix (a token starting with it, in a column of
a set). Latin text looks in the columns as written, Korean in the columns
of its two-letter pieces and run endings (see fulltext.py); with head=True
only in the title and the tags, which count for more in relevance.
"""

import numpy as np

from archive.search.folding import fold
from archive.search.fulltext import is_pieced, pieced_runs
from archive.search.segment import FTS_COLUMNS
from archive.search.tokens import tokenizer


def _columns(*names):
    allowed = np.zeros(16, bool)
    allowed[[FTS_COLUMNS.index(name) for name in names]] = True
    return allowed


LATIN = _columns("title", "caption", "transcription", "original_filename", "tags")
LATIN_HEAD = _columns("title", "tags")
PAIRS, PAIRS_HEAD = _columns("ko2", "ko2_head"), _columns("ko2_head")
ENDS, ENDS_HEAD = _columns("ko1", "ko1_head"), _columns("ko1_head")
_WHERE_SHIFT = 24


def plan(text, phrase=False, head=False):
    """[part, ...] for one word or quoted phrase, each part a tuple of
    alternatives ("phrase", tokens, columns) or ("prefix", token, columns);
    None when it holds nothing searchable (only punctuation, say)."""
    tokens = tokenizer()
    text = fold(text)  # as the rows were (fulltext.py)
    pairs, ends = (PAIRS_HEAD, ENDS_HEAD) if head else (PAIRS, ENDS)
    parts = []
    latin = "".join(" " if is_pieced(ch) else ch for ch in text)
    if any(ch.isalnum() for ch in latin):
        parts.append((("phrase", tuple(tokens.tokens(latin)), LATIN_HEAD if head else LATIN),))
    runs = pieced_runs(text)
    long_runs = [run for run in runs if len(run) > 1]
    if phrase and long_runs and len(long_runs) == len(runs):
        pieces = " ".join(run[i : i + 2] for run in runs for i in range(len(run) - 1))
        parts.append((("phrase", tuple(tokens.tokens(pieces)), pairs),))
    else:
        for run in runs:
            if len(run) == 1:
                (token,) = tokens.tokens(run) or ("",)
                parts.append((("prefix", token, pairs), ("phrase", (token,), ends)))
            else:
                pieces = " ".join(run[i : i + 2] for i in range(len(run) - 1))
                parts.append((("phrase", tuple(tokens.tokens(pieces)), pairs),))
    return parts or None


def mask(segment, parts):
    """Slots of segment whose text matches every part, as a bool mask."""
    out = None
    for part in parts:
        found = np.zeros(segment.size, bool)
        for kind, what, columns in part:
            found[_phrase(segment, what, columns) if kind == "phrase" else _prefix(segment, what, columns)] = True
        out = found if out is None else out & found
        if not out.any():
            break
    return out


def _tokens_in(segment, index, columns):
    slots, where = segment.term_tokens(index)
    keep = columns[where >> _WHERE_SHIFT]
    return slots[keep], where[keep]


def _phrase(segment, terms, columns):
    if not terms:  # FTS5 matches nothing for a phrase without tokens
        return np.zeros(0, np.int64)
    indexes = [segment.term_index(term) for term in terms]
    if any(index is None for index in indexes):
        return np.zeros(0, np.int64)
    if len(indexes) == 1:
        return _tokens_in(segment, indexes[0], columns)[0]
    # Each token's (slot, column, position), moved back by its place in the
    # phrase: a phrase starts where all of them meet. Rarest first.
    order = sorted(range(len(indexes)), key=lambda i: segment.term_offsets[indexes[i] + 1]
                   - segment.term_offsets[indexes[i]])
    keys = None
    for i in order:
        slots, where = _tokens_in(segment, indexes[i], columns)
        found = ((slots.astype(np.int64) << 32) | where) - i
        keys = found if keys is None else _common(keys, found)
        if not len(keys):
            break
    return keys >> 32


def _common(small, large):
    """Values of sorted array small that are also in sorted array large."""
    if len(small) > len(large):
        small, large = large, small
    if not len(large):
        return large
    at = np.minimum(np.searchsorted(large, small), len(large) - 1)
    return small[large[at] == small]


def _prefix(segment, prefix, columns):
    found = [_tokens_in(segment, index, columns)[0] for index in segment.prefix_range(prefix)]
    return np.concatenate(found) if found else np.zeros(0, np.int64)
