"""`verify`, `purge`, `backup`, `restore` and `export`: keeping the archive
safe and taking it elsewhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from archive.catalogue import photos
from archive.cli.context import base_url_option, pass_archive
from archive.contract.links import Links
from archive.preservation import backup as backup_module
from archive.preservation import destination, export, fixity, replication
from archive.search import engine as search
from archive.storage import StorageError, open_storage, write_atomically

FORCE_HELP = "Replace an existing destination (never one inside the data directory)."


@click.command()
@click.option("--repair", is_flag=True,
              help="Rebuild derivatives; move orphan files to quarantine/; purge the trash of originals "
                   "deleted longer ago than ARCHIVE_TRASH_DAYS (originals of photos are never deleted).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--resume", is_flag=True,
              help="Go on from where an interrupted verify stopped instead of starting again.")
@pass_archive
def verify(archive, repair, as_json, resume):
    """Check fixity: re-hash every original (streamed from the object store
    when the archive keeps its files in one), check derivatives and the
    database, find orphan files and rows whose files are missing.

    Exits with status 1 when anything is wrong (after --repair: when anything
    could not be mended). Temp files left by a writer that died (an import
    killed half way), and its unfinished uploads to an object store, are
    garbage, not damage: they are swept away. A verify stopped half way
    (Ctrl-C, a reboot) keeps its progress; --resume goes on from there.

    \b
    Example:
        python manage_archive.py --data media verify --repair
    """
    total = photos.count(archive.db)
    with click.progressbar(length=total, label="Verifying", file=sys.stderr,
                           hidden=as_json or not sys.stderr.isatty()) as bar:
        report = fixity.verify(archive.db, archive.data_dir, progress=lambda: bar.update(1), resume=resume)
    if repair:
        fixity.repair(archive.db, archive.data_dir, report, archive.config["MAX_IMAGE_PIXELS"],
                      trash_seconds=archive.config["TRASH_DAYS"] * 86400)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            mark = "repaired" if problem.repaired else "PROBLEM"
            where = f" (photo {problem.photo_id})" if problem.photo_id else ""
            click.echo(f"{mark}: {problem.kind}{where}: {problem.detail}" +
                       (f" [{problem.path}]" if problem.path else ""))
        if report.resumed_after is not None:
            click.echo(f"resumed after photo {report.resumed_after}")
        if report.swept_temp_files:
            click.echo(f"swept {report.swept_temp_files} temp file(s) left by writers that died")
        if report.trash_purged:
            click.echo(f"purged {report.trash_purged} deleted original(s) from the trash")
        click.echo(f"{report.photos} photos, {report.originals_checked} originals re-hashed, "
                   f"{len(report.problems)} problems, "
                   f"{sum(not p.repaired for p in report.problems)} left")
    sys.exit(0 if report.ok else 1)


@click.command()
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Purge originals deleted more than this many days ago "
                   "(default: ARCHIVE_TRASH_DAYS; 0 empties the trash).")
@pass_archive
def purge(archive, days):
    """Empty the trash: deleting a photo keeps its original in trash/ for a
    while (ARCHIVE_TRASH_DAYS), so that a backup running at the same moment
    still finds it; this removes those past that age for good.

    \b
    Example:
        python manage_archive.py purge --days 0
    """
    days = archive.config["TRASH_DAYS"] if days is None else days
    removed, freed = open_storage(archive.data_dir).purge_trash(days * 86400)
    click.echo(f"purged {removed} deleted original(s) older than {days} day(s), {freed / 1e6:.1f} MB freed")


@click.command("backup")
@click.argument("dest")
@click.option("--link", is_flag=True,
              help="Hard-link originals instead of copying them (same disk only).")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_archive
def backup_command(archive, dest, link, force):
    """Back up the archive while it runs: a consistent copy of the database and
    the originals it names. Later runs into the same DEST copy only new
    originals. DEST is a folder or s3://BUCKET/PREFIX in an object store
    (ARCHIVE_S3_ENDPOINT_URL and boto3's credentials), whichever kind of
    storage the archive itself uses. DEST must be new, empty, or an earlier
    backup (else --force), and outside the data directory.

    Every original the copied database names is then checked in DEST by its
    SHA-256; if any is missing or damaged the command exits with status 1
    and the last good backup in DEST stays as it was.

    \b
    Example:
        python manage_archive.py --data media backup /mnt/backup/archive
        python manage_archive.py --data media backup s3://archive-backups/nightly
    """
    photos = archive.db.execute("SELECT count(*) FROM photos").fetchone()[0]
    with click.progressbar(length=photos, label="Backing up",
                           file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        try:
            result = backup_module.backup(archive.data_dir, dest, link=link, force=force,
                                          progress=lambda: bar.update(1))
        except (backup_module.BackupError, destination.DestinationError, StorageError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {result['photos']} photos to {dest}: {result['copied']} originals copied, "
               f"{result['linked']} linked, {result['already_there']} already there; "
               f"all {result['originals_checked']} checked by SHA-256")


@click.command("restore")
@click.argument("source")
@click.option("--force", is_flag=True,
              help="Restore into a data directory that is not empty: its database is replaced "
                   "by the backup's (stop the server first); originals are only added.")
@pass_archive
def restore_command(archive, source, force):
    """Restore a backup (a folder or s3://BUCKET/PREFIX) into the data
    directory, which must be new or empty (else --force); the originals go
    to the archive's storage (ARCHIVE_STORAGE: the data directory or an
    object store). Derivatives are rebuilt; the result passes verify.

    \b
    Examples:
        python manage_archive.py --data media-restored restore /mnt/backup/archive
        ARCHIVE_STORAGE=s3://archive/live python manage_archive.py --data media restore /mnt/backup/archive
    """
    try:
        result = backup_module.restore(source, archive.data_dir, force=force)
    except (backup_module.BackupError, destination.DestinationError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    report = fixity.verify(archive.db, archive.data_dir)
    fixity.repair(archive.db, archive.data_dir, report, archive.config["MAX_IMAGE_PIXELS"])
    left = [p for p in report.problems if not p.repaired]
    click.echo(f"restored {result['photos']} photos into {archive.data_dir}")
    if left:
        for problem in left:
            click.echo(f"PROBLEM: {problem.kind}: {problem.detail}", err=True)
        sys.exit(1)


@click.command("replicate")
@click.option("--to", "replica", default=None, metavar="s3://BUCKET/PREFIX",
              help="Where the database goes (default: $ARCHIVE_REPLICA, or litestream/ under ARCHIVE_STORAGE).")
@click.option("--sync-interval", default="1s", show_default=True,
              help="How often Litestream sends new changes: at most this much is lost with the machine.")
@click.option("--print-config", is_flag=True, help="Print Litestream's configuration and stop.")
@click.option("--restore", is_flag=True,
              help="Bring the database back from the replica into an empty data directory, then stop.")
@pass_archive
def replicate(archive, replica, sync_interval, print_config, restore):
    """Replicate the database continuously to an object store with Litestream
    (it runs in the foreground until stopped: run it as a service beside the
    server), or --restore it from there onto a new machine.

    The configuration is written to DATA/litestream.yml; credentials come
    from the environment as for boto3 (AWS_ACCESS_KEY_ID, ...), and
    ARCHIVE_S3_ENDPOINT_URL names a MinIO or Ceph server. See docs/deploy.md.

    \b
    Examples:
        python manage_archive.py --data media replicate --to s3://archive/db
        python manage_archive.py --data media replicate --to s3://archive/db --restore
        python manage_archive.py --data media verify
    """
    try:
        location = replication.replica_location(replica)
        if print_config:
            click.echo(replication.config_text(archive.data_dir, location, sync_interval), nl=False)
            return
        database = archive.data_dir / "archive.db"
        if restore:
            if database.exists():
                raise click.ClickException(f"{database} exists; restore into a data directory without a database")
            config_path = replication.write_config(archive.data_dir, location, sync_interval)
            result = subprocess.run(replication.restore_command(archive.data_dir, config_path))
            if result.returncode != 0 or not database.exists():
                raise click.ClickException(f"litestream could not restore the database from {location}")
            click.echo(f"restored the database from {location}; run verify to check the archive")
            return
        archive.db  # noqa: B018 (made and migrated, in WAL mode, before Litestream follows it)
        config_path = replication.write_config(archive.data_dir, location, sync_interval)
        command = replication.replicate_command(config_path)
    except replication.ReplicationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"replicating {database} to {location} every {sync_interval} (Ctrl-C stops)", err=True)
    sys.stdout.flush()
    os.execv(command[0], command)


def _parse_ids(text):
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of photo ids like 3,5,8", param_hint="--ids") from None
    if not ids or min(ids) < 1:
        raise click.BadParameter("give one or more photo ids like 3,5,8", param_hint="--ids")
    return ids


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["bagit", "csv", "json"]), required=True,
              help="bagit: a folder with the originals, metadata and checksums; "
                   "csv or json: the metadata only.")
@click.argument("dest", type=click.Path())
@click.argument("query", required=False)
@click.option("--ids", default=None, metavar="ID,ID,...", help="Only these photos, e.g. 3,5,8.")
@click.option("--public-only", is_flag=True,
              help="Leave out private photos, exact GPS and archivists' login names.")
@click.option("--force", is_flag=True, help=FORCE_HELP + " A bag replaces only an earlier bag.")
@base_url_option
@pass_archive
def export_command(archive, fmt, dest, query, ids, public_only, force, base_url):
    """Export photos with their metadata to DEST: all photos, those a search
    QUERY finds (the gallery's query language), or --ids.

    For bagit, DEST is a new folder that becomes a BagIt bag: data/photos/NNNNNN/
    holds each original with metadata.json and metadata.csv, data/photos.csv and
    data/photos.json index them, and SHA-256/SHA-512 manifests cover every file.
    For csv and json, DEST is a file, or - for standard output. An existing
    DEST is refused unless --force, and one inside the data directory always.

    \b
    Examples:
        python manage_archive.py export --format bagit ~/bags/backlot-2019
        python manage_archive.py export --format bagit ~/bags/seven-year-itch 'film:"the seven year itch"'
        python manage_archive.py export --format csv photos.csv --ids 3,5,8
        python manage_archive.py export --format json - --public-only
    """
    if query and ids is not None:
        raise click.UsageError("choose photos by QUERY or by --ids, not both")
    selected = _parse_ids(ids) if ids is not None else None
    if query:
        try:
            selected = [int(i) for i in search.search_ids(archive.db, query, sort="oldest",
                                                          include_private=not public_only)]
        except search.QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="QUERY") from None
    if fmt != "bagit" and dest != "-":
        if Path(dest).is_dir():
            raise click.BadParameter(f"{dest} is a folder; give a file name or -", param_hint="DEST")
        try:
            destination.check(archive.data_dir, dest, force)
        except destination.DestinationError as exc:
            raise click.ClickException(str(exc)) from None
    links, private = Links(base_url), not public_only
    try:
        chosen = export.select_ids(archive.db, selected, include_private=private)
        if fmt == "bagit":
            rows = photos.get_photos(archive.db, chosen)
            export.export_bagit(rows, archive.data_dir, dest, links, force=force, include_gps=private,
                                poster_records=export.posters_of(archive.db, rows, links, include_private=private))
            click.echo(f"Wrote a bag of {len(chosen)} photos to {dest}", err=True)
            return
    except export.ExportError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        text = "".join(export.csv_chunks(archive.db, chosen, links, include_gps=private))
    else:
        rows = photos.get_photos(archive.db, chosen)
        text = export.to_json([export.photo_record(row, include_gps=private) for row in rows]) + "\n"
    if dest == "-":
        click.echo(text, nl=False)
        return
    write_atomically(dest, lambda out: out.write(text.encode("utf-8")))
    click.echo(f"Wrote {len(chosen)} photos to {dest}", err=True)
