"""A word or phrase of a query, matched against a segment's tokens exactly
as the FTS5 expression that fulltext.py describes would match photos_fts.

A Text node becomes parts that must all match; a part is one of a few
alternatives; an alternative is a phrase (its tokens one after another in
one column of a set) or a prefix (a token starting with it, in a column of
a set). Latin text looks in the columns as written, Korean in the columns
of its two-letter pieces and run endings (see fulltext.py). A word found in
the title or the tags counts for more in relevance, so the match in those
columns comes out of the same pass.
"""

import numpy as np

from archive.search.folding import fold
from archive.search.fulltext import is_pieced, pieced_runs
from archive.search.segment import FTS_COLUMNS, POSITION_BITS
from archive.search.tokens import tokenizer


def _columns(*names):
    return tuple(FTS_COLUMNS.index(name) for name in names)


LATIN = _columns("title", "caption", "transcription", "original_filename", "tags")
PAIRS = _columns("ko2", "ko2_head")
ENDS = _columns("ko1", "ko1_head")
# Where a word counts for more in relevance: the title, the tags and their pieces.
HEAD = frozenset(_columns("title", "tags", "ko2_head", "ko1_head"))


def plan(text, phrase=False):
    """[part, ...] for one word or quoted phrase, each part a tuple of
    alternatives ("phrase", tokens, columns) or ("prefix", token, columns);
    None when it holds nothing searchable (only punctuation, say)."""
    tokens = tokenizer()
    text = fold(text)  # as the rows were (fulltext.py)
    parts = []
    latin = "".join(" " if is_pieced(ch) else ch for ch in text)
    if any(ch.isalnum() for ch in latin):
        parts.append((("phrase", tuple(tokens.tokens(latin)), LATIN),))
    runs = pieced_runs(text)
    long_runs = [run for run in runs if len(run) > 1]
    if phrase and long_runs and len(long_runs) == len(runs):
        pieces = " ".join(run[i : i + 2] for run in runs for i in range(len(run) - 1))
        parts.append((("phrase", tuple(tokens.tokens(pieces)), PAIRS),))
    else:
        for run in runs:
            if len(run) == 1:
                (token,) = tokens.tokens(run) or ("",)
                parts.append((("prefix", token, PAIRS), ("phrase", (token,), ENDS)))
            else:
                pieces = " ".join(run[i : i + 2] for i in range(len(run) - 1))
                parts.append((("phrase", tuple(tokens.tokens(pieces)), PAIRS),))
    return parts or None


def masks(segment, parts, head=False):
    """(slots of segment whose text matches every part, those that match
    every part in the title or tags, when head) as bool masks."""
    out = out_head = None
    for part in parts:
        found = np.zeros(segment.size, bool)
        found_head = np.zeros(segment.size, bool) if head else None
        for kind, what, columns in part:
            for column in columns:
                slots = _phrase(segment, what, column) if kind == "phrase" else _prefix(segment, what, column)
                found[slots] = True
                if head and column in HEAD:
                    found_head[slots] = True
        if out is None:
            out, out_head = found, found_head
        else:
            out &= found
            if head:
                out_head &= found_head
        if not out.any():
            return out, (out if head else None)
    return out, out_head


def _phrase(segment, terms, column):
    if not terms:  # FTS5 matches nothing for a phrase without tokens
        return np.zeros(0, np.int64)
    indexes = [segment.term_index(term) for term in terms]
    if any(index is None for index in indexes):
        return np.zeros(0, np.int64)
    if len(indexes) == 1:
        return segment.occurrences(indexes[0], column)[0]
    # Where each word is followed by the next one, as (slot, position),
    # moved back by its place in the phrase: the phrase starts where every
    # pair meets. Pairs whose first word is rarest first.
    keys = None
    for i in sorted(range(len(indexes) - 1), key=lambda i: segment.occurrence_count(indexes[i], column)):
        slots, positions = segment.occurrences(indexes[i], column)
        pair = segment.followers(indexes[i], column) == indexes[i + 1]
        slots, positions = slots[pair], positions[pair]
        if i:
            starts = positions >= i
            slots, positions = slots[starts], positions[starts]
        found = ((slots.astype(np.int64) << POSITION_BITS) | positions) - i
        keys = found if keys is None else _common(keys, found)
        if not len(keys):
            break
    return keys >> POSITION_BITS


def _common(small, large):
    """Values of sorted array small that are also in sorted array large."""
    if len(small) > len(large):
        small, large = large, small
    if not len(large):
        return large
    at = np.minimum(np.searchsorted(large, small), len(large) - 1)
    return small[large[at] == small]


def _prefix(segment, prefix, column):
    found = [segment.occurrences(index, column)[0] for index in segment.prefix_range(prefix)]
    return np.concatenate(found) if found else np.zeros(0, np.int64)
