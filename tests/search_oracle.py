"""The plain way to run a query: the syntax tree as one parameterised SQL
statement over the base tables, text by LIKE, facets by GROUP BY.

No full-text index and no in-memory index: this is the baseline the search
benchmark (bench/search.py) measures archive.search against, and a second opinion in the tests for
everything but full text (LIKE finds substrings where FTS5 finds words).

For full text, fts_expression() writes a word or phrase as the FTS5 MATCH
expression on photos_fts that archive.search must agree with (see
archive/search/fulltext.py for what the columns hold).
"""

from archive.catalogue import tags
from archive.search.fulltext import hangul_runs, is_hangul
from archive.search.query import And, Camera, Has, Is, Not, Or, QueryError, Tag, Taken, Text, parse
from archive.search.segment import DESCRIPTIVE_FACETS, TAG_FACETS

HEAD_COLUMNS = ("title", "tags")


def _quoted(text):
    return '"' + text.replace('"', '""') + '"'


def fts_expression(text, phrase=False, head=False):
    """The FTS5 MATCH expression for one word or quoted phrase, or None when
    it holds nothing searchable (only punctuation, say). With head=True it
    looks only in titles and tags, which count for more in relevance."""
    pairs = "ko2_head" if head else "{ko2 ko2_head}"
    ends = "ko1_head" if head else "{ko1 ko1_head}"
    parts = []
    latin = "".join(" " if is_hangul(ch) else ch for ch in text)
    if any(ch.isalnum() for ch in latin):
        # The ko columns hold only Korean, so "every column" needs no filter.
        prefix = "{" + " ".join(HEAD_COLUMNS) + "} : " if head else ""
        parts.append(prefix + _quoted(latin.strip()))
    runs = hangul_runs(text)
    long_runs = [run for run in runs if len(run) > 1]
    if phrase and long_runs and len(long_runs) == len(runs):
        pieces = [run[i : i + 2] for run in runs for i in range(len(run) - 1)]
        parts.append(f"{pairs} : " + _quoted(" ".join(pieces)))
    else:
        for run in runs:
            if len(run) == 1:
                parts.append(f"({pairs} : {_quoted(run)} * OR {ends} : {_quoted(run)})")
            else:
                pieces = " ".join(run[i : i + 2] for i in range(len(run) - 1))
                parts.append(f"{pairs} : " + _quoted(pieces))
    if not parts:
        return None
    return " AND ".join(parts)


_HAS = {
    "gps": "(p.gps_lat IS NOT NULL AND p.gps_lon IS NOT NULL)",
    "title": "p.title != ''",
    "caption": "p.caption != ''",
    "transcription": "p.transcription != ''",
    "date": "p.taken_at IS NOT NULL",
}


