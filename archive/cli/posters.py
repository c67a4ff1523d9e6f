"""`posters ...`: make poster records, change them, link photos, and read them."""

import json

import click

from archive.catalogue import history, poster_browse, poster_growth, posters
from archive.cli.context import base_url_option, by_option, pass_archive
from archive.contract import posters as shapes
from archive.contract import shapes as contract
from archive.contract.links import Links

# Option name -> the field it edits.
FIELD_OPTIONS = {
    "title": "title", "title_ko": "title_ko", "slug": "slug", "kind": "kind", "status": "status", "set_": "set",
    "place": "place", "film": "film", "product": "product", "depicts": "depicts", "text": "painted_text",
    "translation": "translation", "notes": "notes",
}


def _fail(exc):
    raise click.ClickException(str(exc)) from None


def field_options(command):
    """The options of a poster's fields, shared by add and edit."""
    options = [
        click.option("--title", help="The title in English (or the only one)."),
        click.option("--title-ko", help="The title in Korean."),
        click.option("--slug", help="Its name in links and queries (poster:SLUG): a-z, 0-9 and hyphens, unique."),
        click.option("--kind", type=click.Choice(list(posters.KINDS)), help="What sort of poster it is."),
        click.option("--status", type=click.Choice(list(posters.STATUSES)), help="Whether it still stands."),
        click.option("--set", "set_", help="The set it stands on (a set tag's slug or name; '' for none)."),
        click.option("--place", help="Where on the set: 'cafe wall, left of the door'."),
        click.option("--film", help="The film it replicates (a film tag; '' for none)."),
        click.option("--product", help="The product it advertises."),
        click.option("--depicts", help="What it depicts or replicates, in words."),
        click.option("--text", help="The words painted on it, as written."),
        click.option("--translation", help="The painted words translated."),
        click.option("--notes", help="Notes."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _values(fields):
    return {FIELD_OPTIONS[name]: value for name, value in fields.items() if value is not None}


def _poster(archive, value):
    row = posters.find(archive.db, value)
    if row is None:
        _fail(f"no poster {value!r} (give its id or slug)")
    return row


def _print(archive, poster_id, base_url, as_json):
    row = poster_browse.get(archive.db, poster_id)
    if as_json:
        click.echo(contract.to_json(shapes.poster(row, Links(base_url))))
        return
    seen = f"seen {row['first_seen'] or '?'} to {row['last_seen'] or '?'}" if row["photos"] else "no photos"
    click.echo(f"poster {row['id']} ({row['slug']}): {row['title'] or row['title_ko']}"
               f" [{row['kind_label']}, {row['status']}], {len(row['photos'])} photos, {seen}")


def _region(text):
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4 or not all(part.isdigit() for part in parts):
        raise click.BadParameter("write the region as X,Y,W,H in pixels, e.g. 40,80,600,900", param_hint="--region")
    return dict(zip("xywh", map(int, parts)))


@click.group("posters")
def posters_group():
    """Poster records: what is painted, where it stands, the photos of it.

    \b
    Examples:
        python manage_archive.py posters add --title "The Seven Year Itch" --set european-street --photo 12
        python manage_archive.py posters link the-seven-year-itch 31 --region 40,80,600,900
        python manage_archive.py posters show the-seven-year-itch --json
    """


@posters_group.command("add")
@field_options
@click.option("--photo", "photo_ids", multiple=True, type=click.IntRange(1), help="A photo of it. Repeatable.")
@click.option("--from-group", type=click.IntRange(1),
              help="Every photo of this photo's confirmed group: its copies and other shots.")
@click.option("--from-cluster", type=click.IntRange(1),
              help="The photos of the open review cluster holding this photo, as proposed there.")
@click.option("--json", "as_json", is_flag=True, help="Print the poster as GET /api/posters/ID returns it.")
@by_option
@base_url_option
@pass_archive
def posters_add(archive, photo_ids, from_group, from_cluster, as_json, username, base_url, **fields):
    """Make a poster record, with its photos.

    Without --title the first title of its photos is taken, and the set and
    film their tags name.

    \b
    Examples:
        python manage_archive.py posters add --title "Beer advert" --kind advert --photo 12 --photo 13
        python manage_archive.py posters add --from-group 12 --text "맥주"
    """
    values = _values(fields)
    try:
        if from_group:
            poster_id = poster_growth.from_group(archive.db, from_group, username, values)
        elif from_cluster:
            poster_id = poster_growth.from_cluster(archive.db, from_cluster, username, values=values)
        elif photo_ids:
            poster_id = poster_growth.from_photos(archive.db, photo_ids, username, values)
        else:
            poster_id = posters.create(archive.db, values, username)
    except posters.PosterError as exc:
        _fail(exc)
    _print(archive, poster_id, base_url, as_json)


@posters_group.command("edit")
@click.argument("poster")
@field_options
@click.option("--best-photo", type=click.IntRange(1), help="The photo shown for it (one of its photos).")
@click.option("--json", "as_json", is_flag=True, help="Print the poster as GET /api/posters/ID returns it.")
@by_option
@base_url_option
@pass_archive
def posters_edit(archive, poster, best_photo, as_json, username, base_url, **fields):
    """Change a poster's fields; only those given change (one change in its history).

    \b
    Example:
        python manage_archive.py posters edit the-seven-year-itch --status repainted --notes "Repainted 2016"
    """
    row = _poster(archive, poster)
    values = _values(fields)
    if best_photo is not None:
        values["best_photo"] = best_photo
    if not values:
        raise click.UsageError("name a field to change, e.g. --title or --status")
    try:
        change_id = posters.edit(archive.db, row["id"], values, username)
    except posters.PosterError as exc:
        _fail(exc)
    if not as_json:
        click.echo(f"change {change_id}" if change_id else "nothing changed")
    _print(archive, row["id"], base_url, as_json)


@posters_group.command("link")
@click.argument("poster")
@click.argument("photo_id", type=click.IntRange(1))
@click.option("--region", help="Where the poster is on the photo: X,Y,W,H in the upright photo's pixels.")
@click.option("--json", "as_json", is_flag=True, help="Print the poster as GET /api/posters/ID returns it.")
@by_option
@base_url_option
@pass_archive
def posters_link(archive, poster, photo_id, region, as_json, username, base_url):
    """Link a photo to a poster (again, to move its region).

    \b
    Example:
        python manage_archive.py posters link 3 31 --region 40,80,600,900
    """
    row = _poster(archive, poster)
    try:
        change_id = posters.link(archive.db, row["id"], photo_id, _region(region), username)
    except posters.PosterError as exc:
        _fail(exc)
    if not as_json:
        click.echo(f"change {change_id}: photo {photo_id} linked" if change_id else "already linked so")
    _print(archive, row["id"], base_url, as_json)


@posters_group.command("unlink")
@click.argument("poster")
@click.argument("photo_id", type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print the poster as GET /api/posters/ID returns it.")
@by_option
@base_url_option
@pass_archive
def posters_unlink(archive, poster, photo_id, as_json, username, base_url):
    """Take a photo off a poster.

    \b
    Example:
        python manage_archive.py posters unlink 3 31
    """
    row = _poster(archive, poster)
    try:
        change_id = posters.unlink(archive.db, row["id"], photo_id, username)
    except posters.PosterError as exc:
        _fail(exc)
    if not as_json:
        click.echo(f"change {change_id}: photo {photo_id} unlinked" if change_id else
                   f"photo {photo_id} was not linked to poster {row['id']}")
    _print(archive, row["id"], base_url, as_json)


@posters_group.command("list")
@click.option("--set", "set_", default="", help="Only posters on this set (slug).")
@click.option("--kind", default="", help="Only this kind.")
@click.option("--film", default="", help="Only posters replicating this film (slug).")
@click.option("--decade", default="", help="First seen in this decade: 2010s.")
@click.option("--status", default="", help="Only this status.")
@click.option("--page", default=1, type=click.IntRange(1), show_default=True, help="Which page of results.")
@click.option("--per-page", default=100, type=click.IntRange(1, 1000), show_default=True, help="Posters a page.")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/posters returns.")
@base_url_option
@pass_archive
def posters_list(archive, set_, kind, film, decade, status, page, per_page, as_json, base_url):
    """List posters (private photos included), first seen first, with facet counts.

    \b
    Example:
        python manage_archive.py posters list --kind advert --json
    """
    chosen = {"set": set_, "kind": kind, "film": film, "decade": decade, "status": status}
    found = poster_browse.listing(archive.db, chosen, page=page, per_page=per_page, include_private=True)
    if as_json:
        click.echo(contract.to_json(shapes.poster_page(found, Links(base_url))))
        return
    if not found.page.items:
        click.echo("no posters")
    for row in found.page.items:
        click.echo(f"{row['id']:>5}  {row['slug']:<32}  {row['kind']:<20} {row['photo_count']:>4} photos"
                   f"  {row['first_seen'] or '?'} – {row['last_seen'] or '?'}")


@posters_group.command("show")
@click.argument("poster")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/posters/ID returns.")
@base_url_option
@pass_archive
def posters_show(archive, poster, as_json, base_url):
    """Show one poster (by id or slug): its fields, photos, first and last seen.

    \b
    Example:
        python manage_archive.py posters show the-seven-year-itch
    """
    row = _poster(archive, poster)
    if as_json:
        _print(archive, row["id"], base_url, True)
        return
    shown = poster_browse.get(archive.db, row["id"])
    _print(archive, row["id"], base_url, False)
    for name in ("title_ko", "place", "product", "depicts", "painted_text", "translation", "notes"):
        if shown[name]:
            click.echo(f"  {posters.LABELS[name]}: {shown[name]}")
    for label, tag in (("set", shown["set_tag"]), ("film", shown["film_tag"])):
        if tag:
            click.echo(f"  {label}: {tag['label']} ({tag['slug']})")
    for group in shown["trips"]:
        click.echo(f"  {group['trip'] or '(no trip)'}: " + ", ".join(
            f"{p['id']} ({(p['taken_at'] or 'undated')[:10]})" for p in group["photos"]))


@posters_group.command("history")
@click.argument("poster")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/posters/ID/history returns.")
@pass_archive
def posters_history(archive, poster, as_json):
    """Every change to a poster: who, when, each field (and link) before and after.

    A deleted poster (named by its id) keeps its history, its deletion first.

    \b
    Example:
        python manage_archive.py posters history 3
    """
    value = poster.strip()
    gone = posters.deleted_change(archive.db, int(value)) if value.isdigit() and len(value) < 19 else None
    poster_id = int(value) if gone else _poster(archive, poster)["id"]
    changes = posters.poster_history(archive.db, poster_id, limit=200)
    if as_json:
        click.echo(contract.to_json(shapes.history(changes)))
        return
    for change in changes:
        state = "  (reverted)" if change["reverted"] else ""
        click.echo(f"change {change['id']}  {change['at'][:16].replace('T', ' ')}  {change['action']}"
                   f"  by {change['username'] or 'someone'}{state}")
        for entry in change["entries"]:
            click.echo(f"    {entry['label']}: {entry['before_text']!s:.60} -> {entry['after_text']!s:.60}")


@posters_group.command("revert")
@click.argument("change_id", type=click.IntRange(1))
@by_option
@pass_archive
def posters_revert(archive, change_id, username):
    """Undo a change to a poster: its fields and links go back to before.

    \b
    Example:
        python manage_archive.py posters revert 31
    """
    try:
        new_change = posters.revert(archive.db, change_id, username)
    except history.HistoryError as exc:
        _fail(exc)
    except posters.PosterError as exc:
        _fail(f"that change cannot be put back: {exc}")
    click.echo(f"change {new_change} reverted change {change_id}")


@posters_group.command("delete")
@click.argument("poster")
@by_option
@pass_archive
def posters_delete(archive, poster, username):
    """Delete a poster record; its photos are untouched.

    Every field and link it had stays in its history (`posters history ID`)
    as one change; `posters revert` of that change restores it.

    \b
    Example:
        python manage_archive.py posters delete 3
    """
    row = _poster(archive, poster)
    change_id = posters.delete(archive.db, row["id"], username)
    click.echo(f"change {change_id}: poster {row['id']} ({row['slug']}) deleted; its photos are untouched"
               f" (`posters revert {change_id}` restores it)")


@posters_group.command("suggestions")
@click.option("--json", "as_json", is_flag=True, help="Print them as GET /api/review lists them.")
@base_url_option
@pass_archive
def posters_suggestions(archive, as_json, base_url):
    """Photos an import found to be other shots of a poster's photos, waiting
    to be linked (`posters confirm`) or dismissed (`posters dismiss`).

    \b
    Example:
        python manage_archive.py posters suggestions
    """
    rows = poster_growth.waiting(archive.db)
    if as_json:
        click.echo(json.dumps([contract.to_data(shapes.suggestion(row, Links(base_url))) for row in rows],
                              ensure_ascii=False))
        return
    if not rows:
        click.echo("no photos suggested for posters")
    for row in rows:
        click.echo(f"poster {row['poster']['id']} ({row['poster']['slug']}): photo {row['photo']['id']},"
                   f" another shot of photo {row['matched_photo_id']}")


@posters_group.command("confirm")
@click.argument("poster")
@click.argument("photo_id", type=click.IntRange(1))
@by_option
@pass_archive
def posters_confirm(archive, poster, photo_id, username):
    """Link a photo suggested for a poster to it (a change in its history).

    \b
    Example:
        python manage_archive.py posters confirm 3 31
    """
    row = _poster(archive, poster)
    try:
        change_id = poster_growth.confirm_suggestion(archive.db, row["id"], photo_id, username)
    except posters.PosterError as exc:
        _fail(exc)
    click.echo(f"change {change_id}: photo {photo_id} linked to poster {row['id']}")


@posters_group.command("dismiss")
@click.argument("poster")
@click.argument("photo_id", type=click.IntRange(1))
@pass_archive
def posters_dismiss(archive, poster, photo_id):
    """Dismiss a photo suggested for a poster: it does not show the poster.

    \b
    Example:
        python manage_archive.py posters dismiss 3 31
    """
    row = _poster(archive, poster)
    try:
        poster_growth.dismiss_suggestion(archive.db, row["id"], photo_id)
    except posters.PosterError as exc:
        _fail(exc)
    click.echo(f"photo {photo_id} is not of poster {row['id']}: suggestion dismissed")
