"""Accounts: the users commands, logging in and out, throttling, sessions
that end, and the first admin's one-time link."""

import re

import pytest
from flask import Flask
from support import PASSWORD, json_lines, logged_in_client

from archive import create_app
from archive.accounts import auth


def login(client, username, password=PASSWORD, next_url=""):
    return client.post("/login", data={"username": username, "password": password, "next": next_url})


# -- the CLI ---------------------------------------------------------------------


def test_users_add_list_passwd_disable_enable(run_cli, db, cli_input):
    result = cli_input(["users", "add", "Kim", "--role", "admin", "--password-stdin"], PASSWORD)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "added admin kim"
    cli_input(["users", "add", "lee", "--password-stdin"], PASSWORD)
    listed = json_lines(run_cli("users", "list", "--json").output)
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("kim", "admin", False), ("lee", "archivist", False)]
    old_hash = db["users"].get(2)["password_hash"]
    assert old_hash.startswith("scrypt:")
    assert cli_input(["users", "passwd", "lee", "--password-stdin"], "another long password").exit_code == 0
    assert db["users"].get(2)["password_hash"] != old_hash
    assert auth.authenticate(db, "lee", "another long password", "1.2.3.4").username == "lee"
    assert run_cli("users", "disable", "lee").output.strip() == "disabled lee"
    with pytest.raises(auth.AccountError):
        auth.authenticate(db, "lee", "another long password", "1.2.3.4")
    assert "lee\tarchivist\tdisabled" in run_cli("users", "list").output
    assert run_cli("users", "enable", "lee").exit_code == 0


