"""The command line for search and the vocabulary: `search` and `tags ...`."""

import json
import sys

import click

from archive.catalogue import photos, tagging, tags, vocabulary
from archive.cli.context import base_url_option, by_option, pass_archive
from archive.contract import search as shapes
from archive.contract import shapes as contract
from archive.contract.links import Links
from archive.preservation import export
from archive.search import engine as search
from archive.search import index as search_index
from archive.search.query import QueryError


class _SearchGroup(click.Group):
    """`search QUERY [OPTIONS]` as it always was, and `search reindex`:
    anything but a subcommand's name goes to the query command whole, so a
    query after `--` may still start with a minus."""

    def parse_args(self, ctx, args):
        if not args or args[0] not in self.commands:
            args = ["query", *args]
        return super().parse_args(ctx, args)


@click.group("search", cls=_SearchGroup)
def search_group():
    """Search the archive (`search QUERY`), or rebuild its index (`search reindex`).

    \b
    Examples:
        python manage_archive.py search 'set:european-street subject:advert'
        python manage_archive.py search reindex
    """


@search_group.command("reindex")
@pass_archive
def search_reindex(archive):
    """Rebuild the shared search index from the database, with a progress bar.

    Searches rebuild a missing or damaged index by themselves; this does it
    ahead of time (after a crash, or before opening a large archive to
    visitors). The index lives in search-index/ in the data directory.

    \b
    Example:
        python manage_archive.py --data media search reindex
    """
    with click.progressbar(length=1, label="Indexing photos", file=sys.stderr) as bar:

        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        base = search_index.reindex(archive.db, progress=progress)
    click.echo(f"indexed {base.photo_count()} photos in {search_index.folder_of(archive.db)}")


@search_group.command("query")
@click.argument("query", default="")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/search returns.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every matching photo as CSV (one row per photo).")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of results.")
@click.option("--per-page", default=48, show_default=True, type=click.IntRange(1, 1000), help="Results per page.")
@click.option("--sort", type=click.Choice(list(search.SORTS)), default="relevance", show_default=True,
              help="Order of results.")
@click.option("--public-only", is_flag=True, help="Leave out private photos, as visitors see it.")
@base_url_option
@pass_archive
def search_command(archive, query, as_json, as_csv, page, per_page, sort, public_only, base_url):
    """Search the archive with the query language of the web and the API.

    Quote the query; put `--` before one that starts with a minus. (To
    rebuild the index: `search reindex`.)

    \b
    Examples:
        python manage_archive.py search 'set:european-street subject:advert'
        python manage_archive.py search '"flower girl" OR 꽃파는 taken:2016..2019' --json
        python manage_archive.py search -- '-subject:statue set:entrance-plaza' --csv > plaza.csv
    """
    include_private = not public_only
    try:
        if as_csv:
            ids = search.search_ids(archive.db, query, sort=sort, include_private=include_private)
        else:
            result = search.search(archive.db, query, page=page, per_page=per_page, sort=sort,
                                   include_private=include_private)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from None
    if as_csv:
        for chunk in export.csv_chunks(archive.db, [int(i) for i in ids], Links(base_url),
                                       include_gps=include_private):
            sys.stdout.write(chunk)
        return
    if as_json:
        click.echo(contract.to_json(shapes.search_page(result, Links(base_url))))
        return
    page_ = result.page
    click.echo(f"{page_.total} photo{'' if page_.total == 1 else 's'}"
               + (f" (page {page_.page} of {page_.pages})" if page_.pages > 1 else ""))
    for row in page_.items:
        labels = ", ".join(f"{facet}:{t['slug']}" for facet, items in row["tags"].items()
                           if facet != "trip" for t in items)
        click.echo(f"{row['id']:>7}  {(row['taken_at'] or '')[:10]:10}  "
                   f"{photos.display_title(row)[:50]:50}  {labels}")


@click.group("tags")
def tags_group():
    """Manage the tag vocabulary and the tags on photos.

    \b
    Examples:
        python manage_archive.py tags list --facet set
        python manage_archive.py tags add set:european-street/cafe --label-ko 카페
        python manage_archive.py tags merge keyword:cinema-poster subject:film-poster
    """


@tags_group.command("list")
@click.option("--facet", type=click.Choice(tags.FACETS), help="Only this facet.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per tag.")
@pass_archive
def tags_list(archive, facet, as_json):
    """List tags with their labels, aliases and photo counts.

    \b
    Example:
        python manage_archive.py tags list --facet subject
    """
    for row in vocabulary.list_tags(archive.db, facet=facet):
        if as_json:
            click.echo(json.dumps({k: row[k] for k in ("facet", "slug", "label", "label_ko", "description",
                                                       "aliases", "photos")}, ensure_ascii=False))
        else:
            aliases = f"  (also {', '.join(row['aliases'])})" if row["aliases"] else ""
            click.echo(f"{row['facet']}:{row['slug']}  {row['label']}"
                       f"{'  ' + row['label_ko'] if row['label_ko'] else ''}  [{row['photos']}]{aliases}")


def _fail(exc):
    raise click.ClickException(str(exc)) from None


