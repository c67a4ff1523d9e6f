"""`photos ...`: edit what photos show, turn them, and read or revert their history."""

import click

from archive.catalogue import editing, history, photos
from archive.cli.context import base_url_option, by_option, pass_archive
from archive.contract import editing as shapes
from archive.contract import photos as photo_shapes
from archive.contract import shapes as contract
from archive.contract.links import Links
from archive.search import engine as search
from archive.search.query import QueryError

# Option name -> the field it edits.
FIELD_OPTIONS = {
    "title": "title", "title_ko": "title_ko", "caption": "caption", "caption_ko": "caption_ko",
    "transcription": "transcription", "taken": "taken_at", "precision": "taken_precision", "trip": "trip",
    "photographer": "photographer", "rights": "rights",
}
CLEARABLE = tuple(name for name in editing.EDITABLE if name != "taken_precision")


def _fail(exc):
    raise click.ClickException(str(exc)) from None


@click.group("photos")
def photos_group():
    """Edit photos after import, turn them, read and revert their history.

    \b
    Examples:
        python manage_archive.py photos edit 12 --title "The Flower Girl" --title-ko "꽃파는 처녀"
        python manage_archive.py photos rotate 12 90
        python manage_archive.py photos history 12
    """


@photos_group.command("edit")
@click.argument("photo_ids", nargs=-1, type=click.IntRange(1))
@click.option("--query", help="Also every photo this search finds (private ones included).")
@click.option("--title", help="The title (in English, or the only one).")
@click.option("--title-ko", help="The title in Korean.")
@click.option("--caption", help="The caption.")
@click.option("--caption-ko", help="The caption in Korean.")
@click.option("--transcription", help="The words painted on the poster, as written.")
@click.option("--taken", help="The date taken: 2019-10-03, 2019-10 or 2019 (a time may follow); '' for unknown.")
@click.option("--precision", type=click.Choice(list(editing.PRECISIONS)),
              help="How precisely the date is known ('' to the second; circa: about that year).")
@click.option("--trip", help="The trip (an existing one is matched whatever its case).")
@click.option("--photographer", help="Who took the photo.")
@click.option("--rights", help="A licence or rights statement URI, or words.")
@click.option("--clear", "cleared", multiple=True, type=click.Choice(CLEARABLE), help="Empty a field. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the change and the photos as JSON.")
@by_option
@base_url_option
@pass_archive
def photos_edit(archive, photo_ids, query, cleared, as_json, username, base_url, **fields):
    """Change the description of photos; only the fields given change.

    Every save is one change in each photo's history, which `photos revert`
    undoes. Search, IIIF manifests, exports and citations follow at once.

    \b
    Examples:
        python manage_archive.py photos edit 12 --title "The Flower Girl" --caption "Beside the cinema"
        python manage_archive.py photos edit 12 13 --taken 1987 --precision circa
        python manage_archive.py photos edit --query 'trip:2019-autumn' --photographer "Kim Ok"
    """
    values = {FIELD_OPTIONS[name]: value for name, value in fields.items() if value is not None}
    for name in cleared:
        if name in values:
            raise click.UsageError(f"--clear {name} and a value for it: choose one")
        values[name] = None if name == "taken_at" else ""
    if values.get("taken_at") == "":
        values["taken_at"] = None
    if not values:
        raise click.UsageError("name a field to change, e.g. --title or --clear caption")
    ids = list(photo_ids)
    try:
        if query is not None:
            ids += [int(i) for i in search.search_ids(archive.db, query, include_private=True, stacked=False)]
        if not ids:
            raise click.UsageError("name photo ids or --query")
        change_id, changed = editing.edit_photos(archive.db, ids, values, username)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--query") from None
    except editing.EditError as exc:
        _fail(exc)
    if as_json:
        links = Links(base_url)
        click.echo(contract.to_json(shapes.Edited(
            change=change_id, changed=changed,
            photos=[photo_shapes.photo(row, links, exact=True) for row in photos.get_photos(archive.db, ids)])))
        return
    count = len(set(ids))
    if change_id is None:
        click.echo(f"nothing changed on {count} photo{'' if count == 1 else 's'}")
    else:
        click.echo(f"change {change_id}: {changed} of {count} photo{'' if count == 1 else 's'} changed")


