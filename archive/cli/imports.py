"""`import`: photos from files and folders, through the one ingest pipeline."""

import os
import sys
import time
from collections import Counter
from pathlib import Path

import click

from archive.catalogue import tags
from archive.cli.context import base_url_option, pass_archive
from archive.contract import shapes as contract
from archive.contract import uploads
from archive.contract.links import Links
from archive.ingest import bulk
from archive.ingest.pipeline import Ingester, Provenance
from archive.storage import remove_dead_temp_files


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--trip", default="", help="The trip these photos come from.")
@click.option("--photographer", default="", help="Who took these photos.")
@click.option("--tag", "tag_specs", multiple=True, metavar="FACET:VALUE",
              help="A tag for every photo, e.g. set:european-street. Repeatable.")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Processes that decode and hash.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per file.")
@base_url_option
@pass_archive
def import_command(archive, paths, trip, photographer, tag_specs, workers, dry_run, as_json, base_url):
    """Import photos from files and folders (folders recursively).

    Each file is stored once: the same bytes again are reported as a duplicate.
    A file that is not a usable image is rejected with a reason; the rest go on.
    In folders only image files (.jpg .png .webp .tif .heic ...) are taken.
    An interrupted import can be run again: it finishes what was left.

    \b
    Example:
        python manage_archive.py import ~/trips/2019-autumn --trip "2019 autumn" \\
            --photographer "Kim" --tag set:european-street
    """
    try:
        tag_pairs = tags.check_tag_specs(archive.db, tag_specs)
    except tags.UnknownTag as exc:
        raise click.BadParameter(str(exc), param_hint="--tag") from None
    ingester = Ingester.from_config(archive.db, archive.config)
    if not dry_run:
        # What an import killed mid-write left behind; its rows never committed.
        remove_dead_temp_files(archive.data_dir)
    found = bulk.walk(paths)
    files = found.files

    def provenance_for(path):
        return Provenance(original_filename=Path(path).name, source="cli",
                          trip=trip.strip(), photographer=photographer.strip())

    if dry_run:
        outcomes = bulk.dry_run(ingester, files, workers)
    else:
        outcomes = bulk.import_files(ingester, files, provenance_for, tag_pairs, workers)
    counts = Counter()
    rejected, matched = [], []
    show_bar = not as_json and sys.stderr.isatty()
    with click.progressbar(length=len(files), label="Importing", file=sys.stderr,
                           show_pos=True, show_eta=True, show_percent=True,
                           hidden=not show_bar) as bar:
        started = time.monotonic()
        for outcome in outcomes:
            counts[outcome.status] += 1
            bar.label = f"Importing ({sum(counts.values()) / max(time.monotonic() - started, 1e-3):.1f} files/s)"
            bar.update(1)
            if as_json:
                click.echo(contract.to_json(uploads.outcome(outcome)))
            elif outcome.status == "rejected":
                rejected.append(outcome)
            if outcome.matches and outcome.status in ("imported", "new"):
                matched.append(outcome)
    if not as_json:
        for outcome in rejected:
            click.echo(f"rejected {outcome.path}: {outcome.reason}", err=True)
        first = f"{counts['new']} would be imported" if dry_run else f"{counts['imported']} imported"
        click.echo(
            f"{first}, {counts['duplicate']} duplicates, {counts['rejected']} rejected"
            f" ({len(files)} files)"
            + (f"; {len(found.skipped)} files that are not photos left alone" if found.skipped else "")
        )
        report_suggestions(matched, dry_run, Links(base_url))


# Matches named one by one in the summary; the rest are counted.
NAMED_MATCHES = 20


def report_suggestions(matched, dry_run, links):
    """The suggestions the run made (or would make), named, and where to review them."""
    lines = []
    for outcome in matched:
        who = Path(outcome.path).name + (f" (photo {outcome.photo_id})" if outcome.photo_id else "")
        for match in outcome.matches:
            like = f"photo {match['photo_id']}" if match["photo_id"] else f"{Path(match['path']).name} (in this run)"
            lines.append(f"  {who} looks like {like}: {match['reason']}")
    if not lines:
        return
    noun = "suggestion" if len(lines) == 1 else "suggestions"
    click.echo(f"would make {len(lines)} {noun} for review:" if dry_run else f"{len(lines)} new {noun} for review:")
    for line in lines[:NAMED_MATCHES]:
        click.echo(line)
    if len(lines) > NAMED_MATCHES:
        click.echo(f"  and {len(lines) - NAMED_MATCHES} more")
    if not dry_run:
        click.echo(f"Review them at {links.review()}")
