"""The command line: a root click group over command modules, one per family.

Each module defines its commands or its group; this root names them in
COMMANDS and imports a module only when one of its commands runs. No
module imports the root back, so none depends on the order they load in.
"""

import importlib

import click

from archive.cli.context import Archive

# Each command and the module:attribute that defines it. A command's module
# is imported only when that command runs (or --help lists them all), so
# `import` does not load the JSON contract, nor `users list` the image stack.
COMMANDS = {
    "backup": "preservation:backup_command",
    "dedup": "dedup:dedup_group",
    "delete": "accounts:delete",
    "duplicates": "dedup:duplicates_command",
    "export": "preservation:export_command",
    "import": "imports:import_command",
    "info": "server:info",
    "photos": "photos:photos_group",
    "posters": "posters:posters_group",
    "publish": "accounts:publish",
    "purge": "preservation:purge",
    "replicate": "preservation:replicate",
    "restore": "preservation:restore_command",
    "search": "search:search_group",
    "serve": "server:serve",
    "settings": "accounts:settings_group",
    "tags": "search:tags_group",
    "transcribe": "transcription:transcribe_command",
    "unpublish": "accounts:unpublish",
    "users": "accounts:users",
    "verify": "preservation:verify",
    "worker": "transcription:worker_command",
}


class LazyGroup(click.Group):
    """A group whose commands are imported from COMMANDS when asked for."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"archive.cli.{module}"), attribute)

    def invoke(self, ctx):
        from archive.storage import unavailable_errors

        try:
            return super().invoke(ctx)
        except unavailable_errors() as exc:
            # Said in one line, as the web says it with a 503: the operator
            # needs the store's answer, not a traceback through botocore.
            raise click.ClickException(f"the archive's storage is not answering: {exc}") from None


@click.group(cls=LazyGroup)
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
