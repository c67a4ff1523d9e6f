"""Full text: the FTS5 row of each photo, kept current from the change log.
What a photo's text is lives here; the shared index (index.py) tokenizes
these rows exactly as FTS5 does and matches words and phrases itself
(textmatch.py), because FTS5 hands back hundreds of thousands of matching
rows too slowly for a common word at a million photos.

Korean is written with spaces between phrases, not between the parts a
reader looks for (영화포스터 = film + poster); Chinese and Japanese have no
spaces at all (中华茶馆 = China + tea house), and unicode61 splits only at
spaces. So each run of Hangul, Chinese characters or kana is also indexed as
overlapping two-letter pieces (ko2: 영화 화포 포스 스터) plus its last letter
(ko1: 터). Such a query becomes the phrase of its pieces, which matches the
word anywhere, inside longer words too; a single letter matches a piece it
starts or a run it ends. (tests/search_oracle.py writes each query as the
FTS5 expression with these meanings, to check the shared index against FTS5
itself.)

A photo's transcription in the row is the archivist's text followed by
every machine draft's readings (transcription/drafts.py), so painted words
are found before anyone types them, and the words of the posters it shows
(their painted text, translation, place); the posters' titles and slugs
join its tags. Chinese characters are folded to their Simplified forms
(folding.py) in every column, as every query's words are.

Relevance is where the words are found: each word of the query found in a
photo's title or tags counts 3, found only in its other text 1; equal scores
go newest first. bm25() would rank finer but costs about a microsecond a
matching row, too slow for a common word among a million captions.
"""

import re

from archive.db import write_transaction
from archive.search.folding import fold
from archive.transcription import drafts

# Keep this many log entries behind the full-text index, so a shared index
# that falls further behind than that is rebuilt in full instead.
KEEP_CHANGES = 200_000


# Hangul syllables and jamo, kana, CJK ideographs (with extension A and the
# compatibility block) and the supplementary ideograph planes.
_PIECED = ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F), (0x3040, 0x30FF), (0x31F0, 0x31FF),
           (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def is_pieced(ch):
    """Whether ch is a letter of a script written without spaces between words."""
    code = ord(ch)
    return code >= 0x1100 and any(low <= code <= high for low, high in _PIECED)


# A run of such letters, the ranges above as one character class (a rebuild
# pieces every row's text: the regular expression engine scans it in C).
_PIECED_RUN = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _PIECED) + "]+")


def pieced_runs(text):
    """The runs of text's letters of scripts written without spaces, in order."""
    return _PIECED_RUN.findall(text)


def korean_pieces(text):
    """(ko2, ko1) column values for text: two-letter pieces and run endings
    of its Korean, Chinese and Japanese."""
    pairs, ends = [], []
    for run in pieced_runs(text):
        pairs.extend(run[i : i + 2] for i in range(len(run) - 1))
        ends.append(run[-1])
    return " ".join(pairs), " ".join(ends)


def _state(db, key):
    return db.execute("SELECT value FROM search_state WHERE key = ?", [key]).fetchone()[0]


def last_change(db):
    return db.execute("SELECT coalesce(max(id), 0) FROM search_changes").fetchone()[0]


def refresh_fts(db):
    """Bring photos_fts up to the change log; returns how many photos were reindexed."""
    if last_change(db) <= _state(db, "fts_through"):
        return 0
    with write_transaction(db):
        through, last = _state(db, "fts_through"), last_change(db)
        if last <= through:  # another process caught up while we waited
            return 0
        ids = [row[0] for row in db.execute(
            "SELECT DISTINCT photo_id FROM search_changes WHERE id > ? AND id <= ?", [through, last])]
        tag_text = TagText(db)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM photos_fts WHERE rowid IN ({marks})", chunk)
            _index_photos(db, chunk, marks, tag_text)
        db.execute("UPDATE search_state SET value = ? WHERE key = 'fts_through'", [last])
        if last - KEEP_CHANGES > _state(db, "pruned_through"):
            db.execute("DELETE FROM search_changes WHERE id <= ?", [last - KEEP_CHANGES])
            db.execute("UPDATE search_state SET value = ? WHERE key = 'pruned_through'",
                       [last - KEEP_CHANGES])
    return len(ids)


