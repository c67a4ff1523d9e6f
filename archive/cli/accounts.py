"""Commands for accounts, publishing and settings (imported by archive.cli).

Whoever runs these holds the data directory, so they need no login.
"""

import json
import sys

import click

from archive.accounts import auth
from archive.catalogue import settings
from archive.cli.context import by_option, pass_archive


def _password(prompt_text, from_stdin):
    """The password from stdin (for scripts) or typed twice, hidden."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt_text, hide_input=True, confirmation_prompt=True)


def _fail(exc):
    raise click.ClickException(str(exc))


@click.group()
def users():
    """Archivist and admin accounts.

    \b
    Example:
        python manage_archive.py users add kim --role archivist
    """


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(auth.ROLES), default="archivist", show_default=True,
              help="archivist: upload, edit, publish. admin: also users and settings.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_archive
def users_add(archive, username, role, password_stdin):
    """Add an account; the password is asked for twice (or read from stdin).

    \b
    Example:
        python manage_archive.py users add lee --role admin
        printf '%s\\n' "$PASSWORD" | python manage_archive.py users add kim --password-stdin
    """
    try:
        auth.check_username(username)
        user = auth.add_user(archive.db, username, _password("Password", password_stdin), role)
    except auth.AccountError as exc:
        _fail(exc)
    click.echo(f"added {user.role} {user.username}")


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_archive
def users_passwd(archive, username, password_stdin):
    """Set a new password; the account's open sessions end.

    \b
    Example:
        python manage_archive.py users passwd kim
    """
    try:
        auth.require_user(archive.db, username)
        user = auth.set_password(archive.db, username, _password("New password", password_stdin))
    except auth.AccountError as exc:
        _fail(exc)
    click.echo(f"set a new password for {user.username}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per account.")
@pass_archive
def users_list(archive, as_json):
    """List the accounts.

    \b
    Example:
        python manage_archive.py users list --json
    """
    for user in auth.list_users(archive.db):
        if as_json:
            click.echo(json.dumps(user.to_json(), ensure_ascii=False))
        else:
            state = "disabled" if user.disabled else "active"
            click.echo(f"{user.username}\t{user.role}\t{state}\tlast login {user.last_login_at or 'never'}")


@users.command("disable")
@click.argument("username")
@pass_archive
def users_disable(archive, username):
    """Disable an account: it can no longer log in and its sessions end.

    \b
    Example:
        python manage_archive.py users disable kim
    """
    try:
        user = auth.set_disabled(archive.db, username, True)
    except auth.AccountError as exc:
        _fail(exc)
    click.echo(f"disabled {user.username}")


@users.command("enable")
@click.argument("username")
@pass_archive
def users_enable(archive, username):
    """Enable a disabled account again.

    \b
    Example:
        python manage_archive.py users enable kim
    """
    try:
        user = auth.set_disabled(archive.db, username, False)
    except auth.AccountError as exc:
        _fail(exc)
    click.echo(f"enabled {user.username}")


def _visibility(archive, photo_ids, trip, public, as_json, username=""):
    if not photo_ids and not trip:
        raise click.UsageError("name photo ids or --trip")
    ids = list(photo_ids)
    if trip:
        ids += settings.photo_ids_of_trip(archive.db, trip)
        if not ids:
            _fail(f"no photos come from a trip named {trip!r}")
    try:
        changed = settings.set_visibility(archive.db, ids, public, username=username)
    except settings.SettingError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({"photo_ids": changed, "is_public": public}))
    else:
        click.echo(f"{len(changed)} photo{'s' if len(changed) != 1 else ''} now "
                   + ("public" if public else "private"))


@click.command()
@click.argument("photo_ids", nargs=-1, type=int)
@click.option("--trip", default="", help="Every photo of this trip.")
@click.option("--json", "as_json", is_flag=True, help="Print the changed ids as JSON.")
@by_option
@pass_archive
def publish(archive, photo_ids, trip, as_json, username):
    """Make photos public: visitors can see them.

    \b
    Example:
        python manage_archive.py publish 12 13 14
        python manage_archive.py publish --trip "2019 autumn"
    """
    _visibility(archive, photo_ids, trip, True, as_json, username)


@click.command()
@click.argument("photo_ids", nargs=-1, type=int)
@click.option("--trip", default="", help="Every photo of this trip.")
@click.option("--json", "as_json", is_flag=True, help="Print the changed ids as JSON.")
@by_option
@pass_archive
def unpublish(archive, photo_ids, trip, as_json, username):
    """Make photos private: only archivists can see them.

    \b
    Example:
        python manage_archive.py unpublish 12
    """
    _visibility(archive, photo_ids, trip, False, as_json, username)


@click.command()
@click.argument("photo_ids", nargs=-1, type=int, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_archive
def delete(archive, photo_ids, yes):
    """Delete photos for good: their rows, tags, originals and derivatives.

    \b
    Example:
        python manage_archive.py delete 12 13 --yes
    """
    from archive.catalogue import deletion

    if not yes:
        click.confirm(f"Delete {len(set(photo_ids))} photo(s) and their files for good?", abort=True)
    try:
        deleted = deletion.delete_photos(archive.db, archive.data_dir, photo_ids)
    except deletion.DeleteError as exc:
        _fail(exc)
    click.echo(f"deleted {len(deleted)} photo{'s' if len(deleted) != 1 else ''}: "
               + ", ".join(map(str, deleted)))


@click.group("settings")
def settings_group():
    """Archive-wide settings (the same as the admin's settings page).

    \b
    Example:
        python manage_archive.py settings default-public no
    """


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@pass_archive
def settings_show(archive, as_json):
    """Show the publishing default and the trips open to visitors.

    \b
    Example:
        python manage_archive.py settings show --json
    """
    facts = {
        "default_public": settings.default_public(archive.db, archive.config["DEFAULT_PUBLIC"]),
        "open_trips": [t["trip"] for t in settings.trips(archive.db) if t["open"]],
    }
    if as_json:
        click.echo(json.dumps(facts, ensure_ascii=False))
    else:
        click.echo(f"new photos are {'public' if facts['default_public'] else 'private'}")
        click.echo("trips open to visitors: " + (", ".join(facts["open_trips"]) or "none"))


@settings_group.command("default-public")
@click.argument("value")
@pass_archive
def settings_default_public(archive, value):
    """Whether newly imported photos are public (yes) or private (no).

    \b
    Example:
        python manage_archive.py settings default-public no
    """
    try:
        public = settings.parse_bool(value)
    except settings.SettingError as exc:
        raise click.BadParameter(str(exc), param_hint="VALUE") from None
    settings.set_default_public(archive.db, public)
    click.echo(f"new photos will be {'public' if public else 'private'}")


@settings_group.command("open-trip")
@click.argument("trip")
@pass_archive
def settings_open_trip(archive, trip):
    """Show a trip's original files and exact locations to visitors.

    \b
    Example:
        python manage_archive.py settings open-trip "2019 autumn"
    """
    try:
        settings.set_trip_open(archive.db, trip, True, by="cli")
    except settings.SettingError as exc:
        _fail(exc)
    click.echo(f"trip {trip!r}: originals and exact locations open to visitors")


@settings_group.command("close-trip")
@click.argument("trip")
@pass_archive
def settings_close_trip(archive, trip):
    """Keep a trip's original files and exact locations for archivists again.

    \b
    Example:
        python manage_archive.py settings close-trip "2019 autumn"
    """
    try:
        settings.set_trip_open(archive.db, trip, False)
    except settings.SettingError as exc:
        _fail(exc)
    click.echo(f"trip {trip!r}: originals and exact locations for archivists only")


def first_admin_link(db, base_url):
    """The one-time link to create the first admin, or None when there is one."""
    if auth.admin_exists(db):
        return None
    return f"{base_url.rstrip('/')}/setup/{auth.issue_setup_token(db)}"
