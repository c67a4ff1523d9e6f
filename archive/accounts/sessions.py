"""Login sessions, kept on the server.

The browser's cookie holds only a random secret; the sessions table holds
its SHA-256, whose account it is, and when it began and was last used. Every
request looks the secret up, so a session ends for good when its row goes:
logging out ends it in every copy of the cookie, a new password or a
disabled account ends all of that account's, and an idle or old session
simply stops being found.
"""

import hashlib
import secrets
import time

from archive.db import write_transaction

MAX_SECRET_LENGTH = 100  # ours are 43 characters; anything longer is not ours


def _hash(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start(db, user_id, now=None):
    """A new session for this account; returns the secret for its cookie."""
    now = time.time() if now is None else now
    secret = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute("INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                   [_hash(secret), user_id, now, now])
    return secret


def end(db, secret):
    """End one session (logging out); an unknown secret is no error."""
    if secret and len(secret) <= MAX_SECRET_LENGTH:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE secret_hash = ?", [_hash(secret)])


def end_all_of(db, user_id):
    """End every session of one account (new password, disabled account)."""
    with write_transaction(db):
        db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])


def user_id_of(db, secret, idle_seconds, max_seconds, touch_seconds=60, now=None):
    """The account id of a live session, or None when there is no such
    session or it has been idle or open too long (and is removed)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    now = time.time() if now is None else now
    secret_hash = _hash(secret)
    row = db.execute("SELECT user_id, created_at, last_seen_at FROM sessions WHERE secret_hash = ?",
                     [secret_hash]).fetchone()
    if row is None:
        return None
    user_id, created_at, last_seen_at = row
    if now - last_seen_at > idle_seconds or now - created_at > max_seconds:
        end(db, secret)
        return None
    if now - last_seen_at > touch_seconds:
        with write_transaction(db):
            db.execute("UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?", [now, secret_hash])
    return user_id


def purge_expired(db, idle_seconds, max_seconds, now=None):
    """Drop the rows of sessions nobody can use any more."""
    now = time.time() if now is None else now
    with write_transaction(db):
        db.execute("DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
                   [now - idle_seconds, now - max_seconds])
