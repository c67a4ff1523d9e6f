"""IIIF Presentation API 3.0: manifests for a photo, a set and a group of
photos, and the collection of all sets, checked against the specification's
MUSTs (tests/iiif_must.py) and for what a viewer would show."""

import io

import pytest
from iiif_helpers import ingest
from iiif_must import check_canvas, check_collection, check_manifest
from PIL import Image

from archive import create_app
from archive.catalogue import photos
from archive.iiif import presentation as iiif_presentation

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def get_document(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert 'profile="http://iiif.io/api/presentation/3/context.json"' in response.headers["Content-Type"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def labels(metadata):
    return {pair["label"]["en"][0]: pair["value"] for pair in metadata}


@pytest.fixture
def poster(app, db, make_image):
    photo_id = ingest(app, db, make_image("flower-girl.jpg", 600, 400, seed=1),
                      tags=[("set", "european-street"), ("subject", "film-poster"),
                            ("film", "the-flower-girl")],
                      trip="2019 autumn", photographer="Kim")
    db.execute("UPDATE photos SET caption = ?, taken_at = ? WHERE id = ?",
               ["The Flower Girl, repainted for the 2019 season", "2019-10-03T11:20:00", photo_id])
    return photo_id


def test_photo_manifest_meets_the_musts_and_shows_the_metadata(client, poster):
    manifest = get_document(client, f"/iiif/photos/{poster}/manifest.json")
    assert check_manifest(manifest) == []
    assert manifest["id"] == f"http://localhost/iiif/photos/{poster}/manifest.json"
    assert manifest["label"] == {"en": ["The Flower Girl, repainted for the 2019 season"]}
    assert manifest["summary"] == {"en": ["The Flower Girl, repainted for the 2019 season"]}
    meta = labels(manifest["metadata"])
    assert meta["Set"] == {"en": ["European street"], "ko": ["유럽 거리"]}
    assert meta["Subject"]["en"] == ["Film poster"]
    assert meta["Film"]["en"] == ["The Flower Girl"]
    assert meta["Taken"] == {"none": ["2019-10-03T11:20:00"]}
    assert meta["Photographer"] == {"none": ["Kim"]}
    assert meta["Trip"] == {"none": ["2019 autumn"]}
    assert manifest["rights"] == "http://rightsstatements.org/vocab/CNE/1.0/"
    assert manifest["requiredStatement"]["label"] == {"en": ["Attribution"]}
    assert manifest["seeAlso"][0]["id"] == f"http://localhost/api/photos/{poster}"
    assert manifest["seeAlso"][0]["format"] == "application/json"
    assert manifest["homepage"][0]["id"] == f"http://localhost/photos/{poster}"


def test_the_canvas_paints_the_iiif_image_at_its_upright_size(client, poster):
    manifest = get_document(client, f"/iiif/photos/{poster}/manifest.json")
    [canvas] = manifest["items"]
    assert (canvas["width"], canvas["height"]) == (600, 400)
    body = canvas["items"][0]["items"][0]["body"]
    assert body["service"] == [{"id": f"http://localhost/iiif/3/{poster}", "type": "ImageService3",
                                "profile": "level2"}]
    # Every URL a viewer will fetch works: the image, its service, the thumbnail.
    image = client.get(body["id"])
    assert Image.open(io.BytesIO(image.data)).size == (600, 400)
    image.close()
    assert client.get(body["service"][0]["id"] + "/info.json").status_code == 200
    thumb = client.get(manifest["thumbnail"][0]["id"])
    assert Image.open(io.BytesIO(thumb.data)).size == (manifest["thumbnail"][0]["width"],
                                                        manifest["thumbnail"][0]["height"])
    thumb.close()
    # The canvas can be dereferenced on its own.
    alone = get_document(client, canvas["id"].replace("http://localhost", ""))
    assert check_canvas(alone) == []
    assert alone["id"] == canvas["id"]


def test_rights_and_attribution_come_from_the_settings(data_dir, poster, db):
    db.execute("UPDATE photos SET rights = ? WHERE id = ?", ["© 2019 Kim, all rights reserved", poster])
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t",
                      "ARCHIVE_RIGHTS": CC_BY, "ARCHIVE_ATTRIBUTION": "Kim's backlot photos"})
    manifest = get_document(app.test_client(), f"/iiif/photos/{poster}/manifest.json")
    assert check_manifest(manifest) == []
    assert manifest["rights"] == CC_BY
    assert manifest["requiredStatement"]["value"] == {"en": ["Kim's backlot photos"]}
    # Free-text rights from the file are shown, never put where a URI must be.
    assert labels(manifest["metadata"])["Rights"] == {"none": ["© 2019 Kim, all rights reserved"]}


