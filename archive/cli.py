"""The command line: a thin click group over the archive's functions."""

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import click

from archive import config as archive_config
from archive import db as archive_db
from archive import backup as backup_module
from archive import bulk, fixity, tags
from archive.ingest import Ingester, Provenance
from archive.storage import remove_dead_temp_files


class Archive:
    """What every command needs: the settings and, on first use, the database."""

    def __init__(self, data_dir):
        self.config = archive_config.defaults()
        if data_dir is not None:
            self.config["DATA_DIR"] = Path(data_dir)
        self.config["DATA_DIR"] = self.config["DATA_DIR"].resolve()
        self._db = None

    @property
    def data_dir(self):
        return self.config["DATA_DIR"]

    @property
    def db(self):
        if self._db is None:
            self._db = archive_db.connect(self.data_dir)
        return self._db


pass_archive = click.make_pass_decorator(Archive)


@click.group()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The data directory (default: $ARCHIVE_DATA or ./media).",
)
@click.pass_context
def cli(ctx, data_dir):
    """The backlot poster archive.

    \b
    Example:
        python manage_archive.py --data media import ~/trips/2019 --trip "2019 autumn"
    """
    try:
        ctx.obj = Archive(data_dir)
    except ValueError as exc:  # a bad ARCHIVE_* setting: say which, no traceback
        raise click.ClickException(str(exc)) from None


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--trip", default="", help="The trip these photos come from.")
@click.option("--photographer", default="", help="Who took these photos.")
@click.option("--tag", "tag_specs", multiple=True, metavar="FACET:VALUE",
              help="A tag for every photo, e.g. set:european-street. Repeatable.")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Processes that decode and hash.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per file.")
@pass_archive
def import_command(archive, paths, trip, photographer, tag_specs, workers, dry_run, as_json):
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
        outcomes = bulk.dry_run(ingester, files)
    else:
        outcomes = bulk.import_files(ingester, files, provenance_for, tag_pairs, workers)
    counts = Counter()
    rejected = []
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
                click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
            elif outcome.status == "rejected":
                rejected.append(outcome)
    if not as_json:
        for outcome in rejected:
            click.echo(f"rejected {outcome.path}: {outcome.reason}", err=True)
        first = f"{counts['new']} would be imported" if dry_run else f"{counts['imported']} imported"
        click.echo(
            f"{first}, {counts['duplicate']} duplicates, {counts['rejected']} rejected"
            f" ({len(files)} files)"
            + (f"; {len(found.skipped)} files that are not photos left alone" if found.skipped else "")
        )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--debug", is_flag=True, help="Reload on code changes and show tracebacks.")
@pass_archive
def serve(archive, host, port, debug):
    """Serve the archive's web interface and JSON API (development server).

    \b
    Example:
        python manage_archive.py --data media serve --port 8000
    """
    from archive import create_app

    from archive.cli_auth import first_admin_link

    app = create_app({"DATA_DIR": archive.data_dir})
    click.echo(f"Serving the archive in {archive.data_dir} at http://{host}:{port}/")
    link = first_admin_link(archive.db, f"http://{host}:{port}")
    if link:
        click.echo(f"No admin yet. Create the first one at this one-time link (valid 1 hour):\n  {link}")
    app.run(host=host, port=port, debug=debug)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@pass_archive
def info(archive, as_json):
    """Show where the archive lives and what it holds.

    \b
    Example:
        python manage_archive.py --data media info
    """
    db = archive.db
    row = db.execute("SELECT count(*), coalesce(sum(file_size), 0) FROM photos").fetchone()
    facts = {
        "data_dir": str(archive.data_dir.resolve()),
        "database": str((archive.data_dir / archive_db.DB_FILENAME).resolve()),
        "photos": row[0],
        "originals_bytes": row[1],
        "tags": db.execute("SELECT count(*) FROM tags").fetchone()[0],
        "migrations": [m.name for m in archive_db.migrations.applied(db)],
    }
    if as_json:
        click.echo(json.dumps(facts, ensure_ascii=False))
        return
    for key, value in facts.items():
        if isinstance(value, list):
            value = ", ".join(value)
        click.echo(f"{key.replace('_', ' ')}: {value}")


@cli.command()
@click.option("--repair", is_flag=True,
              help="Rebuild derivatives; move orphan files to quarantine/ (originals are never deleted).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_archive
def verify(archive, repair, as_json):
    """Check fixity: re-hash every original, check derivatives and the database,
    find orphan files and rows whose files are missing.

    Exits with status 1 when anything is wrong (after --repair: when anything
    could not be mended).

    \b
    Example:
        python manage_archive.py --data media verify --repair
    """
    total = archive.db.execute("SELECT count(*) FROM photos").fetchone()[0]
    with click.progressbar(length=total, label="Verifying", file=sys.stderr,
                           hidden=as_json or not sys.stderr.isatty()) as bar:
        report = fixity.verify(archive.db, archive.data_dir, progress=lambda: bar.update(1))
    if repair:
        fixity.repair(archive.db, archive.data_dir, report, archive.config["MAX_IMAGE_PIXELS"])
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            mark = "repaired" if problem.repaired else "PROBLEM"
            where = f" (photo {problem.photo_id})" if problem.photo_id else ""
            click.echo(f"{mark}: {problem.kind}{where}: {problem.detail}" +
                       (f" [{problem.path}]" if problem.path else ""))
        click.echo(f"{report.photos} photos, {report.originals_checked} originals re-hashed, "
                   f"{len(report.problems)} problems, "
                   f"{sum(not p.repaired for p in report.problems)} left")
    sys.exit(0 if report.ok else 1)


@cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--link", is_flag=True,
              help="Hard-link originals instead of copying them (same disk only).")
