"""Every route × every role -> the status it must answer.

The routes come from app.url_map, so a route added without a row here fails
test_every_route_has_a_row with its name: add a row to MATRIX (and, if its
URL has a new variable, a sample value to SAMPLE_ARGS).

Requests carry no form data (CSRF is off here; test_csrf.py covers it), so a
role that may use a form gets the form's own answer to an empty submission.
"""

import pytest
from support import PASSWORD, json_lines, logged_in_client

from archive.accounts import auth
from archive.catalogue import posters

ROLES = ("visitor", "archivist", "admin")

# (endpoint, method): statuses for (visitor, archivist, admin).
# 302 for a visitor on an HTML page means "sent to log in"; 401 is the same under /api/.
MATRIX = {
    ("static", "GET"): (200, 200, 200),
    ("static_files.stylesheets", "GET"): (200, 200, 200),
    ("gallery.index", "GET"): (200, 200, 200),
    ("gallery.photo", "GET"): (200, 200, 200),
    ("media.derivative", "GET"): (200, 200, 200),
    ("media.original", "GET"): (404, 200, 200),  # for archivists, unless the trip is open
    ("api.photo_list", "GET"): (200, 200, 200),
    ("api.photo_detail", "GET"): (200, 200, 200),
    ("transcription.photo_transcription", "GET"): (200, 200, 200),
    ("upload.upload_page", "GET"): (302, 200, 200),
    ("upload.upload_page", "POST"): (302, 400, 400),
    ("upload.upload_api", "POST"): (401, 400, 400),
    ("publishing.visibility_form", "POST"): (302, 400, 400),
    ("publishing.visibility_api", "POST"): (401, 400, 400),
    ("publishing.delete_form", "POST"): (302, 403, 400),  # 400: the box was not ticked
    ("publishing.delete_api", "DELETE"): (401, 403, 200),  # really deletes: see THROWAWAY
    ("accounts.login", "GET"): (200, 200, 200),
    ("accounts.login", "POST"): (400, 400, 400),
    ("accounts.logout", "POST"): (302, 302, 302),
    ("accounts.setup", "GET"): (404, 404, 404),  # no valid token: the archive has an admin
    ("accounts.setup", "POST"): (404, 404, 404),
    ("accounts.session_info", "GET"): (200, 200, 200),
    ("admin.users", "GET"): (302, 403, 200),
    ("admin.users", "POST"): (302, 403, 400),
    ("admin.change_user", "POST"): (302, 403, 303),
    ("admin.settings_page", "GET"): (302, 403, 200),
    ("admin.settings_page", "POST"): (302, 403, 303),
    ("admin.change_trip", "POST"): (302, 403, 303),
    ("iiif.image_base", "GET"): (303, 303, 303),
    ("iiif.image_info", "GET"): (200, 200, 200),
    ("iiif.image", "GET"): (200, 200, 200),
    ("iiif.photo_manifest", "GET"): (200, 200, 200),
    ("iiif.photo_canvas", "GET"): (200, 200, 200),
    ("iiif.poster_manifest", "GET"): (200, 200, 200),
    ("iiif.set_manifest", "GET"): (200, 200, 200),
    ("iiif.sets_collection", "GET"): (200, 200, 200),
    ("iiif.set_collection", "GET"): (404, 404, 404),  # the set has no smaller sets
    ("standards_api.openapi_json", "GET"): (200, 200, 200),
    ("standards_api.export_json", "GET"): (200, 200, 200),
    ("standards_api.export_csv", "GET"): (200, 200, 200),
    ("standards_api.data_page", "GET"): (200, 200, 200),
    ("search.results", "GET"): (200, 200, 200),
    ("search.api_search", "GET"): (200, 200, 200),
    ("search.export_csv", "GET"): (200, 200, 200),
    ("search.sets", "GET"): (200, 200, 200),
    ("search.set_page", "GET"): (200, 200, 200),
    ("browse.subjects", "GET"): (200, 200, 200),
    ("browse.subject_page", "GET"): (404, 404, 404),  # the sample slug names a set, not a subject
    ("browse.films", "GET"): (200, 200, 200),
    ("browse.film_page", "GET"): (404, 404, 404),  # the sample slug names a set, not a film
    ("browse.trips", "GET"): (200, 200, 200),
    ("browse.trip_page", "GET"): (404, 404, 404),  # nor a trip
    ("i18n.choose", "GET"): (302, 302, 302),  # the language switch: a cookie, then back
    ("site.favicon", "GET"): (200, 200, 200),
    ("site.manifest", "GET"): (200, 200, 200),
    ("site.api_docs", "GET"): (200, 200, 200),
    ("site.swagger_ui_file", "GET"): (404, 404, 404),  # the sample name is no file of Swagger UI's
    ("tagging.api_tags", "GET"): (401, 200, 200),  # autocomplete for tagging forms; counts private photos
    ("tagging.vocabulary_page", "GET"): (302, 200, 200),
    ("tagging.tag_page", "GET"): (302, 200, 200),
    ("tagging.create", "POST"): (302, 302, 302),  # back to the form with the error,
    ("tagging.change", "POST"): (302, 302, 302),
    ("tagging.photo_tags", "POST"): (302, 302, 302),
    ("tagging.api_photo_tags", "POST"): (401, 400, 400),
    ("tagging.bulk", "POST"): (302, 302, 302),
    # The fixture's photos are all different, so the sample suggestion and
    # decision do not exist: archivists get past the role check to a 404.
    ("review.queue_page", "GET"): (302, 200, 200),
    ("review.queue_api", "GET"): (401, 200, 200),
    ("review.pair_page", "GET"): (302, 404, 404),
    ("review.pair_api", "GET"): (401, 404, 404),
    ("review.decide_form", "POST"): (302, 404, 404),
    ("review.decide_api", "POST"): (401, 404, 404),
    ("review.undo_form", "POST"): (302, 404, 404),
    ("review.undo_api", "POST"): (401, 404, 404),
    ("review.duplicates_api", "GET"): (401, 200, 200),
    ("review.cluster_page", "GET"): (302, 404, 404),
    ("review.cluster_decision_form", "POST"): (302, 404, 404),
    ("review.photo_review", "GET"): (302, 302, 302),  # nothing to review: back to the queue
    ("review.plain_page", "GET"): (302, 200, 200),
    ("review.plain_accept_form", "POST"): (302, 302, 302),  # nothing ticked: back to the preview
    ("review.batch_undo_form", "POST"): (302, 404, 404),
    ("review.clusters_api", "GET"): (401, 200, 200),
    ("review.cluster_api", "GET"): (401, 404, 404),
    ("review.decide_cluster_api", "POST"): (401, 404, 404),
    ("review.undo_batch_api", "POST"): (401, 404, 404),
    ("review.plain_api", "GET"): (401, 200, 200),
    ("review.accept_plain_api", "POST"): (401, 400, 400),
    ("review.versions_api", "GET"): (200, 200, 200),
    # Editing: an empty form changes nothing (303 back with a message); the
    # sample change does not exist; an empty JSON body is a 400.
    ("editing.edit_form", "POST"): (302, 303, 303),
    ("editing.revert_form", "POST"): (302, 303, 303),
    ("editing.turn_form", "POST"): (302, 303, 303),
    ("editing.bulk_edit", "POST"): (302, 303, 303),
    ("editing.bulk_visibility", "POST"): (302, 303, 303),
    ("editing.edit_api", "PATCH"): (401, 400, 400),
    ("editing.turn_api", "POST"): (401, 400, 400),
    ("editing.history_api", "GET"): (401, 200, 200),
    ("editing.revert_api", "POST"): (401, 404, 404),
    ("tagging.api_check_tags", "GET"): (401, 200, 200),
    ("tagging.api_create_tag", "POST"): (401, 400, 400),
    ("tagging.create_and_apply", "POST"): (302, 303, 303),
    ("upload.check_api", "GET"): (401, 200, 200),
    # Posters: the sample poster shows the public photo. Forms with nothing
    # in them change nothing and go back with a message (303).
    ("posters.browse", "GET"): (200, 200, 200),
    ("posters.page", "GET"): (200, 200, 200),
    ("posters.edit_form", "POST"): (302, 303, 303),
    ("posters.revert_form", "POST"): (302, 303, 303),
    ("posters.make_form", "POST"): (302, 303, 303),
    ("posters.link_form", "POST"): (302, 303, 303),
    ("posters.unlink_form", "POST"): (302, 303, 303),
    ("posters.suggestion_form", "POST"): (302, 303, 303),
    ("posters.confirm_draft", "POST"): (302, 303, 303),
    ("posters.list_api", "GET"): (200, 200, 200),
    ("posters.detail_api", "GET"): (200, 200, 200),
    ("posters.create_api", "POST"): (401, 400, 400),
    ("posters.edit_api", "PATCH"): (401, 400, 400),
    ("posters.link_api", "POST"): (401, 400, 400),
    ("posters.unlink_api", "DELETE"): (401, 404, 404),  # the throwaway photo is not on the poster
    ("posters.history_api", "GET"): (401, 200, 200),
    ("posters.suggestion_api", "POST"): (401, 400, 400),
    ("posters.cluster_form", "POST"): (302, 303, 303),  # no open cluster holds photo 999: back to review
    ("posters.cluster_api", "POST"): (401, 400, 400),
    ("posters.delete_form", "POST"): (302, 303, 303),  # the box was not ticked: back to the poster
    ("posters.delete_api", "DELETE"): (401, 200, 404),  # really deletes: see THROWAWAY_POSTER
    ("posters.revert_api", "POST"): (401, 404, 404),
    ("iiif.poster_record_manifest", "GET"): (200, 200, 200),
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}

