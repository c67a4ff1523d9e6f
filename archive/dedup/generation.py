"""The dedup generation number: how every process learns that its in-memory
near-duplicate index is stale.

Merges, deletions and rescans bump it inside the transaction that makes the
change; each index remembers the number it loaded at and reloads when the
stored one has moved on.
"""


def bump_generation(db):
    """Tell every process's index to reload: call after merges, deletions or
    a rescan, inside the transaction that makes the change."""
    db.execute(
        "INSERT INTO dedup_state (key, value) VALUES ('generation', 1)"
        " ON CONFLICT (key) DO UPDATE SET value = value + 1"
    )


def current(db):
    row = db.execute("SELECT value FROM dedup_state WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0
