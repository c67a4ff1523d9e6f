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
from archive.search.fulltext import is_pieced, pieced_runs
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
    latin = "".join(" " if is_pieced(ch) else ch for ch in text)
    if any(ch.isalnum() for ch in latin):
        # The ko columns hold only Korean, so "every column" needs no filter.
        prefix = "{" + " ".join(HEAD_COLUMNS) + "} : " if head else ""
        parts.append(prefix + _quoted(latin.strip()))
    runs = pieced_runs(text)
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
    "gps": "({a}.gps_lat IS NOT NULL AND {a}.gps_lon IS NOT NULL)",
    "title": "({a}.title != '' OR {a}.title_ko != '')",
    "caption": "({a}.caption != '' OR {a}.caption_ko != '')",
    "transcription": "({a}.transcription != '' OR EXISTS (SELECT 1 FROM transcription_drafts d"
                     " JOIN transcription_lines l ON l.draft_id = d.id WHERE d.photo_id = {a}.id))",
    "date": "{a}.taken_at IS NOT NULL",
}
_UNTAGGED = ("NOT EXISTS (SELECT 1 FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id"
             " WHERE pt.photo_id = {a}.id AND t.facet IN ({facets}))")


def where(db, node, params, stacked=False):
    """SQL condition on `photos p` for a node; values go to params. Stacked:
    what any copy of a stack matches (temp.baseline_copies, see search()),
    the stack's shown photo matches, but for the photo's own date, camera,
    location and visibility."""
    if isinstance(node, (And, Or)):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(where(db, item, params, stacked) for item in node.items) + ")"
    if isinstance(node, Not):
        return "NOT " + where(db, node.item, params, stacked)
    if isinstance(node, Is) and node.what == "untagged":
        if not stacked:
            params.extend(DESCRIPTIVE_FACETS)
            return _UNTAGGED.format(a="p", facets=",".join("?" * len(DESCRIPTIVE_FACETS)))
        tagged = "NOT " + _UNTAGGED.format(a="{a}", facets=",".join("?" * len(DESCRIPTIVE_FACETS)))
        return "NOT " + _lifted(tagged, list(DESCRIPTIVE_FACETS), params)
    own = isinstance(node, (Taken, Camera, Is)) or (isinstance(node, Has) and node.what in ("gps", "date"))
    if not stacked or own:
        return leaf(db, node, params, "p")
    inner = []
    condition = leaf(db, node, inner, "{a}")
    return _lifted(condition, inner, params)


def _lifted(condition, values, params):
    """condition (on alias {a}) on p itself, or on any copy of p's stack."""
    params.extend(values + values)
    return (f"({condition.format(a='p')} OR p.id IN (SELECT c.shown FROM baseline_copies c"
            f" JOIN photos q ON q.id = c.id WHERE {condition.format(a='q')}))")


def leaf(db, node, params, a):
    """SQL condition on `photos {a}` for one term of the query."""
    if isinstance(node, Text):
        like = "%" + node.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([like] * 9)
        columns = " OR ".join(f"{a}.{c} LIKE ? ESCAPE '\\'" for c in
                              ("title", "title_ko", "caption", "caption_ko", "transcription", "original_filename"))
        return (f"({columns} OR EXISTS (SELECT 1 FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id"
                f" WHERE pt.photo_id = {a}.id AND (t.label LIKE ? ESCAPE '\\' OR t.label_ko LIKE ? ESCAPE '\\'"
                " OR t.slug LIKE ? ESCAPE '\\')))")
    if isinstance(node, Tag):
        row = tags.find_tag(db, node.facet, node.value)
        if row is None:
            raise QueryError(f"no {node.facet} tag called {node.value!r}")
        ids = [r[0] for r in db.execute(
            "WITH RECURSIVE d(id) AS (SELECT ? UNION SELECT tags.id FROM tags JOIN d ON tags.parent_id = d.id)"
            " SELECT id FROM d", [row["id"]])]
        params.extend(ids)
        return f"{a}.id IN (SELECT photo_id FROM photo_tags WHERE tag_id IN ({','.join('?' * len(ids))}))"
    if isinstance(node, Taken):
        parts = [f"{a}.taken_at IS NOT NULL"]
        if node.start:
            parts.append(f"{a}.taken_at >= ?")
            params.append(node.start)
        if node.end:
            parts.append(f"{a}.taken_at < ?")
            params.append(node.end)
        return "(" + " AND ".join(parts) + ")"
    if isinstance(node, Camera):
        params.append("%" + node.text.lower() + "%")
        return f"lower(coalesce({a}.camera_make, '') || ' ' || coalesce({a}.camera_model, '')) LIKE ?"
    if isinstance(node, Is):
        if node.what in ("public", "private"):
            return f"{a}.is_public = " + ("1" if node.what == "public" else "0")
        raise QueryError("is:duplicate is not available in the baseline")
    if isinstance(node, Has):
        return _HAS[node.what].format(a=a)
    raise TypeError(f"unknown query node {node!r}")