@pass_archive
def backup_command(archive, dest, link):
    """Back up the archive while it runs: a consistent copy of the database and
    the originals. Later runs into the same DEST copy only new originals.

    \b
    Example:
        python manage_archive.py --data media backup /mnt/backup/archive
    """
    with click.progressbar(length=_count_files(archive.data_dir / "originals"), label="Backing up",
                           file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        try:
            result = backup_module.backup(archive.data_dir, dest, link=link, progress=lambda: bar.update(1))
        except backup_module.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {result['photos']} photos to {dest}: {result['copied']} originals copied, "
               f"{result['linked']} linked, {result['already_there']} already there")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@pass_archive
def restore_command(archive, source):
    """Restore a backup into the data directory, which must hold no archive yet.
    Derivatives are rebuilt; the result passes verify.

    \b
    Example:
        python manage_archive.py --data media-restored restore /mnt/backup/archive
    """
    try:
        result = backup_module.restore(source, archive.data_dir)
    except backup_module.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    report = fixity.verify(archive.db, archive.data_dir)
    fixity.repair(archive.db, archive.data_dir, report, archive.config["MAX_IMAGE_PIXELS"])
    left = [p for p in report.problems if not p.repaired]
    click.echo(f"restored {result['photos']} photos into {archive.data_dir}")
    if left:
        for problem in left:
            click.echo(f"PROBLEM: {problem.kind}: {problem.detail}", err=True)
        sys.exit(1)


def _count_files(folder):
    return sum(len(names) for _, _, names in os.walk(folder))


def _parse_ids(text):
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of photo ids like 3,5,8", param_hint="--ids") from None
    if not ids or min(ids) < 1:
        raise click.BadParameter("give one or more photo ids like 3,5,8", param_hint="--ids")
    return ids


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["bagit", "csv", "json"]), required=True,
              help="bagit: a folder with the originals, metadata and checksums; "
                   "csv or json: the metadata only.")
@click.argument("dest", type=click.Path())
@click.argument("query", required=False)
@click.option("--ids", default=None, metavar="ID,ID,...", help="Only these photos, e.g. 3,5,8.")
@click.option("--public-only", is_flag=True, help="Leave out private photos (and exact GPS).")
@pass_archive
def export_command(archive, fmt, dest, query, ids, public_only):
    """Export photos with their metadata to DEST: all photos, those a search
    QUERY finds (the gallery's query language), or --ids.

    For bagit, DEST is a new folder that becomes a BagIt bag: data/photos/NNNNNN/
    holds each original with metadata.json and metadata.csv, data/photos.csv and
    data/photos.json index them, and SHA-256/SHA-512 manifests cover every file.
    For csv and json, DEST is a file, or - for standard output.

    \b
    Examples:
        python manage_archive.py export --format bagit ~/bags/backlot-2019
        python manage_archive.py export --format bagit ~/bags/seven-year-itch 'film:"the seven year itch"'
        python manage_archive.py export --format csv photos.csv --ids 3,5,8
        python manage_archive.py export --format json - --public-only
    """
    from archive import export

    if query and ids is not None:
        raise click.UsageError("choose photos by QUERY or by --ids, not both")
    selected = _parse_ids(ids) if ids is not None else None
    if query:
        from archive import search

        try:
            selected = [int(i) for i in search.search_ids(archive.db, query, sort="oldest",
                                                          include_private=not public_only)]
        except search.QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="QUERY") from None
    if fmt != "bagit" and dest != "-" and Path(dest).is_dir():
        raise click.BadParameter(f"{dest} is a folder; give a file name or -", param_hint="DEST")
    try:
        photos = export.select_photos(archive.db, selected, include_private=not public_only)
        if fmt == "bagit":
            export.export_bagit(photos, archive.data_dir, dest)
            click.echo(f"Wrote a bag of {len(photos)} photos to {dest}", err=True)
            return
    except export.ExportError as exc:
        raise click.ClickException(str(exc)) from None
    records = [export.photo_record(p, include_gps=not public_only) for p in photos]
    text = export.to_csv(records) if fmt == "csv" else export.to_json(records) + "\n"
    if dest == "-":
        click.echo(text, nl=False)
        return
    from archive.storage import write_atomically

    write_atomically(dest, lambda out: out.write(text.encode("utf-8")))
    click.echo(f"Wrote {len(records)} photos to {dest}", err=True)


# Accounts, publishing and settings commands register themselves on `cli`.
from archive import cli_auth  # noqa: E402,F401

# Search and vocabulary commands live in their own module.
from archive import cli_search  # noqa: E402  (it needs pass_archive from above)

cli_search.register(cli)

# Commands that live in their own modules register themselves on `cli`.
from archive import cli_dedup  # noqa: E402,F401