@photos_group.command("rotate")
@click.argument("photo_id", type=click.IntRange(1))
@click.argument("degrees", type=click.Choice(["90", "180", "270", "-90"]))
@by_option
@pass_archive
def photos_rotate(archive, photo_id, degrees, username):
    """Turn a photo clockwise by 90, 180 or 270 degrees (-90: anticlockwise).

    The original file is never rewritten: the archive keeps an orientation
    of its own and makes the photo's images and fingerprints again.

    \b
    Example:
        python manage_archive.py photos rotate 12 90
    """
    _turn(archive, photo_id, {"90": "cw", "180": "half", "270": "ccw", "-90": "ccw"}[degrees], username)


@photos_group.command("mirror")
@click.argument("photo_id", type=click.IntRange(1))
@by_option
@pass_archive
def photos_mirror(archive, photo_id, username):
    """Swap a photo's left and right (a scan or a photo of a reflection).

    \b
    Example:
        python manage_archive.py photos mirror 12
    """
    _turn(archive, photo_id, "mirror", username)


def _turn(archive, photo_id, turn, username):
    try:
        change_id = editing.turn_photo(archive.db, photo_id, turn, username)
    except editing.EditError as exc:
        _fail(exc)
    row = photos.get_photo(archive.db, photo_id)
    click.echo(f"change {change_id}: photo {photo_id} is now {row['width']} × {row['height']}, "
               f"{editing.describe('orientation_override', row['orientation_override'], row['orientation'])}")


@photos_group.command("history")
@click.argument("photo_id", type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/photos/ID/history returns.")
@pass_archive
def photos_history(archive, photo_id, as_json):
    """Show every change to a photo: who, when, each field before and after.

    \b
    Example:
        python manage_archive.py photos history 12
    """
    if photos.get_photo(archive.db, photo_id) is None:
        _fail(f"no photo {photo_id}")
    changes = editing.photo_history(archive.db, photo_id, limit=200)
    if as_json:
        click.echo(contract.to_json(shapes.photo_history(changes)))
        return
    if not changes:
        click.echo(f"photo {photo_id} has not been changed since it was imported")
    for change in changes:
        state = "  (reverted)" if change["reverted"] else ""
        reverts = f" of change {change['reverts']}" if change["reverts"] else ""
        click.echo(f"change {change['id']}  {change['at'][:16].replace('T', ' ')}  {change['action']}{reverts}"
                   f"  by {change['username'] or 'someone'}{state}")
        for entry in change["entries"]:
            click.echo(f"    {entry['label']}: {entry['before_text']!s:.60} -> {entry['after_text']!s:.60}")


@photos_group.command("revert")
@click.argument("change_id", type=click.IntRange(1))
@click.option("--photo", "photo_id", type=click.IntRange(1), help="Only this photo of the change.")
@by_option
@pass_archive
def photos_revert(archive, change_id, photo_id, username):
    """Undo a change: each field it changed goes back to its value before.

    A bulk change is undone on every photo it touched, unless --photo.
    Refused when a field was changed again since: revert that change first.

    \b
    Example:
        python manage_archive.py photos revert 31
    """
    try:
        new_change = editing.revert(archive.db, change_id, username, photo_id=photo_id)
    except (history.HistoryError, editing.EditError) as exc:
        _fail(exc)
    count = len(history.get_change(archive.db, new_change)["record_ids"])
    click.echo(f"change {new_change} reverted change {change_id} on {count} photo{'' if count == 1 else 's'}")
