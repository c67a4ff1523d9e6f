"""Where an export or a backup may be written.

An operator's slip (a destination typed as the live database, or an earlier
export's name) must not cost data: a destination inside the data directory
is refused whatever the flags, and one that already exists is refused unless
the operator says --force.
"""

from pathlib import Path


class DestinationError(ValueError):
    """A destination that will not be written, with the reason."""


def check(data_dir, dest, force=False, what="the export"):
    data_dir, dest = Path(data_dir).resolve(), Path(dest).resolve()
    if dest == data_dir or data_dir in dest.parents:
        raise DestinationError(f"{what} must be outside the data directory ({data_dir})")
    if dest.exists() and not force:
        raise DestinationError(f"{dest} already exists; choose a new name, or give --force to replace it")


def is_empty_folder(path):
    path = Path(path)
    return path.is_dir() and not any(path.iterdir())
