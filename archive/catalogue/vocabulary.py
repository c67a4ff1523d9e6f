"""Managing the vocabulary: create, edit, rename, merge and delete tags.

A rename or a merge keeps the old slug as an alias of the surviving tag, so
old links (/sets/OLD) and old queries (subject:OLD) still find it. Every
change is written to the tag history. Sets are hierarchical: a child's slug
is its parent's slug, a slash, and its own ("european-street/cafe").
"""

import csv
import io

from archive.catalogue import tags, tree
from archive.catalogue.tree import HIERARCHICAL_FACETS, MAX_DEPTH
from archive.db import write_transaction

CSV_COLUMNS = ("facet", "slug", "label", "label_ko", "description", "parent", "aliases")


class VocabularyError(ValueError):
    """A change to the vocabulary that cannot be made; the message says why."""


def get_tag(db, facet, value):
    """The tag a value names (slug, alias or label), or VocabularyError."""
    if facet not in tags.FACETS:
        raise VocabularyError(f"unknown facet {facet!r}; facets are {', '.join(tags.FACETS)}")
    row = tags.find_tag(db, facet, value)
    if row is None:
        raise VocabularyError(f"no {facet} tag called {value!r}")
    return dict(row)


def get_tag_spec(db, spec):
    """The tag a FACET:VALUE spec names."""
    try:
        facet, value = tags.parse_tag_spec(spec)
    except tags.UnknownTag as exc:
        raise VocabularyError(str(exc)) from None
    return get_tag(db, facet, value)


def list_tags(db, facet=None, query=None, limit=None):
    """Tags with their photo counts and aliases, by facet then slug.

    query matches the start of a slug, alias or either label (autocomplete)."""
    where, params = [], []
    if facet:
        where.append("tags.facet = ?")
        params.append(facet)
    if query:
        needle = query.strip().lower()
        slug = tags.slugify_path(query)
        where.append(
            "(tags.slug LIKE ? ESCAPE '\\' OR lower(tags.label) LIKE ? ESCAPE '\\'"
            " OR instr(lower(tags.label), ?) > 0 OR instr(tags.label_ko, ?) > 0"
            " OR tags.id IN (SELECT tag_id FROM tag_aliases WHERE alias LIKE ? ESCAPE '\\'))"
        )
        params += [_like_prefix(slug), _like_prefix(needle), " " + needle, query.strip(),
                   _like_prefix(slug)]
    sql = (
        "SELECT tags.*, (SELECT count(*) FROM photo_tags WHERE tag_id = tags.id) AS photos,"
        " (SELECT group_concat(alias, ' ') FROM tag_aliases WHERE tag_id = tags.id) AS alias_text"
        " FROM tags" + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY tags.facet, tags.slug"
    )
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = []
    for row in db.query(sql, params):
        row = dict(row)
        row["aliases"] = sorted((row.pop("alias_text") or "").split())
        rows.append(row)
    return rows