def test_a_photo_with_its_own_rights_uri_says_so_on_its_canvas(client, poster, db):
    db.execute("UPDATE photos SET rights = ? WHERE id = ?", [CC_BY, poster])
    manifest = get_document(client, f"/iiif/photos/{poster}/manifest.json")
    assert manifest["items"][0]["rights"] == CC_BY
    assert check_manifest(manifest) == []
    info = client.get(f"/iiif/3/{poster}/info.json").get_json()
    assert info["rights"] == CC_BY


def test_a_rights_setting_that_is_not_a_rights_uri_stops_the_app(data_dir):
    with pytest.raises(ValueError, match="ARCHIVE_RIGHTS"):
        create_app({"DATA_DIR": data_dir, "SECRET_KEY": "t", "ARCHIVE_RIGHTS": "all rights reserved"})


def test_set_manifest_has_a_canvas_per_photo_including_smaller_sets(app, db, client, make_image, poster):
    # A smaller set inside the European street: its photos belong to both.
    child = db["tags"].insert({"facet": "set", "slug": "european-cinema", "label": "Cinema front",
                               "parent_id": db.execute("SELECT id FROM tags WHERE slug = 'european-street'")
                               .fetchone()[0]}).last_pk
    second = ingest(app, db, make_image("cinema.jpg", 500, 500, seed=2), tags=[("set", "european-cinema")])
    elsewhere = ingest(app, db, make_image("railway.jpg", 300, 200, seed=3), tags=[("set", "railway")])
    manifest = get_document(client, "/iiif/sets/european-street/manifest.json")
    assert check_manifest(manifest) == []
    assert manifest["label"] == {"en": ["European street (유럽 거리)"]}
    canvas_ids = [c["id"] for c in manifest["items"]]
    assert canvas_ids == [f"http://localhost/iiif/photos/{poster}/canvas",
                          f"http://localhost/iiif/photos/{second}/canvas"]
    assert f"/photos/{elsewhere}/" not in str(manifest)
    assert set(labels(manifest["metadata"])["Set"]["en"]) == {"European street", "Cinema front"}
    assert child


def test_empty_and_unknown_sets_are_404(client, poster):
    assert client.get("/iiif/sets/railway/manifest.json").status_code == 404
    assert client.get("/iiif/sets/no-such-set/manifest.json").status_code == 404
    assert client.get("/iiif/sets/railway/collection.json").status_code == 404


def test_collection_of_all_sets(app, db, client, make_image, poster):
    parent = db.execute("SELECT id FROM tags WHERE slug = 'railway'").fetchone()[0]
    db["tags"].insert({"facet": "set", "slug": "railway-station", "label": "Station", "parent_id": parent})
    ingest(app, db, make_image("station.jpg", 300, 200, seed=4), tags=[("set", "railway-station")])
    collection = get_document(client, "/iiif/sets/collection.json")
    assert check_collection(collection) == []
    items = {item["id"].replace("http://localhost", ""): item for item in collection["items"]}
    assert items["/iiif/sets/european-street/manifest.json"]["type"] == "Manifest"
    assert items["/iiif/sets/railway/collection.json"]["type"] == "Collection"
    assert len(items) == 2  # sets without photos are left out
    for path in items:
        document = get_document(client, path)
        check = check_collection if document["type"] == "Collection" else check_manifest
        assert check(document) == []
    railway = get_document(client, "/iiif/sets/railway/collection.json")
    assert [i["id"].replace("http://localhost", "") for i in railway["items"]] == [
        "/iiif/sets/railway/manifest.json", "/iiif/sets/railway-station/manifest.json"]


def test_private_photos_stay_out_of_every_manifest_for_visitors(app, db, client, archivist_client,
                                                                 make_image, poster):
    hidden = ingest(app, db, make_image("hidden.jpg", 300, 300, seed=5), tags=[("set", "european-street")])
    only_private = ingest(app, db, make_image("rail.jpg", 300, 300, seed=6), tags=[("set", "railway")])
    db.execute("UPDATE photos SET is_public = 0 WHERE id IN (?, ?)", [hidden, only_private])
    assert len(get_document(archivist_client, "/iiif/sets/european-street/manifest.json")["items"]) == 2
    assert client.get(f"/iiif/photos/{hidden}/manifest.json").status_code == 404
    assert client.get(f"/iiif/photos/{hidden}/canvas").status_code == 404
    manifest = get_document(client, "/iiif/sets/european-street/manifest.json")
    assert [c["id"] for c in manifest["items"]] == [f"http://localhost/iiif/photos/{poster}/canvas"]
    assert client.get("/iiif/sets/railway/manifest.json").status_code == 404
    collection = get_document(client, "/iiif/sets/collection.json")
    assert [i["id"] for i in collection["items"]] == ["http://localhost/iiif/sets/european-street/manifest.json"]


