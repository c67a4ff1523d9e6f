"""Posters in the review screens: photos an import suggests for a poster
wait in the review queue beside the clusters (web, JSON and CLI), and a
poster made from a review cluster takes only the photos marked as the same
photograph or another shot of it."""

import pytest
from support import json_lines

from archive.catalogue import poster_growth, posters


@pytest.fixture
def suggested(run_cli, make_image, db):
    """A poster of one photo, and a new photo an import matched with it as another shot."""
    ids = [line["photo_id"] for line in json_lines(run_cli(
        "import", make_image("wall.jpg", seed=31), make_image("again.jpg", seed=32), "--json").output)]
    poster_id = posters.create(db, {"title": "Beer advert", "kind": "advert"}, photos=ids[:1])
    poster_growth.after_import(db, ids[1], [{"photo_id": ids[0], "kind": "related"}])
    return poster_id, ids


def test_the_queue_lists_poster_suggestions_and_links_them(archivist_client, suggested, db):
    poster_id, (linked, new) = suggested
    page = archivist_client.get("/review").text
    assert "1 other shot of posters" in page and f"Photo {new} may show" in page and "All reviewed" not in page
    assert '<span class="nav-count" aria-label="1 open">1</span>' in page
    done = archivist_client.post(f"/posters/{poster_id}/suggestions/{new}",
                                 data={"decision": "link", "next": "/review"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/review")
    assert sorted(posters.links_of(db, poster_id)) == [linked, new]
    page = archivist_client.get("/review").text
    assert "other shot of posters" not in page and "All reviewed" in page and "nav-count" not in page
    assert posters.poster_history(db, poster_id)[0]["action"] == "link"


def test_the_json_queue_counts_them_and_decides_them(archivist_client, client, suggested, db):
    poster_id, (linked, new) = suggested
    queue = archivist_client.get("/api/review").json
    assert queue["total"] == 0 and queue["waiting"] == 1
    [item] = queue["poster_suggestions"]
    assert (item["poster"]["id"], item["photo"]["id"], item["matched_photo_id"]) == (poster_id, new, linked)
    assert item["poster"]["slug"] == "beer-advert"
    url = f"/api/posters/{poster_id}/suggestions/{new}"
    assert client.post(url, json={"decision": "dismiss"}).status_code == 401
    bad = archivist_client.post(url, json={"decision": "maybe"})
    assert bad.status_code == 400 and "link or dismiss" in bad.json["error"]
    dismissed = archivist_client.post(url, json={"decision": "dismiss"})
    assert dismissed.status_code == 200 and [p["id"] for p in dismissed.json["photos"]] == [linked]
    assert archivist_client.get("/api/review").json["waiting"] == 0
    again = archivist_client.post(url, json={"decision": "link"})
    assert again.status_code == 404 and "not suggested" in again.json["error"]
    assert list(posters.links_of(db, poster_id)) == [linked]


def test_the_cli_lists_confirms_and_dismisses_them(run_cli, suggested, db):
    poster_id, (linked, new) = suggested
    assert f"photo {new} may show poster {poster_id}" in run_cli("dedup", "queue").output
    [item] = json_lines(run_cli("dedup", "queue", "--json").output)[0]["poster_suggestions"]
    assert item["photo"]["id"] == new
    assert f"poster {poster_id} (beer-advert): photo {new}" in run_cli("posters", "suggestions").output
    assert run_cli("posters", "dismiss", "beer-advert", str(linked)).exit_code == 1
    assert "linked to poster" in run_cli("posters", "confirm", "beer-advert", str(new)).output
    assert sorted(posters.links_of(db, poster_id)) == [linked, new]
    assert "no photos suggested" in run_cli("posters", "suggestions").output


@pytest.fixture
def cluster(tmp_path, run_cli):
    """An open review cluster of four copies of one painting: [primary, others...]."""
    from support import painting

    folder = tmp_path / "trip"
    folder.mkdir()
    picture = painting(1200, 900, seed=41, spots=30)
    for number, size in enumerate([(1200, 900), (600, 450), (300, 225), (900, 675)], 1):
        picture.resize(size).save(folder / f"{number}.jpg", quality=90)
    ids = [line["photo_id"] for line in json_lines(run_cli("import", folder, "--json", "--workers", "1").output)]
    return sorted(ids)


def test_the_review_screen_makes_a_poster_of_the_photos_marked_as_it(archivist_client, cluster, db):
    key = cluster[0]
    page = archivist_client.get(f"/review/clusters/{key}").text
    assert f'formaction="/review/clusters/{key}/poster"' in page and 'form="cluster-form"' in page
    form = {"photo_ids": ",".join(map(str, cluster)), "primary_id": str(cluster[0]),
            **{f"mark-{i}": "same" for i in cluster}, f"mark-{cluster[2]}": "unrelated",
            f"mark-{cluster[3]}": "other"}
    made = archivist_client.post(f"/review/clusters/{key}/poster", data=form)
    assert made.status_code == 303
    [poster] = db.query("SELECT * FROM posters")
    assert made.headers["Location"].endswith(f"/posters/{poster['id']}")
    assert sorted(posters.links_of(db, poster["id"])) == [cluster[0], cluster[1], cluster[3]]
    assert poster["best_photo_id"] == cluster[0]
    assert archivist_client.get(f"/review/clusters/{key}").status_code == 200  # nothing was decided
    stale = archivist_client.post(f"/review/clusters/{key}/poster", data={**form, "photo_ids": str(cluster[0])})
    assert stale.status_code == 303 and db["posters"].count == 1


def test_the_json_api_makes_a_poster_from_a_cluster(archivist_client, client, cluster, db):
    url = f"/api/review/clusters/{cluster[0]}/poster"
    assert client.post(url, json={}).status_code == 401
    made = archivist_client.post(url, json={"unrelated": [cluster[1], cluster[2]], "title": "Wall painting"})
    assert made.status_code == 201, made.json
    assert made.json["title"] == "Wall painting" and [p["id"] for p in made.json["photos"]] == [cluster[0], cluster[3]]
    changed = archivist_client.post(url, json={"photo_ids": cluster[:2]})
    assert changed.status_code == 409 and "look at it again" in changed.json["error"]
    stranger = archivist_client.post(url, json={"same": [cluster[0] + 100]})
    assert stranger.status_code == 400 and "not in this cluster" in stranger.json["error"]
    assert archivist_client.post("/api/review/clusters/99999/poster", json={}).status_code == 404
    assert db["posters"].count == 1


def test_the_cli_makes_a_poster_from_a_cluster(run_cli, cluster, db):
    out = run_cli("posters", "add", "--from-cluster", cluster[2], "--json").output
    assert sorted(p["id"] for p in json_lines(out)[0]["photos"]) == cluster
