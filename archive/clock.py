"""The archive's one clock: timestamps as ISO 8601 text in UTC, to the second.

Every recorded moment (an upload, a decision, a tag change, a login) goes
through now_iso, so stored times sort as text and compare across tables."""

from datetime import UTC, datetime


def now_iso():
    return datetime.now(UTC).isoformat(timespec="seconds")