# Routes whose success destroys the photo they name get a photo of their own.
THROWAWAY = {"publishing.delete_api", "posters.unlink_api"}
# Routes whose success deletes the poster they name get a poster of their own.
THROWAWAY_POSTER = {"posters.delete_api"}


def route_methods(app):
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods - IGNORED_METHODS})


@pytest.fixture
def archive(app, db, run_cli, make_image):
    """A public photo, a private one, and an account of each role."""
    lines = json_lines(run_cli("import", make_image("a.jpg", seed=1), make_image("b.jpg", seed=2),
                               make_image("c.jpg", seed=3), "--json", "--trip", "2019 autumn",
                               "--tag", "set:european-street").output)
    public, private, throwaway = (db["photos"].get(line["photo_id"]) for line in lines)
    run_cli("unpublish", private["id"])
    users = {"archivist": auth.add_user(db, "archie", PASSWORD, "archivist"),
             "admin": auth.add_user(db, "ada", PASSWORD, "admin")}
    poster = posters.create(db, {"title": "Sample poster"}, photos=[public["id"]])
    throwaway_poster = posters.create(db, {"title": "Throwaway poster"}, photos=[public["id"]])
    return {"public": public, "private": private, "throwaway": throwaway, "users": users, "poster": poster,
            "throwaway_poster": throwaway_poster}


