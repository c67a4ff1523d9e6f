"""Tasks for archive.imaging.bounded's child in the tests: the child is a
fresh interpreter, so what it runs must be importable by name."""

import os

from archive.imaging import bounded


def spin(seconds_allowed):
    """Take a budget of seconds_allowed of CPU, then use far more."""
    bounded.allow(64 * 2**20, seconds_allowed)
    total = 0
    while True:
        total += sum(range(10_000))


def grab(megabytes_allowed, megabytes_wanted):
    """Take a memory budget, then ask for more than it."""
    bounded.allow(megabytes_allowed * 2**20, 10)
    block = bytearray(megabytes_wanted * 2**20)
    return len(block)


def pid():
    return os.getpid()


def refuse(message):
    from archive.imaging.decoding import RejectedImage

    raise RejectedImage(message)
