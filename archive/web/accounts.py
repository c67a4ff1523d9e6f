"""Logging in and out, the first admin's one-time link, and the API's session facts."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from archive.accounts import auth
from archive.contract.accounts import Session
from archive.web import current_username, get_db, local_path
from archive.web.contract import operation

bp = Blueprint("accounts", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """Flask-Login's view of an account. Its id is the secret of a session
    kept on the server (see archive.accounts.sessions), looked up on every
    request: logging out, a new password or a disabled account end it."""

    def __init__(self, account, secret):
        self.account = account
        self.secret = secret

    def get_id(self):
        return self.secret


def _lifetimes():
    config = current_app.config
    return {"idle_seconds": config["SESSION_IDLE_MINUTES"] * 60,
            "max_seconds": config["SESSION_MAX_HOURS"] * 3600}


@login_manager.user_loader
def _load_user(secret):
    account = auth.user_for_session(get_db(), secret, **_lifetimes())
    return SessionUser(account, secret) if account else None


def init_app(app):
    from archive.web import refuse_early

    login_manager.init_app(app)
    # First of all before_request functions, ahead of CSRFProtect's.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_early)


def client_address():
    # remote_addr is the proxy's address unless ProxyFix trusts its headers
    # (ARCHIVE_TRUSTED_PROXIES); see security.py.
    return request.remote_addr or "unknown"


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=100)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=auth.MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class CreateAdminForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)],
                           description=_l("2-40 characters: a-z, digits, '.', '_' or '-'"),
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=auth.MAX_PASSWORD_LENGTH)],
                             description=_l("At least %(num)s characters", num=auth.MIN_PASSWORD_LENGTH),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


def _log_in(account):
    # A fresh session at login: nothing set before it (by anyone) carries over.
    session.clear()
    login_user(SessionUser(account, auth.start_session(get_db(), account, **_lifetimes())))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
    status, retry_after = 200, None
    if form.validate_on_submit():
        try:
            account = auth.authenticate(get_db(), form.username.data, form.password.data, client_address())
        except auth.TooManyAttempts as exc:
            form.form_errors.append(gettext("Too many failed logins: %(wait)s.", wait=str(exc).split("; ", 1)[1]))
            status, retry_after = 429, exc.retry_after
        except auth.Busy as exc:
            form.form_errors.append(gettext("The archive is busy checking other logins: try again in a few seconds."))
            status, retry_after = 503, exc.retry_after
        except auth.AccountError:
            form.form_errors.append(gettext("The username or password is wrong, or the account is disabled."))
            status = 401
        else:
            _log_in(account)
            flash(gettext("Logged in as %(name)s.", name=account.username))
            return redirect(local_path(form.next.data) or url_for("gallery.index"))
    elif form.is_submitted():
        status = 400
    response = current_app.make_response((render_template("accounts/login.html", form=form), status))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
def logout():
    # The server forgets the session, so a copy of the cookie is worth nothing.
    auth.end_session(get_db(), session.get("_user_id"))
    logout_user()
    session.clear()
    return redirect(url_for("gallery.index"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token):
    """The one-time link `serve` prints while the archive has no admin."""
    db = get_db()
    if not auth.setup_token_valid(db, token):
        abort(404, description=gettext("This setup link is not valid: it was used, has expired, "
                                       "or the archive already has an admin."))
    form = CreateAdminForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = auth.create_first_admin(db, token, form.username.data, form.password.data)
        except auth.AccountError as exc:
            form.form_errors.append(str(exc)[:1].upper() + str(exc)[1:] + ".")
            status = 400
        else:
            _log_in(account)
            flash(gettext("Welcome, %(name)s: you are the archive's first admin.", name=account.username))
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    response = current_app.make_response((render_template("accounts/setup.html", form=form), status))
    # The token is in this page's URL: keep it out of Referer headers and caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/session")
@operation("session", (Session, "The session"))
def session_info():
    """Who is logged in on this session, and the CSRF token to send as X-CSRFToken

    A script sends the token with every POST it makes on that session."""
    from archive.web import _current_account

    account = _current_account()
    return Session(username=current_username() or None, role=account.role if account else "visitor",
                   csrf_token=generate_csrf())