def client_for(app, archive, role):
    if role == "visitor":
        return app.test_client()
    return logged_in_client(app, archive["users"][role])


def sample_args(archive, photo):
    return {
        "photo_id": photo["id"],
        "sha256": photo["sha256"],
        "name": "fit400.jpg",
        "filename": "archive.css",
        "names": "archive,museum",
        "token": "not-a-valid-token",
        "user_id": archive["users"]["archivist"].id,
        "identifier": str(photo["id"]),
        "region": "full",
        "size": "max",
        "rotation": "0",
        "quality_format": "default.jpg",
        "slug": "european-street",
        "facet": "set",
        "action": "edit",
        "suggestion_id": 999,
        "decision_id": 999,
        "key": 999,
        "batch_id": 999,
        "change_id": 999,
        "poster_id": archive["poster"],
        "code": "ko",
    }


def url_for_rule(app, endpoint, args):
    from flask import url_for

    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint][:1]
    missing = [name for name in rule.arguments if name not in args]
    assert not missing, (f"route {rule.rule} ({endpoint}) has URL variables {missing} with no "
                         "sample value: add them to sample_args() in test_authorization_matrix.py")
    with app.test_request_context():
        return url_for(endpoint, **{name: args[name] for name in rule.arguments})


def test_every_route_has_a_row(app):
    missing = [f"{endpoint} {method}" for endpoint, method in route_methods(app)
               if (endpoint, method) not in MATRIX]
    assert not missing, ("routes with no row in MATRIX (test_authorization_matrix.py); add the "
                         "expected status for visitor, archivist and admin: " + ", ".join(missing))


def test_every_row_is_a_route(app):
    stale = [f"{e} {m}" for e, m in MATRIX if (e, m) not in set(route_methods(app))]
    assert not stale, "rows in MATRIX for routes that no longer exist: " + ", ".join(stale)


def test_every_route_answers_every_role_as_the_matrix_says(app, archive):
    wrong = []
    for endpoint, method in route_methods(app):
        expected = MATRIX.get((endpoint, method))
        if expected is None:
            continue  # reported by test_every_route_has_a_row
        photo = archive["throwaway" if endpoint in THROWAWAY else "public"]
        args = sample_args(archive, photo)
        if endpoint in THROWAWAY_POSTER:
            args["poster_id"] = archive["throwaway_poster"]
        url = url_for_rule(app, endpoint, args)
        for role, status in zip(ROLES, expected):
            with client_for(app, archive, role).open(url, method=method) as response:
                if response.status_code != status:
                    wrong.append(f"{method} {url} as {role}: {response.status_code}, expected {status}")
    assert not wrong, "\n".join(wrong)


def test_private_photos_are_404_for_visitors_on_every_photo_route(app, archive):
    """Each GET route that names a photo hides a private one from visitors
    (404, not 403) and shows it to archivists as it would a public one. A
    route only for archivists sends every visitor to log in, whatever the
    photo, which tells nothing either."""
    wrong = []
    for endpoint, method in route_methods(app):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if method != "GET" or not {"photo_id", "sha256", "identifier"} & set(rule.arguments):
            continue
        url = url_for_rule(app, endpoint, sample_args(archive, archive["private"]))
        for role, status in zip(ROLES, MATRIX[(endpoint, method)]):
            expected = (status if status in (302, 401) else 404) if role == "visitor" else status
            with client_for(app, archive, role).get(url) as response:
                if response.status_code != expected:
                    wrong.append(f"GET {url} as {role}: {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_api_answers_are_json(app, archive):
    for endpoint, method in route_methods(app):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if not rule.rule.startswith("/api/") or MATRIX.get((endpoint, method), (0,))[0] != 401:
            continue
        url = url_for_rule(app, endpoint, sample_args(archive, archive["public"]))
        response = app.test_client().open(url, method=method)
        assert response.json == {"error": "log in as an archivist first"}, url


def test_a_visitor_is_sent_to_log_in_and_back(app, archive):
    response = app.test_client().get("/admin/settings")
    assert response.headers["Location"] == "/login?next=/admin/settings"
