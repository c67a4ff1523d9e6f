#!/usr/bin/env python3
"""The archive's command line; see `python manage_archive.py --help`."""

from archive.cli import cli

if __name__ == "__main__":
    cli()
