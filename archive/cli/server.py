"""`serve` and `info`: run the web application, say what the archive holds."""

import json

import click

from archive import create_app
from archive import db as archive_db
from archive.catalogue import photos, tags
from archive.cli.accounts import first_admin_link
from archive.cli.context import pass_archive


@click.command()
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
    app = create_app({"DATA_DIR": archive.data_dir})
    click.echo(f"Serving the archive in {archive.data_dir} at http://{host}:{port}/")
    link = first_admin_link(archive.db, f"http://{host}:{port}")
    if link:
        click.echo(f"No admin yet. Create the first one at this one-time link (valid 1 hour):\n  {link}")
    app.run(host=host, port=port, debug=debug)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@pass_archive
def info(archive, as_json):
    """Show where the archive lives and what it holds.

    \b
    Example:
        python manage_archive.py --data media info
    """
    db = archive.db
    facts = {
        "data_dir": str(archive.data_dir.resolve()),
        "database": str((archive.data_dir / archive_db.DB_FILENAME).resolve()),
        "photos": photos.count(db),
        "originals_bytes": photos.total_bytes(db),
        "tags": tags.count_tags(db),
        "migrations": [m.name for m in archive_db.migrations.applied(db)],
    }
    if as_json:
        click.echo(json.dumps(facts, ensure_ascii=False))
        return
    for key, value in facts.items():
        if isinstance(value, list):
            value = ", ".join(value)
        click.echo(f"{key.replace('_', ' ')}: {value}")
