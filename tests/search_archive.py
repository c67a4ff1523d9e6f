"""A small archive of real imported photos for the search tests, with known
tags, text, dates and cameras, so every query has an exact expected answer."""

from click.testing import CliRunner
from PIL import Image
from support import scene

from archive import db as archive_db
from archive.catalogue import tagging, vocabulary
from archive.cli import cli

# name: (taken, make, model, gps, trip, tags, fields, public)
PHOTOS = {
    1: ("flower-girl.jpg", "2016:05:03 10:00:00", "Canon", "Canon EOS 40D", True, "2016 spring",
        ["set:european-street", "subject:film-poster", "film:the-flower-girl"],
        {"caption": "Poster for The Flower Girl beside the cinema", "transcription": "꽃파는 처녀"}, 1),
    2: ("itch.jpg", "2016:05:03 10:05:00", "Canon", "Canon EOS 40D", False, "2016 spring",
        ["set:european-street/cafe", "subject:replica-poster", "film:the-seven-year-itch"],
        {"caption": "Replica of The Seven Year Itch poster"}, 1),
    3: ("statue.jpg", "2017:09:01 09:00:00", "NIKON CORPORATION", "NIKON D750", False, "2017 autumn",
        ["set:entrance-plaza", "subject:statue"],
        {"title": "Statue at the gate", "caption": "정문 광장의 동상"}, 1),
    4: ("mosaic.jpg", "2019:10:02 09:00:00", "NIKON CORPORATION", "NIKON D750", True, "2019 autumn",
        ["set:entrance-plaza", "subject:mosaic"], {"caption": "Mosaic of workers"}, 1),
    5: ("shop.jpg", "2019:10:02 12:00:00", "FUJIFILM", "X-T2", False, "2019 autumn",
        ["set:japanese-street", "subject:shop-sign"],
        {"caption": "Shop sign on the Japanese street", "transcription": "영화포스터 상점"}, 1),
    6: ("untagged.jpg", None, None, None, False, "", [], {"caption": "A wall somewhere"}, 1),
    7: ("private.jpg", "2018:03:01 10:00:00", "Canon", "Canon EOS 40D", False, "",
        ["set:european-street", "subject:advert"], {"caption": "Secret advert poster"}, 0),
    8: ("advert.jpg", "2018:06:01 10:00:00", "Canon", "Canon EOS 40D", False, "2018",
        ["set:chinese-street", "subject:advert", "keyword:soap"],
        {"caption": "Hand-painted advert for soap"}, 1),
}
PUBLIC = {i for i, p in PHOTOS.items() if p[-1]}


def exif_for(taken, make, model, gps):
    exif = Image.Exif()
    if make:
        exif[0x010F], exif[0x0110] = make, model
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2], ifd[3], ifd[4] = "N", (39.0, 1.0, 0.0), "E", (125.0, 45.0, 0.0)
    return exif


def build(data_dir, folder):
    """Import PHOTOS through the CLI (photo ids 1..8 in order) and return the db."""
    folder.mkdir(parents=True, exist_ok=True)
    db = archive_db.connect(data_dir)
    vocabulary.create_tag(db, "set", "european-street/cafe", label="Café", label_ko="카페")
    for photo_id, (name, taken, make, model, gps, trip, tag_specs, fields, public) in PHOTOS.items():
        path = folder / name
        scene(320, 240, seed=photo_id).save(path, "JPEG", exif=exif_for(taken, make, model, gps))
        args = ["--data", str(data_dir), "import", str(path), "--json"]
        if trip:
            args += ["--trip", trip]
        for spec in tag_specs:
            if not spec.startswith("keyword:"):
                args += ["--tag", spec]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0 and '"imported"' in result.output, result.output
        keywords = [s for s in tag_specs if s.startswith("keyword:")]
        if keywords:
            tagging.change_tags(db, [photo_id], add=keywords, username="fixture")
        db["photos"].update(photo_id, {**fields, "is_public": public})
    return db
