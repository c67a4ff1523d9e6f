"""The command line: a thin click group over the archive's functions."""

import json
import sys
from pathlib import Path

import click

from archive import config as archive_config
from archive import db as archive_db
from archive import tags
from archive.ingest import Ingester, Provenance, walk


class Archive:
    """What every command needs: the settings and, on first use, the database."""

    def __init__(self, data_dir):
        self.config = archive_config.defaults()
        if data_dir is not None:
            self.config["DATA_DIR"] = Path(data_dir)
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
    ctx.obj = Archive(data_dir)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--trip", default="", help="The trip these photos come from.")
@click.option("--photographer", default="", help="Who took these photos.")
@click.option("--tag", "tag_specs", multiple=True, metavar="FACET:VALUE",
              help="A tag for every photo, e.g. set:european-street. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per file.")
@pass_archive
def import_command(archive, paths, trip, photographer, tag_specs, as_json):
    """Import photos from files and folders (folders recursively).

    Each file is stored once: the same bytes again are reported as a duplicate.
    A file that is not a usable image is rejected with a reason; the rest go on.
    In folders only image files (.jpg .png .webp .tif .heic ...) are taken.

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
    found = walk(paths)
    files = found.files
    counts = {"imported": 0, "duplicate": 0, "rejected": 0}
    rejected = []
    show_bar = not as_json and sys.stderr.isatty()
    with click.progressbar(files, label="Importing", file=sys.stderr, show_pos=True,
                           show_eta=True, hidden=not show_bar,
                           item_show_func=lambda p: p.name if p else None) as bar:
        for path in bar:
            provenance = Provenance(original_filename=path.name, source="cli", trip=trip.strip(),
                                    photographer=photographer.strip())
            outcome = ingester.ingest(path, provenance, tag_pairs)
            counts[outcome.status] += 1
            if as_json:
                click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
            elif outcome.status == "rejected":
                rejected.append(outcome)
    if not as_json:
        for outcome in rejected:
            click.echo(f"rejected {outcome.path}: {outcome.reason}", err=True)
        click.echo(
            f"{counts['imported']} imported, {counts['duplicate']} duplicates, "
            f"{counts['rejected']} rejected ({len(files)} files)"
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

    app = create_app({"DATA_DIR": archive.data_dir})
    click.echo(f"Serving the archive in {archive.data_dir} at http://{host}:{port}/")
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


# Commands that live in their own modules register themselves on `cli`.
from archive import cli_dedup  # noqa: E402,F401
