"""The schema's history: one frozen module per step, applied in this order.

A step, once released, never changes: a database made today and one made
before a step existed must end with the same schema (tests/test_db.py).
Add a step by adding a module and naming it at the end of STEPS.
"""

import sqlite_utils

from archive.migrations import (
    m0001_initial,
    m0002_dedup,
    m0003_search,
    m0004_auth,
    m0005_standards,
    m0006_display_edge,
    m0020_sessions,
    m0040_search_index_identity,
    m0050_transcription,
    m0060_review_batches,
    m0070_curation,
)

STEPS = (
    m0001_initial,
    m0002_dedup,
    m0003_search,
    m0004_auth,
    m0005_standards,
    m0006_display_edge,
    m0020_sessions,
    m0040_search_index_identity,
    m0050_transcription,
    m0060_review_batches,
    m0070_curation,
)


def registry():
    """The steps as sqlite-utils Migrations, which records what it applied."""
    migrations = sqlite_utils.Migrations("archive")
    for step in STEPS:
        migrations(name=step.NAME)(step.apply)
    return migrations