def _index_photos(db, chunk, marks, tag_text):
    tags_of = {}
    for photo_id, tag_id in db.execute(
        f"SELECT photo_id, tag_id FROM photo_tags WHERE photo_id IN ({marks})", chunk
    ):
        tags_of.setdefault(photo_id, []).append(tag_id)
    # A title or caption in Korean beside the English one is searched as
    # part of it (the same column, the same weight in relevance).
    rows = db.execute(
        "SELECT id, trim(title || ' ' || title_ko), trim(caption || ' ' || caption_ko), transcription,"
        f" original_filename FROM photos WHERE id IN ({marks})", chunk).fetchall()
    drafted = drafts.search_text(db, chunk)
    on_posters = poster_text(db, chunk, marks)
    for photo_id, title, caption, transcription, filename in rows:
        if photo_id in drafted:
            transcription = f"{transcription} ; {drafted[photo_id]}" if transcription else drafted[photo_id]
        tags = tag_text.for_tags(tags_of.get(photo_id, []))
        names, words = on_posters.get(photo_id, ("", ""))
        if names:
            tags = f"{tags} ; {names}" if tags else names
        if words:
            transcription = f"{transcription} ; {words}" if transcription else words
        title, caption, transcription, filename, tags = (
            fold(text) for text in (title, caption, transcription, filename, tags))
        ko2, ko1 = korean_pieces(" ; ".join((caption, transcription, filename)))
        ko2_head, ko1_head = korean_pieces(" ; ".join((title, tags)))
        db.execute(
            "INSERT INTO photos_fts (rowid, title, caption, transcription, original_filename,"
            " tags, ko2, ko1, ko2_head, ko1_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [photo_id, title, caption, transcription, filename, tags, ko2, ko1, ko2_head, ko1_head],
        )


def poster_text(db, chunk, marks):
    """{photo_id: (names, words)} of the posters each photo shows: their
    titles and slugs (searched with the tags, as they name what the photo
    shows) and what is painted on them, translated, and where they stand
    (searched with the transcription)."""
    found = {}
    for photo_id, slug, title, title_ko, *words in db.execute(
        "SELECT pp.photo_id, p.slug, p.title, p.title_ko, p.painted_text, p.translation, p.place, p.product,"
        f" p.depicts FROM poster_photos pp JOIN posters p ON p.id = pp.poster_id WHERE pp.photo_id IN ({marks})"
        " ORDER BY pp.photo_id, p.id", chunk):
        names, text = found.get(photo_id, ([], []))
        names.append(" ".join(part for part in (title, title_ko, slug.replace("-", " ")) if part))
        text.extend(word for word in words if word)
        found[photo_id] = (names, text)
    return {photo_id: (" ; ".join(names), " ; ".join(text)) for photo_id, (names, text) in found.items()}


class TagText:
    """The searchable words of each tag: labels in both languages, slug and
    aliases, of the tag and of the sets above it (a café on the European
    street is found by 'european')."""

    def __init__(self, db):
        self.rows = {row[0]: row for row in db.execute(
            "SELECT id, parent_id, slug, label, label_ko FROM tags")}
        self.aliases = {}
        for tag_id, alias in db.execute("SELECT tag_id, alias FROM tag_aliases"):
            self.aliases.setdefault(tag_id, []).append(alias)
        self._cache = {}

    def of(self, tag_id):
        if tag_id not in self._cache:
            words, seen, current = [], set(), tag_id
            while current in self.rows and current not in seen:
                seen.add(current)
                _, parent_id, slug, label, label_ko = self.rows[current]
                words.extend((label, label_ko, slug.replace("-", " ").replace("/", " ")))
                words.extend(a.replace("-", " ").replace("/", " ") for a in self.aliases.get(current, []))
                current = parent_id
            self._cache[tag_id] = " ".join(w for w in words if w)
        return self._cache[tag_id]

    def for_tags(self, tag_ids):
        return " ; ".join(self.of(tag_id) for tag_id in tag_ids)