@tags_group.command("add")
@click.argument("spec", metavar="FACET:NAME")
@click.option("--label", help="English label (default: the name).")
@click.option("--label-ko", default="", help="Korean label.")
@click.option("--description", default="", help="What the tag means.")
@click.option("--parent", help="Parent set (or put it in the name: set:european-street/cafe).")
@click.option("--alias", "aliases", multiple=True, help="Another name that finds this tag. Repeatable.")
@by_option
@pass_archive
def tags_add(archive, spec, label, label_ko, description, parent, aliases, username):
    """Create a tag in the vocabulary.

    \b
    Example:
        python manage_archive.py tags add "set:european-street/cafe" --label "Café" --label-ko 카페
    """
    try:
        facet, name = tags.parse_tag_spec(spec)
        tag_id = vocabulary.create_tag(archive.db, facet, name, label=label, label_ko=label_ko,
                                       description=description, parent=parent, aliases=aliases,
                                       username=username)
    except (tags.UnknownTag, vocabulary.VocabularyError) as exc:
        _fail(exc)
    row = tags.get_tag(archive.db, tag_id)
    click.echo(f"created {row['facet']}:{row['slug']}")


@tags_group.command("rename")
@click.argument("spec", metavar="FACET:SLUG")
@click.argument("new_slug")
@by_option
@pass_archive
def tags_rename(archive, spec, new_slug, username):
    """Give a tag a new slug; the old one stays as an alias.

    \b
    Example:
        python manage_archive.py tags rename subject:advert hand-painted-advert
    """
    try:
        tag = vocabulary.get_tag_spec(archive.db, spec)
        slug = vocabulary.rename_tag(archive.db, tag["id"], new_slug, username=username)
    except vocabulary.VocabularyError as exc:
        _fail(exc)
    click.echo(f"renamed {tag['facet']}:{tag['slug']} to {tag['facet']}:{slug}")


@tags_group.command("merge")
@click.argument("source", metavar="FACET:OLD")
@click.argument("target", metavar="FACET:KEEP")
@by_option
@pass_archive
def tags_merge(archive, source, target, username):
    """Merge one tag into another: photos move over, the old slug becomes an alias.

    \b
    Example:
        python manage_archive.py tags merge keyword:poster subject:film-poster
    """
    try:
        old = vocabulary.get_tag_spec(archive.db, source)
        keep = vocabulary.get_tag_spec(archive.db, target if ":" in target else f"{old['facet']}:{target}")
        added = vocabulary.merge_tags(archive.db, old["id"], keep["id"], username=username)
    except vocabulary.VocabularyError as exc:
        _fail(exc)
    click.echo(f"merged {old['facet']}:{old['slug']} into {keep['facet']}:{keep['slug']} "
               f"({added} photos newly tagged)")


@tags_group.command("delete")
@click.argument("spec", metavar="FACET:SLUG")
@click.option("--yes", is_flag=True, help="Delete even if photos carry it (they lose the tag).")
@by_option
@pass_archive
def tags_delete(archive, spec, yes, username):
    """Delete a tag. One still on photos needs --yes.

    \b
    Example:
        python manage_archive.py tags delete keyword:misc --yes
    """
    try:
        tag = vocabulary.get_tag_spec(archive.db, spec)
        count = vocabulary.delete_tag(archive.db, tag["id"], confirm=yes, username=username)
    except vocabulary.VocabularyError as exc:
        _fail(exc)
    click.echo(f"deleted {tag['facet']}:{tag['slug']}" + (f" from {count} photos" if count else ""))


@tags_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@by_option
@pass_archive
def tags_import(archive, path, dry_run, username):
    """Create or update tags from a CSV file, all rows or none.

    Columns: facet, slug, label, label_ko, description, parent, aliases
    (aliases separated by ';'). An existing tag (same facet and slug) is updated.

    \b
    Example:
        python manage_archive.py tags import vocabulary.csv --dry-run
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text")
    try:
        counts = vocabulary.import_csv(archive.db, text, username=username, dry_run=dry_run)
    except vocabulary.VocabularyError as exc:
        _fail(exc)
    click.echo(f"{'would create' if dry_run else 'created'} {counts['created']}, "
               f"{'would update' if dry_run else 'updated'} {counts['updated']}")


@tags_group.command("apply")
@click.option("--photo", "photo_ids", multiple=True, type=int, help="A photo id. Repeatable.")
@click.option("--query", help="Every photo this search finds (private ones included).")
@click.option("--add", "add", multiple=True, metavar="FACET:VALUE", help="A tag to add. Repeatable.")
@click.option("--remove", "remove", multiple=True, metavar="FACET:VALUE", help="A tag to remove. Repeatable.")
@by_option
@pass_archive
def tags_apply(archive, photo_ids, query, add, remove, username):
    """Add or remove tags on many photos at once, in one transaction.

    \b
    Example:
        python manage_archive.py tags apply --query 'trip:2019-autumn taken:2019-10-03' \\
            --add set:railway --remove set:european-street
    """
    try:
        ids = list(photo_ids)
        if query is not None:
            ids += [int(i) for i in search.search_ids(archive.db, query, include_private=True)]
        counts = tagging.change_tags(archive.db, ids, add=add, remove=remove, username=username)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--query") from None
    except tagging.TaggingError as exc:
        _fail(exc)
    click.echo(f"{counts['added']} added, {counts['removed']} removed on {len(set(ids))} photos")