def _stack_tables(db, include_private):
    """temp.baseline_copies: each copy of a confirmed stack this caller may
    see, with the photo its stack is shown as (the primary, else the lowest
    visible copy); stacks of one visible copy left out."""
    from archive.dedup import stacks

    found = stacks.find(db)
    db.execute("DROP TABLE IF EXISTS temp.baseline_stack")
    db.execute("DROP TABLE IF EXISTS temp.baseline_copies")
    db.execute("CREATE TEMP TABLE baseline_stack (id INTEGER PRIMARY KEY, grp INTEGER)")
    db.conn.executemany("INSERT INTO baseline_stack VALUES (?, ?)",
                        zip(found.ids.tolist(), found.primary.tolist()))
    visible = "1" if include_private else "p.is_public = 1"
    db.execute(
        "CREATE TEMP TABLE baseline_copies AS"
        f" WITH v AS (SELECT s.id, s.grp FROM baseline_stack s JOIN photos p ON p.id = s.id WHERE {visible}),"
        " g AS (SELECT grp, CASE WHEN max(id = grp) THEN grp ELSE min(id) END AS shown, count(*) AS n"
        "       FROM v GROUP BY grp)"
        " SELECT v.id, g.shown FROM v JOIN g ON g.grp = v.grp WHERE g.n > 1")


def search(db, query, page=1, per_page=48, include_private=False, stacked=True):
    """(total, ids of the page newest upload first, facets {facet: {value: count}})."""
    tree = parse(query)
    stacked = stacked and "is:duplicate" not in (query or "")
    _stack_tables(db, include_private)
    params = []
    condition = where(db, tree, params, stacked) if tree is not None else "1"
    if not include_private:
        condition = f"({condition}) AND p.is_public = 1"
    if stacked:
        condition = f"({condition}) AND p.id NOT IN (SELECT id FROM baseline_copies WHERE id != shown)"
    db.execute("DROP TABLE IF EXISTS temp.baseline_matches")
    db.execute(f"CREATE TEMP TABLE baseline_matches AS SELECT p.id FROM photos p WHERE {condition}", params)
    total = db.execute("SELECT count(*) FROM baseline_matches").fetchone()[0]
    ids = [r[0] for r in db.execute(
        "SELECT p.id FROM photos p JOIN baseline_matches m ON m.id = p.id"
        " ORDER BY p.uploaded_at DESC, p.id DESC LIMIT ? OFFSET ?", [per_page, (page - 1) * per_page])]
    facets = {facet: {} for facet in (*TAG_FACETS, "year", "camera")}
    # A stack carries the tags of every copy it shows.
    copies = (" UNION SELECT c.shown, c.id FROM baseline_copies c JOIN baseline_matches m ON m.id = c.shown"
              if stacked else "")
    for facet, slug, count in db.execute(
        "WITH RECURSIVE anc(tag_id, ancestor) AS (SELECT id, id FROM tags UNION ALL"
        " SELECT anc.tag_id, tags.parent_id FROM anc JOIN tags ON tags.id = anc.ancestor"
        " WHERE tags.parent_id IS NOT NULL),"
        f" members(shown, photo) AS (SELECT id, id FROM baseline_matches{copies})"
        " SELECT t.facet, t.slug, count(DISTINCT members.shown) FROM members"
        " JOIN photo_tags pt ON pt.photo_id = members.photo JOIN anc ON anc.tag_id = pt.tag_id"
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
    for table in ("baseline_matches", "baseline_copies", "baseline_stack"):
        db.execute(f"DROP TABLE temp.{table}")
    return total, ids, facets