def test_group_manifest_shows_every_shot_of_one_poster(app, db, make_image):
    """For duplicate groups and posters: the rows and the label come from the caller."""
    ids = [ingest(app, db, make_image(f"shot{i}.jpg", 400 + 40 * i, 300, seed=10 + i),
                  tags=[("film", "hong-kil-dong")], photographer=name)
           for i, name in enumerate(["Kim", "Lee", "Kim"])]
    rows = [photos.get_photo(db, photo_id) for photo_id in reversed(ids)]
    with app.test_request_context():
        from archive.web.iiif import links

        manifest = iiif_presentation.group_manifest(
            rows, "Hong Kil Dong poster, three shots", "http://localhost/iiif/groups/7/manifest.json",
            links(), "http://rightsstatements.org/vocab/InC/1.0/", "The archive",
            summary="Shots of the same poster from three trips")
    assert check_manifest(manifest) == []
    assert [c["width"] for c in manifest["items"]] == [480, 440, 400]  # in the order given
    assert manifest["label"] == {"en": ["Hong Kil Dong poster, three shots"]}
    assert labels(manifest["metadata"])["Photographer"] == {"none": ["Kim", "Lee"]}
    assert [s["id"] for s in manifest["seeAlso"]] == [f"http://localhost/api/photos/{i}" for i in reversed(ids)]
    with pytest.raises(ValueError):
        iiif_presentation.group_manifest([], "empty", "http://localhost/x", None, "", "")


def test_the_checker_catches_broken_manifests():
    """The MUST checker is only worth something if it fails on bad documents."""
    broken = {"@context": "http://iiif.io/api/presentation/2/context.json", "id": "not a uri",
              "type": "Manifest", "label": "plain string", "rights": "all rights reserved",
              "items": [{"id": "http://x/c#1", "type": "Canvas", "width": 10, "items": [
                  {"id": "http://x/p", "type": "AnnotationPage", "items": [
                      {"id": "http://x/a", "type": "Annotation", "motivation": "commenting",
                       "target": "http://x/other", "body": {"type": "Image"}}]}]}]}
    problems = "\n".join(check_manifest(broken))
    for expected in ("@context", "HTTP(S) URI", "language map", "rights", "fragment", "height",
                     "painted", "target", "body"):
        assert expected in problems, expected
    assert check_manifest({**broken, "items": []})


def test_poster_manifest_holds_the_copies_and_the_other_shots(app, db, client, archivist_client, make_image):
    from archive.dedup import decisions as duplicates
    from archive.dedup.matching import Verdict

    original, copy, other_shot, stranger = (
        ingest(app, db, make_image(f"p{i}.jpg", 600 - 100 * i, 400, seed=40 + i)) for i in range(4))
    for a, b, kind in ((original, copy, "duplicate"), (original, other_shot, "related")):
        duplicates.suggest(db, a, b, Verdict(kind, 2, 3, "upright", 0.0))
    for row in duplicates.queue(db):
        duplicates.decide(db, row["id"], row["kind"], "kim")
    manifest = get_document(client, f"/iiif/photos/{copy}/poster.json")
    assert check_manifest(manifest) == []
    canvases = [c["id"] for c in manifest["items"]]
    # The best copy (most pixels) first, then the other copy, then the other shot.
    assert canvases == [f"http://localhost/iiif/photos/{i}/canvas" for i in (original, copy, other_shot)]
    assert manifest["id"] == f"http://localhost/iiif/photos/{copy}/poster.json"
    assert manifest["label"] == {"en": ["p0.jpg: 3 shots"]}
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [other_shot])
    assert len(get_document(client, f"/iiif/photos/{original}/poster.json")["items"]) == 2  # a visitor
    assert len(get_document(archivist_client, f"/iiif/photos/{original}/poster.json")["items"]) == 3
    assert client.get(f"/iiif/photos/{other_shot}/poster.json").status_code == 404
    alone = get_document(client, f"/iiif/photos/{stranger}/poster.json")
    assert [c["id"] for c in alone["items"]] == [f"http://localhost/iiif/photos/{stranger}/canvas"]
