"""The command line: a root click group over command modules, one per family.

Each module defines its commands or its group; this root adds them. No
module imports the root back, so none depends on the order they load in.
"""

import click

from archive.cli import accounts, dedup, imports, photos, preservation, search, server, transcription
from archive.cli.context import Archive


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


for command in (
    imports.import_command,
    server.serve,
    server.info,
    preservation.verify,
    preservation.purge,
    preservation.backup_command,
    preservation.restore_command,
    preservation.export_command,
    *accounts.COMMANDS,
    *dedup.COMMANDS,
    *search.COMMANDS,
    *transcription.COMMANDS,
    *photos.COMMANDS,
):
    cli.add_command(command)