def _like_prefix(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def aliases_of(db, tag_id):
    return [row["alias"] for row in db.query(
        "SELECT alias FROM tag_aliases WHERE tag_id = ? ORDER BY alias", [tag_id])]


def photo_count(db, tag_id):
    """Photos carrying the tag, private ones included."""
    return db.execute("SELECT count(*) FROM photo_tags WHERE tag_id = ?", [tag_id]).fetchone()[0]


def tag_history(db, tag_id, limit=30):
    """The latest changes to one tag and its use, newest first."""
    return [dict(row) for row in db.query(
        "SELECT * FROM tag_history WHERE tag_id = ? ORDER BY id DESC LIMIT ?", [tag_id, limit])]


def create_tag(db, facet, name, label=None, label_ko="", description="", parent=None,
               aliases=(), username=""):
    """A new tag; name gives its slug (and its label unless label is given)."""
    if facet not in tags.FACETS:
        raise VocabularyError(f"unknown facet {facet!r}; facets are {', '.join(tags.FACETS)}")
    name = (name or "").strip()
    # Only hierarchical facets read a slash as "inside": keyword AC/DC is ac-dc.
    path_parent, _, leaf_name = name.rpartition("/") if facet in HIERARCHICAL_FACETS else ("", "", name)
    leaf = tags.slugify(leaf_name)
    if not leaf:
        raise VocabularyError(f"{name!r} makes an empty slug")
    label = (label or "").strip() or leaf_name.strip()
    with write_transaction(db):
        parent_row = _parent(db, facet, parent or path_parent)
        slug = f"{parent_row['slug']}/{leaf}" if parent_row else leaf
        _check_free(db, facet, slug)
        tag_id = db["tags"].insert({
            "facet": facet, "slug": slug, "label": label, "label_ko": (label_ko or "").strip(),
            "description": (description or "").strip(),
            "parent_id": parent_row["id"] if parent_row else None,
        }).last_pk
        for alias in aliases:
            _add_alias(db, facet, tag_id, alias)
        tags.record_history(db, "created", tag_id, username=username)
    return tag_id


def _parent(db, facet, parent):
    parent = (parent or "").strip()
    if not parent:
        return None
    if facet not in HIERARCHICAL_FACETS:
        raise VocabularyError(f"{facet} tags have no hierarchy; only {' and '.join(HIERARCHICAL_FACETS)} do")
    row = get_tag(db, facet, parent)
    if not tree.fits_under(row):
        raise VocabularyError(f"{facet} tags nest at most {MAX_DEPTH} levels deep")
    return row


def _check_free(db, facet, slug, tag_id=None):
    """A slug no other tag of the facet uses as its slug or alias."""
    row = next(iter(db.query(
        "SELECT id FROM tags WHERE facet = ? AND slug = ? UNION ALL"
        " SELECT tag_id FROM tag_aliases WHERE facet = ? AND alias = ?",
        [facet, slug, facet, slug])), None)
    if row is not None and row["id"] != tag_id:
        raise VocabularyError(f"{facet}:{slug} is already taken")


def _add_alias(db, facet, tag_id, alias):
    alias = tags.slugify_path(alias)
    if not alias:
        return
    owner = next(iter(db.query(
        "SELECT id FROM tags WHERE facet = ? AND slug = ? UNION ALL"
        " SELECT tag_id FROM tag_aliases WHERE facet = ? AND alias = ?",
        [facet, alias, facet, alias])), None)
    if owner is None:
        db.execute("INSERT INTO tag_aliases (facet, alias, tag_id) VALUES (?, ?, ?)",
                   [facet, alias, tag_id])
    elif owner["id"] != tag_id:
        raise VocabularyError(f"{facet}:{alias} is already another tag's slug or alias")


def edit_tag(db, tag_id, label=None, label_ko=None, description=None, aliases=None, username="",
             description_ko=None):
    """Change labels, descriptions (English, Korean) or the list of aliases (slugs stay: see rename_tag)."""
    with write_transaction(db):
        tag = _row(db, tag_id)
        changes = {}
        for name, value in (("label", label), ("label_ko", label_ko), ("description", description),
                            ("description_ko", description_ko)):
            if value is not None and value.strip() != tag[name]:
                changes[name] = value.strip()
        if "label" in changes and not changes["label"]:
            raise VocabularyError("a tag needs an English label")
        if changes:
            db["tags"].update(tag_id, changes)
        if aliases is not None:
            wanted = {tags.slugify_path(a) for a in aliases} - {""}
            current = set(aliases_of(db, tag_id))
            for alias in current - wanted:
                db.execute("DELETE FROM tag_aliases WHERE facet = ? AND alias = ?", [tag["facet"], alias])
            for alias in sorted(wanted - current):
                _add_alias(db, tag["facet"], tag_id, alias)
            if wanted != current:
                changes["aliases"] = " ".join(sorted(wanted))
        if changes:
            tags.record_history(db, "edited", tag_id, username=username,
                                detail=", ".join(f"{k}: {v}" for k, v in changes.items()))
    return bool(changes)


def rename_tag(db, tag_id, new_slug, username=""):
    """Give a tag a new slug (a set may move under another parent by its path).

    The old slug, and those of its child sets, stay as aliases."""
    with write_transaction(db):
        tag = _row(db, tag_id)
        facet = tag["facet"]
        path = tags.slugify_path(new_slug) if facet in HIERARCHICAL_FACETS else tags.slugify(new_slug)
        if not path:
            raise VocabularyError(f"{new_slug!r} makes an empty slug")
        if path == tag["slug"]:
            return tag["slug"]
        parent_path = path.rpartition("/")[0]
        parent_row = _parent(db, facet, parent_path) if parent_path else None
        if parent_row and (parent_row["id"] == tag_id or parent_row["slug"].startswith(tag["slug"] + "/")):
            raise VocabularyError("a set cannot move inside itself")
        if parent_row and not tree.fits_under(parent_row, tree.height(db, tag_id)):
            raise VocabularyError(f"{facet} tags nest at most {MAX_DEPTH} levels deep")
        # The tag's own aliases may be reused: the new slug may be an old name.
        db.execute("DELETE FROM tag_aliases WHERE facet = ? AND alias = ? AND tag_id = ?",
                   [facet, path, tag_id])
        _check_free(db, facet, path, tag_id)
        _move(db, tag, path, parent_row["id"] if parent_row else None)
        tags.record_history(db, "renamed", tag_id, username=username,
                            detail=f"{tag['slug']} -> {path}")
    return path


def _move(db, tag, path, parent_id):
    """Set a tag's slug (and parent), re-prefix its children; old slugs become aliases."""
    old = tag["slug"]
    _check_free(db, tag["facet"], path, tag["id"])
    db["tags"].update(tag["id"], {"slug": path, "parent_id": parent_id})
    _add_alias(db, tag["facet"], tag["id"], old)
    for child in tree.children(db, tag["id"]):
        _move(db, child, path + child["slug"][len(old):], tag["id"])


def merge_tags(db, source_id, target_id, username=""):
    """Fold source into target: its photos, aliases and child sets move over,
    its slug becomes an alias of target, and source is gone. Returns how many
    photos newly got the target tag."""
    with write_transaction(db):
        source, target = _row(db, source_id), _row(db, target_id)
        if source_id == target_id:
            raise VocabularyError("a tag cannot be merged into itself")
        if source["facet"] != target["facet"]:
            raise VocabularyError(f"{source['facet']}:{source['slug']} and {target['facet']}:"
                                  f"{target['slug']} are in different facets")
        if target["slug"].startswith(source["slug"] + "/"):
            raise VocabularyError("a set cannot be merged into one of its own child sets")
        detail = f"merged {source['facet']}:{source['slug']} into {target['slug']}"
        photo_ids = [row[0] for row in db.execute(
            "SELECT photo_id FROM photo_tags WHERE tag_id = ?", [source_id])]
        added = 0
        for photo_id in photo_ids:
            added += len(tags.tag_photo(db, photo_id, [target_id], added_by=username))
            tags.record_history(db, "removed", source_id, photo_id=photo_id, username=username,
                                detail=detail)
        for child in tree.children(db, source_id):
            _move(db, child, target["slug"] + child["slug"][len(source["slug"]):], target_id)
        aliases = aliases_of(db, source_id)
        tags.record_history(db, "merged", source_id, username=username, detail=detail)
        tags.record_history(db, "merged", target_id, username=username, detail=detail)
        db.execute("DELETE FROM tags WHERE id = ?", [source_id])  # its photo_tags and aliases go too
        for alias in [source["slug"], *aliases]:
            _add_alias(db, target["facet"], target_id, alias)
    return added


def delete_tag(db, tag_id, confirm=False, username=""):
    """Delete a tag. One still on photos needs confirm=True; one with child sets never goes."""
    with write_transaction(db):
        tag = _row(db, tag_id)
        children = tree.children(db, tag_id)
        if children:
            raise VocabularyError(f"{tag['facet']}:{tag['slug']} has {len(children)} child tags; "
                                  "move, merge or delete them first")
        photo_ids = [row[0] for row in db.execute(
            "SELECT photo_id FROM photo_tags WHERE tag_id = ?", [tag_id])]
        if photo_ids and not confirm:
            raise VocabularyError(
                f"{tag['facet']}:{tag['slug']} is on {len(photo_ids)} photo"
                f"{'' if len(photo_ids) == 1 else 's'}; confirm to remove it from them and delete it")
        for photo_id in photo_ids:
            tags.record_history(db, "removed", tag_id, photo_id=photo_id, username=username,
                                detail="tag deleted")
        tags.record_history(db, "deleted", tag_id, username=username,
                            detail=f"{tag['label']} ({len(photo_ids)} photos)")
        db.execute("DELETE FROM tags WHERE id = ?", [tag_id])
    return len(photo_ids)


def _row(db, tag_id):
    row = next(iter(db.query("SELECT * FROM tags WHERE id = ?", [tag_id])), None)
    if row is None:
        raise VocabularyError(f"no tag {tag_id}")
    return dict(row)


def import_csv(db, text, username="", dry_run=False):
    """Create or update tags from CSV (columns: facet, slug, label, label_ko,
    description, parent, aliases separated by ';'). All rows or none: any
    error aborts the whole file. Returns {"created": n, "updated": n}."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"facet", "slug"} - set(reader.fieldnames or ())
    if missing:
        raise VocabularyError(f"the CSV needs the columns {', '.join(CSV_COLUMNS)} "
                              f"(missing: {', '.join(sorted(missing))})")
    counts = {"created": 0, "updated": 0}
    errors = []
    try:
        with write_transaction(db):
            for line, row in enumerate(reader, start=2):
                try:
                    _import_row(db, row, username, counts)
                except (VocabularyError, tags.UnknownTag) as exc:
                    errors.append(f"line {line}: {exc}")
            if errors or dry_run:
                raise _Rollback()
    except _Rollback:
        pass
    if errors:
        raise VocabularyError("nothing imported; " + "; ".join(errors[:20])
                              + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))
    return counts


class _Rollback(Exception):
    pass


def _import_row(db, row, username, counts):
    facet = (row.get("facet") or "").strip().lower()
    slug = (row.get("slug") or "").strip()
    if facet not in tags.FACETS:
        raise VocabularyError(f"unknown facet {facet!r}")
    if not slug:
        raise VocabularyError("no slug")
    parent = (row.get("parent") or "").strip()
    aliases = [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]
    full = f"{tags.slugify_path(parent)}/{tags.slugify(slug)}" if parent else tags.slugify_path(slug)
    existing = next(iter(db.query("SELECT id FROM tags WHERE facet = ? AND slug = ?", [facet, full])), None)
    if existing is None:
        create_tag(db, facet, slug, label=row.get("label"), label_ko=row.get("label_ko") or "",
                   description=row.get("description") or "", parent=parent or None,
                   aliases=aliases, username=username)
        counts["created"] += 1
    else:
        if edit_tag(db, existing["id"], label=row.get("label") or None, label_ko=row.get("label_ko"),
                    description=row.get("description"),
                    aliases=sorted(set(aliases_of(db, existing["id"])) | set(aliases)),
                    username=username):
            counts["updated"] += 1
