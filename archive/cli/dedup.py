"""Commands for near-duplicates: the groups, the review queue, decisions, rescans."""

import json
import sys

import click

from archive.catalogue import photos, poster_growth
from archive.cli.context import base_url_option, pass_archive
from archive.contract import review as shapes
from archive.contract import shapes as contract
from archive.contract.links import Links
from archive.dedup import clusters, reasons, rescan
from archive.dedup import decisions as duplicates
from archive.storage import open_storage


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

    result = rescan.rescan(archive.db, open_storage(archive.data_dir), archive.config["MAX_IMAGE_PIXELS"],
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
@click.option("--json", "as_json", is_flag=True, help="Print the open suggestions as JSON (as GET /api/review).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="How many suggestions to show.")
@base_url_option
@pass_archive
def queue_command(archive, as_json, limit, base_url):
    """Show the open suggestions an archivist has still to decide, and the
    photos suggested for posters (decide those with `posters confirm` or
    `posters dismiss`).

    \b
    Example:
        python manage_archive.py --data media dedup queue
    """
    items = clusters.with_reasons(archive.db, duplicates.queue(archive.db, limit=limit))
    total = duplicates.open_count(archive.db)
    for_posters = poster_growth.waiting(archive.db)
    if as_json:
        _echo_json(shapes.review_queue(total, items, for_posters, Links(base_url)))
        return
    click.echo(f"{total} open suggestion{'s' if total != 1 else ''}")
    for s in items:
        click.echo(f"  #{s['id']:<5} photo {s['copy_id']} looks like photo {s['original_id']}: {s['reason']['text']}"
                   f" ({reasons.confidence_words(s['confidence'])})")
    if for_posters:
        click.echo(f"{len(for_posters)} photo{'s' if len(for_posters) != 1 else ''} suggested for posters")
    for row in for_posters:
        poster = row["poster"]
        click.echo(f"  photo {row['photo']['id']} may show poster {poster['id']} ({poster['slug']}):"
                   f" another shot of photo {row['matched_photo_id']}")


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


@dedup_group.command("clusters")
@click.option("--json", "as_json", is_flag=True, help="Print the clusters as JSON (as GET /api/review/clusters).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="How many clusters to show.")
@pass_archive
def clusters_command(archive, as_json, limit):
    """Show the open clusters: groups of photos the matcher linked, each to be
    decided in one go, the surest first, with what the archive proposes.

    \b
    Example:
        python manage_archive.py --data media dedup clusters
    """
    db = archive.db
    found = clusters.open_clusters(db)
    if as_json:
        _echo_json(shapes.clusters(found[:limit], duplicates.open_count(db), len(clusters.plain_copies(db))))
        return
    if not found:
        click.echo("Nothing to review.")
        return
    click.echo(f"{len(found)} cluster{'s' if len(found) != 1 else ''} to review")
    for cluster in found[:limit]:
        _print_cluster(clusters.proposal(db, cluster))


def _print_cluster(cluster):
    click.echo(f"\ncluster {cluster.key}: {cluster.size} photos, "
               f"{reasons.confidence_words(cluster.confidence)}; primary {cluster.primary}")
    for member in cluster.members:
        if member.photo_id == cluster.primary:
            click.echo(f"  * {member.photo_id:>6}  primary")
            continue
        against = f" (against photo {member.like})" if member.like else ""
        reason = member.reason.text if member.reason else "linked through the others"
        click.echo(f"    {member.photo_id:>6}  {MARK_WORDS[member.mark]:<22} {reason}{against}")


MARK_WORDS = {"same": "same photograph", "other": "other shot", "unrelated": "not related"}


@dedup_group.command("cluster")
@click.argument("photo_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--json", "as_json", is_flag=True, help="Print the cluster as JSON (as GET /api/review/clusters/ID).")
@base_url_option
@pass_archive
def cluster_command(archive, photo_id, as_json, base_url):
    """Show the open cluster holding a photo: its photos, the proposed
    primary, and for each photo the proposed mark and why it was linked.

    \b
    Example:
        python manage_archive.py --data media dedup cluster 14
    """
    cluster = clusters.cluster_of(archive.db, photo_id)
    if cluster is None:
        raise click.ClickException(f"no open cluster holds photo {photo_id}")
    clusters.proposal(archive.db, cluster)
    if as_json:
        rows = {r["id"]: r for r in photos.get_photos(archive.db, cluster.photo_ids)}
        _echo_json(shapes.cluster(cluster, rows, Links(base_url)))
        return
    _print_cluster(cluster)


def _ids(value):
    if not value:
        return []
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of photo ids") from None


@dedup_group.command("decide-cluster")
@click.argument("photo_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--primary", "primary_id", type=int, default=None,
              help="The photo to keep (default: the proposed primary, the best copy).")
@click.option("--same", default="", metavar="IDS", help="Photos that are the same photograph, e.g. 15,16.")
@click.option("--other", default="", metavar="IDS", help="Photos that are other shots of the same subject.")
@click.option("--unrelated", default="", metavar="IDS", help="Photos that have nothing to do with the rest.")
@click.option("--by", "who", default="", help="Who decides (recorded with every decision).")
@click.option("--json", "as_json", is_flag=True, help="Print the batch of decisions as JSON.")
@pass_archive
def decide_cluster_command(archive, photo_id, primary_id, same, other, unrelated, who, as_json):
    """Decide the whole cluster holding a photo in one go. Photos not named
    keep the archive's proposal (see `dedup cluster`). The decisions are
    recorded pair by pair, as one batch that `dedup undo-batch` undoes.

    \b
    Example:
        python manage_archive.py --data media dedup decide-cluster 14 --other 17 --unrelated 18 --by kim
    """
    marks = {}
    for mark, value in (("same", same), ("other", other), ("unrelated", unrelated)):
        for named in _ids(value):
            if marks.setdefault(named, mark) != mark:
                raise click.BadParameter(f"photo {named} is named both {marks[named]} and {mark}")
    try:
        batch = clusters.decide_cluster(archive.db, photo_id, who, primary_id, marks)
    except duplicates.DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(shapes.batch(batch))
        return
    counted = {mark: sum(1 for m in batch["marks"].values() if m == mark) for mark in clusters.MARKS}
    click.echo(f"batch {batch['id']}: {counted['same']} the same photograph (primary {batch['primary_id']}), "
               f"{counted['other']} other shots, {counted['unrelated']} not related; "
               f"{len(batch['decisions'])} pair decisions recorded")
    if batch["left_open"]:
        click.echo(f"{len(batch['left_open'])} suggestions left open: the marks do not answer them")


@dedup_group.command("undo-batch")
@click.argument("batch_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--by", "who", default="", help="Who undoes it (recorded).")
@click.option("--json", "as_json", is_flag=True, help="Print the undone batch as JSON.")
@pass_archive
def undo_batch_command(archive, batch_id, who, as_json):
    """Undo every decision of a batch (a cluster decided at once, or plain
    copies accepted at once); their suggestions return to the queue.

    \b
    Example:
        python manage_archive.py --data media dedup undo-batch 3
    """
    try:
        batch = clusters.undo_batch(archive.db, batch_id, who)
    except duplicates.DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(shapes.batch(batch))
        return
    click.echo(f"batch {batch_id} undone: {len(batch['decisions'])} decisions are open for review again")


@dedup_group.command("accept-plain")
@click.option("--yes", is_flag=True, help="Accept them; without it, only show what would be accepted.")
@click.option("--by", "who", default="", help="Who accepts them (recorded).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the preview (as GET /api/review/plain) or, with --yes, the batch as JSON.")
@base_url_option
@pass_archive
def accept_plain_command(archive, yes, who, as_json, base_url):
    """Accept every plain copy at once: open suggestions that are a resize or
    a recompression of another photo, nothing turned, cropped or recoloured.
    Without --yes it shows them and changes nothing.

    \b
    Example:
        python manage_archive.py --data media dedup accept-plain
        python manage_archive.py --data media dedup accept-plain --yes --by kim
    """
    db = archive.db
    found = clusters.plain_copies(db)
    if not yes:
        if as_json:
            rows = {r["id"]: r for r in photos.get_photos(db, clusters.photo_ids_of(found))}
            _echo_json(shapes.plain_copies(found, rows, Links(base_url)))
            return
        if not found:
            click.echo("No plain copies are waiting.")
            return
        for s in found:
            click.echo(f"  #{s['id']:<5} photo {s['copy_id']} against photo {s['original_id']}: {s['reason']['text']}")
        click.echo(f"{len(found)} plain cop{'y' if len(found) == 1 else 'ies'}; run again with --yes to accept them")
        return
    if not found:
        raise click.ClickException("no plain copies are waiting")
    batch = clusters.accept_plain(db, who, [s["id"] for s in found])
    if as_json:
        _echo_json(shapes.batch(batch))
        return
    click.echo(f"batch {batch['id']}: {len(batch['decisions'])} plain copies accepted as the same photograph")
