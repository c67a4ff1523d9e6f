"""Accounts, roles, passwords, login throttling and the first admin's link.

Plain functions over the database; the web and the CLI both call them.
Visitors have no account: an account is an archivist or an admin, and an
admin may do everything an archivist may.
"""

import contextlib
import functools
import hashlib
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass

from archive.accounts import sessions
from archive.clock import now_iso
from archive.db import write_transaction

ROLES = ("archivist", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # scrypt hashes any length; this bounds the work
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

# Login throttling. The counts live in SQLite, so every server process sees
# the same numbers (a per-process memory counter would give an attacker a
# fresh allowance per worker). One person mistyping is held back by the first
# limit; someone trying one password against many names by the second.
FAILURE_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USER_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 30

# scrypt takes about 32 MB and a tenth of a second of one core per password.
# A process checks or hashes at most this many at once; a login that cannot
# get a turn within HASHING_WAIT_SECONDS is told to come back, so a crowd of
# logins queues on a semaphore instead of filling the memory.
MAX_CONCURRENT_HASHES = 2
HASHING_WAIT_SECONDS = 5

# Sessions: an idle one ends after this long, any one after the second.
SESSION_IDLE_SECONDS = 2 * 60 * 60
SESSION_MAX_SECONDS = 24 * 60 * 60
# A session's last-seen time is written at most this often, so a busy
# archivist's page views are not each a database write.
SESSION_TOUCH_SECONDS = 60

SETUP_TOKEN_SECONDS = 60 * 60

# Checked against when the name is unknown, so a wrong name costs as much
# time as a wrong password and does not reveal which names exist.
@functools.cache
def _dummy_hash():
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not a password of anyone's", method="scrypt")


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for the person."""


class Busy(AccountError):
    """Too many passwords are being checked in this process right now."""

    retry_after = HASHING_WAIT_SECONDS

    def __init__(self):
        super().__init__("the archive is busy checking other logins; try again in a few seconds")


_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


@contextlib.contextmanager
def _hashing_turn():
    if not _hashing.acquire(timeout=HASHING_WAIT_SECONDS):
        raise Busy()
    try:
        yield
    finally:
        _hashing.release()


@dataclass
class User:
    id: int
    username: str
    role: str
    disabled: bool
    created_at: str
    last_login_at: str | None

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_archivist(self):
        return self.role in ROLES  # an admin is an archivist too

    def to_json(self):
        return {"id": self.id, "username": self.username, "role": self.role,
                "disabled": self.disabled, "created_at": self.created_at,
                "last_login_at": self.last_login_at}


def _user(row):
    if row is None:
        return None
    return User(id=row["id"], username=row["username"], role=row["role"],
                disabled=bool(row["disabled"]), created_at=row["created_at"], last_login_at=row["last_login_at"])


def _one(db, sql, params):
    return next(iter(db.query(sql, params)), None)


def normalise_username(username):
    return unicodedata.normalize("NFKC", username or "").strip().lower()


def check_username(username):
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError(
            "a username is 2-40 characters: letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
    return password


def check_role(role):
    if role not in ROLES:
        raise AccountError(f"the role must be one of: {', '.join(ROLES)}")
    return role


def hash_password(password):
    # werkzeug is imported where a password is hashed or checked, not when
    # the command line starts: loading it takes a twentieth of a second.
    from werkzeug.security import generate_password_hash

    check_password(password)
    with _hashing_turn():
        return generate_password_hash(password, method="scrypt")


SQLITE_MAX_INTEGER = 2**63 - 1


def get_user(db, user_id):
    """The user with this id, or None; an id SQLite cannot hold names nobody."""
    if not 0 < user_id <= SQLITE_MAX_INTEGER:
        return None
    return _user(_one(db, "SELECT * FROM users WHERE id = ?", [user_id]))


def find_user(db, username):
    return _user(_one(db, "SELECT * FROM users WHERE username = ?", [normalise_username(username)]))


def require_user(db, username):
    user = find_user(db, username)
    if user is None:
        raise AccountError(f"no user named {normalise_username(username)!r}")
    return user


def list_users(db):
    return [_user(row) for row in db.query("SELECT * FROM users ORDER BY username")]


def add_user(db, username, password, role="archivist"):
    name = check_username(username)
    check_role(role)
    password_hash = hash_password(password)
    with write_transaction(db):
        if find_user(db, name) is not None:
            raise AccountError(f"there is already a user named {name!r}")
        user_id = db["users"].insert({
            "username": name, "password_hash": password_hash, "role": role, "disabled": 0,
            "created_at": now_iso(),
        }).last_pk
    return get_user(db, user_id)


def set_password(db, username, password):
    """A new password; every session of the old one ends."""
    password_hash = hash_password(password)
    user = require_user(db, username)
    with write_transaction(db):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user.id])
        end_sessions_of(db, user.id)
    return get_user(db, user.id)


def set_disabled(db, username, disabled=True):
    """Disable (or enable) an account; disabling ends its sessions. The last
    working admin cannot be disabled, or nobody could manage the archive."""
    user = require_user(db, username)
    with write_transaction(db):
        if disabled and user.is_admin and _other_active_admins(db, user.id) == 0:
            raise AccountError(f"{user.username!r} is the only admin left; make another admin first")
        db.execute("UPDATE users SET disabled = ? WHERE id = ?", [int(disabled), user.id])
        end_sessions_of(db, user.id)
    return get_user(db, user.id)


def set_role(db, username, role):
    check_role(role)
    user = require_user(db, username)
    with write_transaction(db):
        if user.is_admin and role != "admin" and _other_active_admins(db, user.id) == 0:
            raise AccountError(f"{user.username!r} is the only admin left; make another admin first")
        db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user.id])
    return get_user(db, user.id)


def _other_active_admins(db, user_id):
    return db.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?", [user_id]
    ).fetchone()[0]


def admin_exists(db):
    return db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0").fetchone()[0] > 0


# -- logging in ---------------------------------------------------------------


class TooManyAttempts(AccountError):
    def __init__(self, retry_after):
        self.retry_after = max(1, int(retry_after))
        minutes = max(1, round(self.retry_after / 60))
        super().__init__(
            f"too many failed logins; try again in {minutes} minute{'s' if minutes != 1 else ''}"
        )


def _keys(username, address):
    return (f"user:{normalise_username(username)}|{address}", f"address:{address}")


def check_throttle(db, username, address, now=None):
    """Raise TooManyAttempts while this name from this address (or this
    address at all) has failed too often within the window."""
    now = time.time() if now is None else now
    since = now - FAILURE_WINDOW_SECONDS
    for key, limit in zip(_keys(username, address),
                          (MAX_FAILURES_PER_USER_AND_ADDRESS, MAX_FAILURES_PER_ADDRESS)):
        times = [row[0] for row in db.execute(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
            [key, since, limit])]
        if len(times) >= limit:
            # Free again when the oldest of the last `limit` failures leaves the window.
            raise TooManyAttempts(times[-1] + FAILURE_WINDOW_SECONDS - now)


def claim_attempt(db, username, address, now=None):
    """Count an attempt as a failure before its password is checked; returns
    the rows to take back if it turns out right.

    The check and the count are one write transaction, so however many
    logins arrive at once, in however many processes, no more than the limit
    get as far as a password check."""
    now = time.time() if now is None else now
    with write_transaction(db):
        check_throttle(db, username, address, now)
        rows = [db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [key, now]).lastrowid
                for key in _keys(username, address)]
        # Old rows are no use to anyone; dropping them keeps the table small.
        db.execute("DELETE FROM login_failures WHERE at <= ?", [now - FAILURE_WINDOW_SECONDS])
    return rows


def authenticate(db, username, password, address, now=None):
    """The user whose name and password these are, else AccountError.

    Throttled per name and address, and per address; the password is not even
    checked while a limit holds, so guessing cannot go on in the meantime.
    Raises Busy when this process is checking as many passwords as it may."""
    from werkzeug.security import check_password_hash

    check_throttle(db, username, address, now)  # a refusal costs no turn at hashing
    row = _one(db, "SELECT * FROM users WHERE username = ?", [normalise_username(username)])
    password = (password or "")[:MAX_PASSWORD_LENGTH]
    with _hashing_turn():
        attempt = claim_attempt(db, username, address, now)
        valid = check_password_hash(row["password_hash"] if row else _dummy_hash(), password)
    if not valid or row is None or row["disabled"]:
        raise AccountError("the username or password is wrong, or the account is disabled")
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE key = ? OR rowid = ?",
                   [_keys(username, address)[0], attempt[1]])
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now_iso(), row["id"]])
    return get_user(db, row["id"])


# -- sessions -------------------------------------------------------------------


def start_session(db, user, idle_seconds=SESSION_IDLE_SECONDS, max_seconds=SESSION_MAX_SECONDS):
    """A new server-side session for a user who just logged in; returns the
    secret for the cookie. Sessions nobody can use any more are dropped here."""
    sessions.purge_expired(db, idle_seconds, max_seconds)
    return sessions.start(db, user.id)


def end_session(db, secret):
    sessions.end(db, secret)


def end_sessions_of(db, user_id):
    sessions.end_all_of(db, user_id)


def user_for_session(db, secret, idle_seconds=SESSION_IDLE_SECONDS, max_seconds=SESSION_MAX_SECONDS,
                     now=None):
    """The active user of a live session, or None."""
    user_id = sessions.user_id_of(db, secret, idle_seconds, max_seconds, SESSION_TOUCH_SECONDS, now)
    user = get_user(db, user_id) if user_id is not None else None
    if user is None or user.disabled:
        return None
    return user


# -- the first admin ------------------------------------------------------------


def _token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_setup_token(db, now=None, lifetime=SETUP_TOKEN_SECONDS):
    """A one-time secret for the link that creates the first admin; only its
    hash is stored, so a copy of the database does not hold a usable link."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute("DELETE FROM setup_tokens WHERE expires_at <= ? OR used_at IS NOT NULL", [now])
        db.execute("INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)",
                   [_token_hash(token), now + lifetime])
    return token


def setup_token_valid(db, token, now=None):
    now = time.time() if now is None else now
    if not token or len(token) > 200 or admin_exists(db):
        return False
    row = _one(db, "SELECT * FROM setup_tokens WHERE token_hash = ?", [_token_hash(token)])
    return row is not None and row["used_at"] is None and row["expires_at"] > now


def create_first_admin(db, token, username, password, now=None):
    """Use the one-time link: create the first admin and spend the token, together."""
    now = time.time() if now is None else now
    name = check_username(username)
    password_hash = hash_password(password)
    with write_transaction(db):
        if not setup_token_valid(db, token, now):
            raise AccountError("this setup link is not valid: it was used, has expired, "
                               "or the archive already has an admin")
        db.execute("UPDATE setup_tokens SET used_at = ? WHERE token_hash = ?", [now, _token_hash(token)])
        if find_user(db, name) is not None:
            raise AccountError(f"there is already a user named {name!r}")
        user_id = db["users"].insert({
            "username": name, "password_hash": password_hash, "role": "admin", "disabled": 0,
            "created_at": now_iso(),
        }).last_pk
    return get_user(db, user_id)
