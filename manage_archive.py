#!/usr/bin/env python3
"""The archive's command line; see `python manage_archive.py --help`."""

if __name__ == "__main__":
    # Imported here, not at the top: a child process started by "spawn" runs
    # this file again as its main module, and a bounded image child should not
    # pay for loading every command.
    from archive.cli import cli

    cli()