def test_users_add_asks_for_the_password_twice(run_cli, db, cli_input):
    result = cli_input(["users", "add", "kim"], f"{PASSWORD}\n{PASSWORD}")
    assert result.exit_code == 0, result.output
    assert auth.find_user(db, "kim").role == "archivist"


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "add", "k", "--password-stdin"], PASSWORD, "a username is 2-40 characters"),
    (["users", "add", "../root", "--password-stdin"], PASSWORD, "a username is 2-40 characters"),
    (["users", "add", "kim", "--password-stdin"], "short", "at least 10 characters"),
    (["users", "passwd", "nobody", "--password-stdin"], PASSWORD, "no user named 'nobody'"),
    (["users", "disable", "nobody"], "", "no user named 'nobody'"),
])
def test_users_errors_are_clear_and_change_nothing(args, stdin, message, run_cli, db, cli_input):
    result = cli_input(args, stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_a_duplicate_username_is_refused(run_cli, make_user, cli_input):
    make_user("kim")
    result = cli_input(["users", "add", "KIM", "--password-stdin"], PASSWORD)
    assert result.exit_code == 1 and "already a user named 'kim'" in result.output


def test_the_last_admin_cannot_be_disabled_or_demoted(run_cli, make_user, db):
    make_user("ada", "admin")
    result = run_cli("users", "disable", "ada")
    assert result.exit_code == 1 and "only admin left" in result.output
    with pytest.raises(auth.AccountError, match="only admin left"):
        auth.set_role(db, "ada", "archivist")
    make_user("bo", "admin")
    assert run_cli("users", "disable", "ada").exit_code == 0


@pytest.fixture
def cli_input(data_dir):
    """Run a command with text on its stdin (passwords)."""
    from click.testing import CliRunner

    from archive.cli import cli

    def run(args, stdin):
        return CliRunner().invoke(cli, ["--data", str(data_dir), *args], input=stdin + "\n")

    return run


# -- logging in and out --------------------------------------------------------------


def test_login_then_logout(client, make_user, db):
    make_user("kim")
    assert client.get("/upload").status_code == 302
    page = client.get("/login")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    response = login(client, "Kim")  # names are not case-sensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert "Logged in as kim." in home.text and "Log out" in home.text and "Upload" in home.text
    assert client.get("/upload").status_code == 200
    assert db["users"].get(1)["last_login_at"]
    assert client.post("/logout").status_code == 302
    assert client.get("/upload").status_code == 302
    assert "Log in" in client.get("/").text


def test_login_cookie_flags(client, make_user):
    make_user("kim")
    response = login(client, "kim")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, make_user):
    make_user("kim")
    client = app.test_client()
    response = client.post("/login", data={"username": "kim", "password": PASSWORD},
                           base_url="https://archive.example")
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_https_behind_a_trusted_proxy_makes_the_cookie_secure(data_dir, make_user):
    make_user("kim")
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t",
                      "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1})
    response = app.test_client().post("/login", data={"username": "kim", "password": PASSWORD},
                                      headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_redirects_only_to_local_paths(client, make_user):
    make_user("kim")
    assert client.get("/upload").headers["Location"] == "/login?next=/upload"
    assert 'value="/upload"' in client.get("/login?next=/upload").text
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        client.post("/logout")
        response = login(client, "kim", next_url=target)
        assert response.headers["Location"] == "/", target
    client.post("/logout")
    assert login(client, "kim", next_url="/photos/1?x=2").headers["Location"] == "/photos/1?x=2"


@pytest.mark.parametrize("username, password", [("kim", "wrong password!"), ("nobody", PASSWORD)])
def test_a_failed_login_says_so_and_logs_nobody_in(username, password, client, make_user):
    make_user("kim")
    response = login(client, username, password)
    assert response.status_code == 401
    assert "The username or password is wrong, or the account is disabled." in response.text
    assert client.get("/upload").status_code == 302


def test_a_disabled_account_cannot_log_in_and_its_session_ends(app, make_user, db):
    user = make_user("kim")
    client = logged_in_client(app, user)
    assert client.get("/upload").status_code == 200
    auth.set_disabled(db, "kim")
    assert client.get("/upload").status_code == 302
    assert login(app.test_client(), "kim").status_code == 401


def test_a_new_password_ends_old_sessions(app, make_user, db):
    client = logged_in_client(app, make_user("kim"))
    assert client.get("/upload").status_code == 200
    auth.set_password(db, "kim", "a brand new password")
    assert client.get("/upload").status_code == 302


def test_api_session_reports_the_user_and_a_csrf_token(client, archivist_client):
    assert client.get("/api/session").json["role"] == "visitor"
    info = archivist_client.get("/api/session").json
    assert (info["username"], info["role"]) == ("archie", "archivist")
    assert len(info["csrf_token"]) > 20


# -- throttling ----------------------------------------------------------------------


def test_login_is_throttled_per_name_and_address(client, make_user, db):
    make_user("kim")
    for _ in range(auth.MAX_FAILURES_PER_USER_AND_ADDRESS):
        assert login(client, "kim", "wrong password!").status_code == 401
    response = login(client, "kim")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many failed logins: try again in 15 minutes." in response.text
    assert 0 < int(response.headers["Retry-After"]) <= auth.FAILURE_WINDOW_SECONDS
    assert client.get("/upload").status_code == 302
    # Another address is not held back by this one's failures.
    other = client.post("/login", data={"username": "kim", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_throttle_is_shared_by_every_worker_process(data_dir, make_user):
    """Two apps on one data directory stand for two server processes."""
    make_user("kim")
    config = {"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}
    workers = [create_app(config).test_client(), create_app(config).test_client()]
    for attempt in range(auth.MAX_FAILURES_PER_USER_AND_ADDRESS):
        assert login(workers[attempt % 2], "kim", "wrong password!").status_code == 401
    assert login(workers[0], "kim").status_code == 429
    assert login(workers[1], "kim").status_code == 429


def test_throttle_frees_up_after_the_window(db, make_user):
    make_user("kim")
    start = 1_000_000.0
    for i in range(auth.MAX_FAILURES_PER_USER_AND_ADDRESS):
        with pytest.raises(auth.AccountError):
            auth.authenticate(db, "kim", "wrong password!", "1.1.1.1", now=start + i)
    with pytest.raises(auth.TooManyAttempts) as caught:
        auth.authenticate(db, "kim", PASSWORD, "1.1.1.1", now=start + 10)
    assert caught.value.retry_after == auth.FAILURE_WINDOW_SECONDS - 10
    later = start + auth.FAILURE_WINDOW_SECONDS + 1
    assert auth.authenticate(db, "kim", PASSWORD, "1.1.1.1", now=later).username == "kim"
    # A success clears this name's count from this address.
    assert db.execute("SELECT count(*) FROM login_failures WHERE key LIKE 'user:%'").fetchone()[0] == 0


def test_throttle_per_address_stops_spraying_many_names(db):
    for i in range(auth.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(auth.AccountError):
            auth.authenticate(db, f"name{i}", "guess guess guess", "6.6.6.6", now=100.0 + i)
    with pytest.raises(auth.TooManyAttempts):
        auth.authenticate(db, "fresh-name", "guess guess guess", "6.6.6.6", now=200.0)


# -- the first admin ------------------------------------------------------------------


def test_serve_prints_a_one_time_link_that_creates_the_first_admin(run_cli, monkeypatch, data_dir, db):
    monkeypatch.setattr(Flask, "run", lambda self, **kwargs: None)
    output = run_cli("serve", "--port", "8123").output
    [link] = re.findall(r"http://127\.0\.0\.1:8123(/setup/\S+)", output)
    token = link.rsplit("/", 1)[1]
    stored = db.execute("SELECT token_hash FROM setup_tokens").fetchone()[0]
    assert token not in stored  # only a hash is kept

    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "Create the first admin" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    mismatch = client.post(link, data={"username": "ada", "password": PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 400 and "The passwords differ." in mismatch.text
    response = client.post(link, data={"username": "ada", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert auth.find_user(db, "ada").role == "admin"
    assert client.get("/admin/users").status_code == 200
    # Single use: the link is dead, for anyone.
    assert app.test_client().get(link).status_code == 404
    assert app.test_client().post(link, data={"username": "eve", "password": PASSWORD,
                                              "confirm": PASSWORD}).status_code == 404
    assert auth.find_user(db, "eve") is None
    # With an admin, serve prints no link.
    assert "/setup/" not in run_cli("serve").output


def test_setup_links_expire_and_unknown_ones_are_404(client, db):
    token = auth.issue_setup_token(db, now=1000.0, lifetime=60)
    assert not auth.setup_token_valid(db, token, now=1061.0)
    assert client.get(f"/setup/{token}").status_code == 404  # now is far past 1061
    assert client.get("/setup/made-up-token").status_code == 404
    with pytest.raises(auth.AccountError, match="not valid"):
        auth.create_first_admin(db, token, "ada", PASSWORD, now=1061.0)
    assert not auth.admin_exists(db)


def test_nothing_else_lets_an_anonymous_person_in(client, db):
    auth.issue_setup_token(db)
    for url in ("/admin/users", "/admin/settings", "/upload"):
        assert client.get(url).status_code == 302
    assert client.post("/admin/users", data={"add-username": "eve", "add-password": PASSWORD,
                                              "add-role": "admin"}).status_code == 302
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0


# -- the admin's users page --------------------------------------------------------


def test_admin_adds_changes_and_disables_users_on_the_web(admin_client, db):
    page = admin_client.get("/admin/users")
    assert page.status_code == 200 and "ada" in page.text
    response = admin_client.post("/admin/users", data={"add-username": "lee", "add-password": PASSWORD,
                                                       "add-role": "archivist"})
    assert response.status_code == 302
    lee = auth.find_user(db, "lee")
    assert lee.role == "archivist"
    assert "Added archivist lee." in admin_client.get("/admin/users").text
    admin_client.post(f"/admin/users/{lee.id}", data={"action": "role", "role": "admin"})
    assert auth.find_user(db, "lee").role == "admin"
    admin_client.post(f"/admin/users/{lee.id}", data={"action": "disable"})
    assert auth.find_user(db, "lee").disabled
    short = admin_client.post(f"/admin/users/{lee.id}", data={"action": "password", "password": "x"},
                              follow_redirects=True)
    assert "A password needs at least 10 characters." in short.text
    bad = admin_client.post("/admin/users", data={"add-username": "lee", "add-password": PASSWORD,
                                                  "add-role": "archivist"})
    assert bad.status_code == 400 and "There is already a user named" in bad.text


def test_an_archivist_gets_403_on_admin_pages(archivist_client):
    assert archivist_client.get("/admin/users").status_code == 403
    assert archivist_client.post("/admin/settings", data={}).status_code == 403
