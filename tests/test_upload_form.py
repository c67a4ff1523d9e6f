"""Uploading through the web form (and its JSON twin): each file's outcome, rows and files agree."""

import io
import re

import pytest
from photo_helpers import add_photo
from support import PASSWORD, files_under, image_bytes, logged_in_client, scene

from archive import create_app
from archive import db as archive_db
from archive.accounts import auth
from archive.catalogue import tags


@pytest.fixture
def client(archivist_client):
    """Uploading is for archivists (who may do it is covered in test_authorization_matrix.py)."""
    return archivist_client


def archivist_of(app, data_dir):
    return logged_in_client(app, auth.add_user(archive_db.connect(data_dir), "archie", PASSWORD, "archivist"))


def upload(client, files, url="/upload", **fields):
    data = {"photos": [(io.BytesIO(content), name) for name, content in files], **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def stored(data_dir):
    return files_under(data_dir / "originals"), files_under(data_dir / "derivatives")


def test_the_form_is_there(client):
    page = client.get("/upload")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert re.search(r'<input[^>]*multiple[^>]*name="photos"|<input[^>]*name="photos"[^>]*multiple', page.text)
    for name in ("trip", "photographer", "tags"):
        assert f'name="{name}"' in page.text


def test_a_batch_shows_each_outcome_and_stores_only_the_good(client, db, data_dir):
    existing = add_photo(db, data_dir, "old.jpg", seed=1)
    old_bytes = (data_dir.parent / "incoming" / "old.jpg").read_bytes()
    new_jpeg = image_bytes(scene(300, 200, 2), "JPEG")
    new_png = image_bytes(scene(200, 300, 3), "PNG")
    response = upload(client, [("new.jpg", new_jpeg), ("again.jpg", old_bytes), ("broken.jpg", b"\xff\xd8 not a jpeg"),
                               ("poster.png", new_png)],
                      trip="2019 autumn", photographer="Kim", tags="set:european-street\nsubject:film-poster")
    assert response.status_code == 200
    html = response.text
    assert "2 imported" in html and "1 duplicates" in html and "1 rejected" in html

    rows = {r["original_filename"]: r for r in db["photos"].rows}
    assert sorted(rows) == ["new.jpg", "old.jpg", "poster.png"]
    for name in ("new.jpg", "poster.png"):
        photo_id = rows[name]["id"]
        assert re.search(rf'{re.escape(name)}</span>\s*<span class="status">Imported as <a href="/photos/{photo_id}">', html)
        assert (rows[name]["source"], rows[name]["trip"], rows[name]["photographer"]) == ("web", "2019 autumn", "Kim")
    assert re.search(rf'again.jpg</span>\s*<span class="status">Duplicate of <a href="/photos/{existing}">photo {existing}</a>', html)
    assert re.search(r'broken.jpg</span>\s*<span class="status">Rejected: [^<]*not an image', html)

    # Files on disk match the rows: one original and two derivatives each, no leftovers.
    originals, derivatives = stored(data_dir)
    assert sorted(o.rsplit("/", 1)[1] for o in originals) == sorted(f"{r['sha256']}.{r['ext']}" for r in rows.values())
    assert len(derivatives) == 2 * len(rows)
    assert files_under(data_dir / "tmp") == []
    tagged = db.execute(
        "SELECT count(*) FROM photo_tags JOIN tags ON tags.id = tag_id WHERE photo_id = ? AND tags.facet IN ('set', 'subject')",
        [rows["new.jpg"]["id"]]).fetchone()[0]
    assert tagged == 2


def test_the_uploaded_name_is_only_text(client, db, data_dir):
    response = upload(client, [("../../etc/evil name.jpg", image_bytes(scene(120, 90), "JPEG"))])
    assert response.status_code == 200
    [row] = db["photos"].rows
    assert row["original_filename"] == "evil name.jpg"
    assert not (data_dir.parent.parent / "etc").exists()
    assert files_under(data_dir / "originals") == [f"{row['sha256'][:2]}/{row['sha256'][2:4]}/{row['sha256']}.jpg"]


def test_the_saved_upload_itself_becomes_the_original(client, db, data_dir, monkeypatch):
    from archive import storage

    copies = []
    real = storage.Storage.stage_copy
    monkeypatch.setattr(storage.Storage, "stage_copy", lambda self, path: copies.append(path) or real(self, path))
    data = image_bytes(scene(120, 90, seed=3), "JPEG")
    assert upload(client, [("a.jpg", data)]).status_code == 200
    [row] = db["photos"].rows
    original = data_dir / "originals" / row["sha256"][:2] / row["sha256"][2:4] / f"{row['sha256']}.jpg"
    assert original.read_bytes() == data
    assert copies == []  # renamed into place, not copied again
    assert files_under(data_dir / "tmp") == []


def test_a_heic_upload(client, db):
    out = io.BytesIO()
    try:
        scene(200, 150, 4).save(out, "HEIF")
    except Exception as exc:
        pytest.skip(f"pillow_heif cannot encode HEIC here: {exc}")
    response = upload(client, [("IMG_1234.HEIC", out.getvalue())])
    assert "Imported as" in response.text
    [row] = db["photos"].rows
    assert (row["format"], row["ext"], row["width"], row["height"]) == ("HEIF", "heic", 200, 150)


def test_no_files_is_a_form_error_that_stores_nothing(client, db, data_dir):
    response = client.post("/upload", data={"trip": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose at least one photo." in response.text
    assert db["photos"].count == 0


@pytest.mark.parametrize("spec, message", [("set:nowhere", "no set called &#39;nowhere&#39; in the vocabulary yet"),
                                           ("colour:red", "unknown facet")])
def test_a_bad_tag_never_costs_the_photo(client, db, data_dir, spec, message):
    """The photo goes in with the tags that could be applied; the page says
    which was not, and creates nothing for it."""
    tags_before = db["tags"].count
    response = upload(client, [("a.jpg", image_bytes(scene(120, 90), "JPEG"))], tags=f"{spec}, set:railway")
    assert response.status_code == 200
    assert "Imported as" in response.text
    assert f"tag {spec} was not applied ({message}" in response.text
    [row] = db["photos"].rows
    assert [t["slug"] for t in tags.tags_of_photo(db, row["id"])] == ["railway"]
    assert db["tags"].count == tags_before
    assert files_under(data_dir / "tmp") == []


def test_a_bare_word_in_the_tags_is_a_keyword(client, db):
    upload(client, [("a.jpg", image_bytes(scene(120, 90), "JPEG"))], tags="just-words")
    [row] = db["photos"].rows
    assert tags.slugs_by_facet(tags.tags_of_photo(db, row["id"])) == {"keyword": ["just-words"]}


def test_the_json_upload_reports_each_file(client, db):
    good = image_bytes(scene(120, 90, 5), "JPEG")
    response = upload(client, [("a.jpg", good), ("b.jpg", good), ("c.txt", b"hello")], url="/api/uploads")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["path"], r["status"]) for r in results] == [("a.jpg", "imported"), ("b.jpg", "duplicate"),
                                                           ("c.txt", "rejected")]
    assert results[1]["duplicate_of"] == results[0]["photo_id"]
    assert set(results[0]) == {"path", "status", "photo_id", "duplicate_of", "reason", "warnings", "matches",
                               "thumbnail_url"}
    assert results[1]["thumbnail_url"] == results[0]["thumbnail_url"]  # the photo it duplicates
    with client.get(results[0]["thumbnail_url"]) as thumbnail:
        assert thumbnail.status_code == 200
    assert results[2]["thumbnail_url"] is None
    assert db["photos"].count == 1


def test_the_json_upload_errors_are_json(client, db):
    response = client.post("/api/uploads", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"] == "photos: Choose at least one photo."


def test_without_a_csrf_token_nothing_is_stored(data_dir):
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test"})
    client = archivist_of(app, data_dir)
    response = upload(client, [("a.jpg", image_bytes(scene(120, 90), "JPEG"))])
    assert response.status_code == 400
    assert files_under(data_dir / "originals") == []
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/upload").text).group(1)
    response = upload(client, [("a.jpg", image_bytes(scene(120, 90), "JPEG"))], csrf_token=token)
    assert response.status_code == 200 and "1 imported" in response.text


def test_an_upload_over_the_request_limit_is_refused_cleanly(data_dir):
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "MAX_CONTENT_LENGTH": 10_000})
    response = upload(archivist_of(app, data_dir), [("a.png", image_bytes(scene(300, 300), "PNG"))])
    assert response.status_code == 413
    assert "<html" in response.text.lower()
    assert files_under(data_dir / "originals") == []
