"""What every command is handed: the archive's settings and its database."""

import getpass
import os
from pathlib import Path

import click

from archive import config as archive_config
from archive import db as archive_db


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


DEFAULT_BASE_URL = "http://127.0.0.1:5000"

# For commands that print links (JSON, CSV, a bag's metadata): where the
# archive is served, as the web would say it.
base_url_option = click.option(
    "--base-url", default=lambda: os.environ.get("ARCHIVE_BASE_URL", DEFAULT_BASE_URL),
    show_default="$ARCHIVE_BASE_URL or " + DEFAULT_BASE_URL,
    help="Where the archive is served, for the links in what this prints.")


def _who():
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


# Who made a change, for the tag and edit histories.
by_option = click.option("--by", "username", default=_who, show_default="your login name",
                         help="The name recorded in the history.")
