"""The admin's pages: accounts, and the archive's settings (publishing default,
trips opened to visitors)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from archive.accounts import auth
from archive.catalogue import settings
from archive.web import admin_required, current_username, get_db, words

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACTIONS = ("disable", "enable", "role", "password")


class AddUserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=auth.MAX_PASSWORD_LENGTH)],
                             description=_l("At least %(num)s characters", num=auth.MIN_PASSWORD_LENGTH),
                             render_kw={"autocomplete": "new-password"})
    role = SelectField(_l("Role"), default="archivist")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(role, words.roles().get(role, role)) for role in auth.ROLES]


class SettingsForm(FlaskForm):
    default_public = BooleanField(_l("New photos are public"),
                                  description=_l("Applies to photos imported from now on."))


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    db = get_db()
    form = AddUserForm(prefix="add")
    status = 200
    if form.validate_on_submit():
        try:
            account = auth.add_user(db, form.username.data, form.password.data, form.role.data)
        except auth.AccountError as exc:
            form.username.errors.append(_sentence(exc))
            status = 400
        else:
            flash(gettext("Added %(role)s %(name)s.", role=words.roles().get(account.role, account.role),
                          name=account.username))
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/users.html", users=auth.list_users(db), form=form,
                           roles=auth.ROLES, min_password=auth.MIN_PASSWORD_LENGTH), status


@bp.post("/users/<int:user_id>")
@admin_required
def change_user(user_id):
    """One change to one account: disable, enable, a new role or a new password."""
    db = get_db()
    account = auth.get_user(db, user_id)
    if account is None:
        abort(404, description=f"no user {user_id}")
    action = request.form.get("action", "")
    try:
        if action == "disable":
            auth.set_disabled(db, account.username, True)
            message = gettext("Disabled %(name)s; their sessions are over.", name=account.username)
        elif action == "enable":
            auth.set_disabled(db, account.username, False)
            message = gettext("Enabled %(name)s.", name=account.username)
        elif action == "role":
            auth.set_role(db, account.username, request.form.get("role", ""))
            role = request.form.get("role", "")
            message = gettext("%(name)s is now %(role)s.", name=account.username, role=words.roles().get(role, role))
        elif action == "password":
            auth.set_password(db, account.username, request.form.get("password", ""))
            message = gettext("Set a new password for %(name)s; their sessions are over.", name=account.username)
        else:
            raise auth.AccountError(f"unknown action {action[:40]!r}")
    except auth.AccountError as exc:
        flash(_sentence(exc), "error")
        return redirect(url_for("admin.users"), 303)
    flash(message)
    return redirect(url_for("admin.users"), 303)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page():
    from flask import current_app

    db = get_db()
    fallback = current_app.config.get("DEFAULT_PUBLIC", True)
    form = SettingsForm()
    if request.method == "GET":
        form.default_public.data = settings.default_public(db, fallback)
    if form.validate_on_submit():
        settings.set_default_public(db, form.default_public.data)
        flash(gettext("New photos will be public.") if form.default_public.data
              else gettext("New photos will be private."))
        return redirect(url_for("admin.settings_page"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/settings.html", form=form, trips=settings.trips(db)), status


@bp.post("/trips")
@admin_required
def change_trip():
    """Open (or close) one trip's originals and exact locations to visitors."""
    trip = request.form.get("trip", "")
    is_open = request.form.get("open") == "1"
    try:
        settings.set_trip_open(get_db(), trip, is_open, by=current_username())
    except settings.SettingError as exc:
        flash(_sentence(exc), "error")
    else:
        flash(gettext("Originals and exact locations of trip “%(trip)s” are now open to visitors.", trip=trip)
              if is_open else
              gettext("Originals and exact locations of trip “%(trip)s” are for archivists only again.", trip=trip))
    return redirect(url_for("admin.settings_page"), 303)


def _sentence(exc):
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