def where(db, node, params):
    """SQL condition on `photos p` for a node; values go to params."""
    if isinstance(node, (And, Or)):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(where(db, item, params) for item in node.items) + ")"
    if isinstance(node, Not):
        return "NOT " + where(db, node.item, params)
    if isinstance(node, Text):
        like = "%" + node.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([like] * 7)
        columns = " OR ".join(f"p.{c} LIKE ? ESCAPE '\\'" for c in
                              ("title", "caption", "transcription", "original_filename"))
        return (f"({columns} OR EXISTS (SELECT 1 FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id"
                " WHERE pt.photo_id = p.id AND (t.label LIKE ? ESCAPE '\\' OR t.label_ko LIKE ? ESCAPE '\\'"
                " OR t.slug LIKE ? ESCAPE '\\')))")
    if isinstance(node, Tag):
        row = tags.find_tag(db, node.facet, node.value)
        if row is None:
            raise QueryError(f"no {node.facet} tag called {node.value!r}")
        ids = [r[0] for r in db.execute(
            "WITH RECURSIVE d(id) AS (SELECT ? UNION SELECT tags.id FROM tags JOIN d ON tags.parent_id = d.id)"
            " SELECT id FROM d", [row["id"]])]
        params.extend(ids)
        return f"p.id IN (SELECT photo_id FROM photo_tags WHERE tag_id IN ({','.join('?' * len(ids))}))"
    if isinstance(node, Taken):
        parts = ["p.taken_at IS NOT NULL"]
        if node.start:
            parts.append("p.taken_at >= ?")
            params.append(node.start)
        if node.end:
            parts.append("p.taken_at < ?")
            params.append(node.end)
        return "(" + " AND ".join(parts) + ")"
    if isinstance(node, Camera):
        params.append("%" + node.text.lower() + "%")
        return "lower(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')) LIKE ?"
    if isinstance(node, Is):
        if node.what == "untagged":
            params.extend(DESCRIPTIVE_FACETS)
            return ("NOT EXISTS (SELECT 1 FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id"
                    f" WHERE pt.photo_id = p.id AND t.facet IN ({','.join('?' * len(DESCRIPTIVE_FACETS))}))")
        if node.what in ("public", "private"):
            return "p.is_public = " + ("1" if node.what == "public" else "0")
        raise QueryError("is:duplicate is not available in the baseline")
    if isinstance(node, Has):
        return _HAS[node.what]
    raise TypeError(f"unknown query node {node!r}")


def search(db, query, page=1, per_page=48, include_private=False):
    """(total, ids of the page newest upload first, facets {facet: {value: count}})."""
    tree = parse(query)
    params = []
    condition = where(db, tree, params) if tree is not None else "1"
    if not include_private:
        condition = f"({condition}) AND p.is_public = 1"
    db.execute("DROP TABLE IF EXISTS temp.baseline_matches")
    db.execute(f"CREATE TEMP TABLE baseline_matches AS SELECT p.id FROM photos p WHERE {condition}", params)
    total = db.execute("SELECT count(*) FROM baseline_matches").fetchone()[0]
    ids = [r[0] for r in db.execute(
        "SELECT p.id FROM photos p JOIN baseline_matches m ON m.id = p.id"
        " ORDER BY p.uploaded_at DESC, p.id DESC LIMIT ? OFFSET ?", [per_page, (page - 1) * per_page])]
    facets = {facet: {} for facet in (*TAG_FACETS, "year", "camera")}
    for facet, slug, count in db.execute(
        "WITH RECURSIVE anc(tag_id, ancestor) AS (SELECT id, id FROM tags UNION ALL"
        " SELECT anc.tag_id, tags.parent_id FROM anc JOIN tags ON tags.id = anc.ancestor"
        " WHERE tags.parent_id IS NOT NULL)"
        " SELECT t.facet, t.slug, count(DISTINCT pt.photo_id) FROM baseline_matches m"
        " JOIN photo_tags pt ON pt.photo_id = m.id JOIN anc ON anc.tag_id = pt.tag_id"
        f" JOIN tags t ON t.id = anc.ancestor WHERE t.facet IN ({','.join('?' * len(TAG_FACETS))})"
        " GROUP BY t.id", TAG_FACETS):
        facets[facet][slug] = count
    for year, count in db.execute(
        "SELECT substr(p.taken_at, 1, 4), count(*) FROM photos p JOIN baseline_matches m ON m.id = p.id"
        " WHERE p.taken_at IS NOT NULL GROUP BY 1"):
        facets["year"][year] = count
    for make, model, count in db.execute(
        "SELECT p.camera_make, p.camera_model, count(*) FROM photos p JOIN baseline_matches m ON m.id = p.id"
        " WHERE coalesce(p.camera_make, p.camera_model) IS NOT NULL GROUP BY 1, 2"):
        from archive.catalogue.photos import camera_label

        label = camera_label({"camera_make": make, "camera_model": model})
        facets["camera"][label] = facets["camera"].get(label, 0) + count
    db.execute("DROP TABLE temp.baseline_matches")
    return total, ids, facets
