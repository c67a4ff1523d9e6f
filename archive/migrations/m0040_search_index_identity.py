"""Migration 0040_search_index_identity: a random number that names this database.

The shared search index lives in files beside the database and catches up
from the change log; before it does, it checks that the log is the one it
was built from. A database deleted and made again at the same path starts
its log afresh, so the log's position alone cannot tell them apart.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

import secrets

NAME = "0040_search_index_identity"


def apply(db):
    db.execute("INSERT INTO search_state (key, value) VALUES ('database_id', ?)",
               [secrets.randbits(62)])
