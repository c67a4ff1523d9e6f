"""Commands for near-duplicates: the groups, the review queue, decisions, rescans."""

import json
import sys

import click

from archive.cli.context import pass_archive
from archive.contract import review as shapes
from archive.contract import shapes as contract
from archive.dedup import decisions as duplicates
from archive.dedup import rescan
from archive.storage import Storage


def _echo_json(value):
    """A shape of the contract as GET /api/... gives it, or plain data."""
    click.echo(contract.to_json(value) if isinstance(value, contract.Shape) else json.dumps(value, ensure_ascii=False))


@click.command("duplicates")
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@pass_archive
def duplicates_command(archive, as_json):
    """List groups of copies of one photograph and of shots of one poster,
    both those the archive suggests and those archivists confirmed.

    \b
    Example:
        python manage_archive.py --data media duplicates --json
    """
    groups = duplicates.all_groups(archive.db)
    if as_json:
        _echo_json(shapes.groups(groups))
        return
    if not groups:
        click.echo("No duplicates or related shots found.")
        return
    for group in groups:
        label = "copies of one photo" if group["kind"] == "duplicate" else "shots of one poster"
        click.echo(f"{group['state']} {label}: primary {group['primary']}")
        for photo in group["photos"]:
            mark = "*" if photo["id"] == group["primary"] else " "
            click.echo(f"  {mark} {photo['id']:>6}  {photo['original_filename']}")


@click.group("dedup")
def dedup_group():
    """Near-duplicate matching: rescan the archive, review and decide suggestions.

    \b
    Example:
        python manage_archive.py --data media dedup rescan
    """


@dedup_group.command("rescan")
@click.option("--all", "everything", is_flag=True,
              help="Fingerprint every photo again, not only those without a fingerprint.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
@pass_archive
def rescan_command(archive, everything, as_json):
    """Fingerprint photos imported before near-duplicate matching (or all of
    them), compare every pair and store new suggestions. Pairs an archivist
    has decided are never suggested again.

    \b
    Example:
        python manage_archive.py --data media dedup rescan --all
    """
    show = not as_json and sys.stderr.isatty()
    bars = {}

    def progress(stage, done, total):
        if not show:
            return
        if stage not in bars:
            for bar in bars.values():
                bar.render_finish()
            label = "Fingerprinting" if stage == "fingerprint" else "Comparing pairs"
            bars[stage] = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                                            show_eta=True)
            bars[stage].pos = 0
        bar = bars[stage]
        bar.update(done - bar.pos)

    result = rescan.rescan(archive.db, Storage(archive.data_dir), archive.config["MAX_IMAGE_PIXELS"],
                          everything=everything, progress=progress)
    for bar in bars.values():
        bar.render_finish()
    if as_json:
        _echo_json(result.to_json())
        return
    for photo_id, reason in result.failed:
        click.echo(f"photo {photo_id} could not be fingerprinted: {reason}", err=True)
    click.echo(f"{result.fingerprinted} photos fingerprinted, {result.pairs_checked} pairs compared, "
               f"{result.suggested} new suggestions")


@dedup_group.command("queue")
@click.option("--json", "as_json", is_flag=True, help="Print the open suggestions as JSON.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="How many suggestions to show.")
@pass_archive
def queue_command(archive, as_json, limit):
    """Show the open suggestions an archivist has still to decide.

    \b
    Example:
        python manage_archive.py --data media dedup queue
    """
    items = duplicates.queue(archive.db, limit=limit)
    total = duplicates.open_count(archive.db)
    if as_json:
        _echo_json(shapes.review_queue(total, items))
        return
    click.echo(f"{total} open suggestion{'s' if total != 1 else ''}")
    for s in items:
        click.echo(f"  #{s['id']:<5} {s['kind']:<9} photos {s['photo_a']} and {s['photo_b']}"
                   f" ({s['alignment']}, {s['phash_distance']}+{s['dhash_distance']} bits)")


@dedup_group.command("decide")
@click.argument("suggestion_id", type=int)
@click.argument("decision", type=click.Choice(duplicates.DECISIONS))
@click.option("--primary", "primary_id", type=int, default=None,
              help="For a duplicate: the photo to keep as the group's primary "
                   "(default: the best copy by resolution, then metadata, then age).")
@click.option("--by", "who", default="", help="Who decides (recorded with the decision).")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@pass_archive
def decide_command(archive, suggestion_id, decision, primary_id, who, as_json):
    """Decide a suggestion: duplicate (the same photograph), related
    (another shot of the same poster) or unrelated.

    \b
    Example:
        python manage_archive.py --data media dedup decide 12 duplicate --primary 40 --by kim
    """
    try:
        row = duplicates.decide(archive.db, suggestion_id, decision, who, primary_id)
    except duplicates.DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(shapes.Decision.model_validate(row))
    else:
        click.echo(f"decision {row['id']}: photos {row['photo_a']} and {row['photo_b']} are {decision}"
                   + (f"; primary {row['primary_id']}" if row["primary_id"] else ""))


@dedup_group.command("undo")
@click.argument("decision_id", type=int)
@click.option("--by", "who", default="", help="Who undoes it (recorded).")
@pass_archive
def undo_command(archive, decision_id, who):
    """Undo a decision; its suggestion returns to the queue.

    \b
    Example:
        python manage_archive.py --data media dedup undo 7
    """
    try:
        row = duplicates.undo(archive.db, decision_id, who)
    except duplicates.DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"decision {row['id']} undone; photos {row['photo_a']} and {row['photo_b']} are open for review again")


COMMANDS = (duplicates_command, dedup_group)
