"""Captions, titles, keywords, creators and rights from IPTC and XMP, read
at import and kept on the photo; broken blocks never stop an import."""

import struct

import pytest
from support import image_bytes, json_lines, scene

from archive.ingest import iptc_xmp

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def xmp_packet(body, extra_ns=""):
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{RDF}">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" {extra_ns}>'
        f"{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def alt(name, text, lang="x-default"):
    return f'<dc:{name}><rdf:Alt><rdf:li xml:lang="{lang}">{text}</rdf:li></rdf:Alt></dc:{name}>'


def items(name, container, values):
    lis = "".join(f"<rdf:li>{v}</rdf:li>" for v in values)
    return f"<dc:{name}><rdf:{container}>{lis}</rdf:{container}></dc:{name}>"


def iptc_segment(records, utf8=True):
    """A JPEG APP13 segment holding IPTC-IIM datasets, as photo software writes it."""
    data = b""
    if utf8:
        data += b"\x1c\x01\x5a" + struct.pack(">H", 3) + b"\x1b%G"
    for (record, dataset), value in records:
        raw = value.encode("utf-8") if isinstance(value, str) else value
        data += bytes([0x1C, record, dataset]) + struct.pack(">H", len(raw)) + raw
    if len(data) % 2:
        data += b"\x00"
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(data)) + data
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with(tmp_path, name, xmp=None, iptc=None, seed=0):
    save_args = {"quality": 90}
    if xmp is not None:
        save_args["xmp"] = xmp
    data = image_bytes(scene(320, 240, seed), "JPEG", **save_args)
    if iptc is not None:
        data = data[:2] + iptc + data[2:]  # right after the start-of-image marker
    path = tmp_path / name
    path.write_bytes(data)
    return path


def import_json(run_cli, *args):
    result = run_cli("import", *args, "--json")
    assert result.exit_code == 0, result.output
    [line] = json_lines(result.output)
    assert line["status"] == "imported", line
    return line


def keywords_of(db, photo_id):
    return sorted((r["label"] for r in db.query(
        "SELECT tags.label FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
        " WHERE photo_id = ? AND facet = 'keyword'", [photo_id])), key=str.casefold)


def test_xmp_sample_from_photoshop(run_cli, db, exif_samples, client):
    line = import_json(run_cli, exif_samples / "xmp" / "BlueSquare.jpg")
    photo = db["photos"].get(line["photo_id"])
    assert photo["title"] == "Blue Square Test File - .jpg"
    assert photo["caption"] == "XMPFiles BlueSquare test file, created in Photoshop CS2, saved as .psd, .jpg, and .tif."
    assert keywords_of(db, photo["id"]) == [".jpg", "Blue Square", "Photoshop", "test file", "XMP"]
    api = client.get(f"/api/photos/{photo['id']}").get_json()
    assert sorted(api["tags"]["keyword"]) == ["blue-square", "jpg", "photoshop", "test-file", "xmp"]
    assert api["title"] == "Blue Square Test File - .jpg"


def test_creator_becomes_the_photographer_only_when_the_import_names_none(run_cli, db, exif_samples, tmp_path):
    line = import_json(run_cli, exif_samples / "xmp" / "no_exif.jpg")
    photo = db["photos"].get(line["photo_id"])
    assert photo["photographer"] == "CREDIT"
    assert photo["caption"] == "Der Goalie bin ig"
    assert keywords_of(db, photo["id"]) == ["tag"]
    named = tmp_path / "named.jpg"
    named.write_bytes((exif_samples / "xmp" / "no_exif.jpg").read_bytes() + b"\x00")  # other bytes
    line = import_json(run_cli, named, "--photographer", "Kim")
    assert db["photos"].get(line["photo_id"])["photographer"] == "Kim"


def test_iptc_caption_keywords_byline_and_copyright(run_cli, db, tmp_path):
    path = jpeg_with(tmp_path, "iptc.jpg", iptc=iptc_segment([
        ((2, 5), "꽃파는 처녀 포스터"),
        ((2, 120), "The Flower Girl poster on the European street"),
        ((2, 25), "poster"), ((2, 25), "꽃파는 처녀"), ((2, 25), "hand-painted"),
        ((2, 80), "Park Min"),
        ((2, 116), "© 2018 Park Min"),
    ]))
    line = import_json(run_cli, path)
    photo = db["photos"].get(line["photo_id"])
    assert photo["title"] == "꽃파는 처녀 포스터"
    assert photo["caption"] == "The Flower Girl poster on the European street"
    assert photo["photographer"] == "Park Min"
    assert photo["rights"] == "© 2018 Park Min"
    assert keywords_of(db, photo["id"]) == ["hand-painted", "poster", "꽃파는 처녀"]


def test_latin1_iptc_from_older_software(tmp_path):
    path = jpeg_with(tmp_path, "old.jpg", iptc=iptc_segment([((2, 120), "Café sign".encode("latin-1"))],
                                                             utf8=False))
    assert iptc_xmp.read_descriptive(path).caption == "Café sign"


def test_xmp_wins_over_iptc_and_keywords_merge(run_cli, db, tmp_path):
    xmp = xmp_packet(alt("description", "XMP caption") + alt("title", "XMP title")
                     + items("subject", "Bag", ["poster", "Railway"])
                     + items("creator", "Seq", ["Ri Yong", "Choe Hyon"])
                     + alt("rights", "CC BY 4.0 Ri Yong"))
    iptc = iptc_segment([((2, 120), "IIM caption"), ((2, 25), "POSTER"), ((2, 25), "signage"),
                         ((2, 80), "Someone else")])
    line = import_json(run_cli, jpeg_with(tmp_path, "both.jpg", xmp=xmp, iptc=iptc))
    photo = db["photos"].get(line["photo_id"])
    assert (photo["title"], photo["caption"]) == ("XMP title", "XMP caption")
    assert photo["photographer"] == "Ri Yong; Choe Hyon"
    assert photo["rights"] == "CC BY 4.0 Ri Yong"
    assert keywords_of(db, photo["id"]) == ["poster", "Railway", "signage"]


def test_a_rights_web_statement_uri_is_kept_as_the_rights(db, run_cli, tmp_path, client):
    uri = "https://creativecommons.org/licenses/by-sa/4.0/"
    xmp = xmp_packet(alt("rights", "Some words") + f"<xmpRights:WebStatement>{uri}</xmpRights:WebStatement>")
    line = import_json(run_cli, jpeg_with(tmp_path, "cc.jpg", xmp=xmp))
    assert db["photos"].get(line["photo_id"])["rights"] == uri
    manifest = client.get(f"/iiif/photos/{line['photo_id']}/manifest.json").get_json()
    assert manifest["items"][0]["rights"] == uri


def test_xmp_in_a_png(db, run_cli, tmp_path):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(alt("title", "Shop sign")).decode("utf-8"))
    path = tmp_path / "sign.png"
    scene(200, 150, 3).save(path, pnginfo=info)
    line = import_json(run_cli, path)
    assert db["photos"].get(line["photo_id"])["title"] == "Shop sign"


@pytest.mark.parametrize(
    "xmp, warning",
    [
        (b"<x:xmpmeta><rdf:RDF>not closed", "broken XMP packet"),
        # An entity bomb: defusedxml refuses it instead of expanding it.
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
         b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>', "broken XMP packet"),
    ],
)
def test_broken_xmp_is_a_warning_not_a_rejection(db, run_cli, tmp_path, xmp, warning):
    line = import_json(run_cli, jpeg_with(tmp_path, "broken.jpg", xmp=xmp))
    assert any(warning in w for w in line["warnings"]), line["warnings"]
    photo = db["photos"].get(line["photo_id"])
    assert photo["caption"] == "" and photo["title"] == ""


def test_broken_iptc_is_a_warning_not_a_rejection(db, run_cli, tmp_path):
    # A dataset that claims far more bytes than the block holds.
    bad = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", 8) + b"\x1c\x02\x78\xff\xff\x00\x00\x00"
    payload = b"Photoshop 3.0\x00" + bad
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    line = import_json(run_cli, jpeg_with(tmp_path, "badiptc.jpg", iptc=segment))
    photo = db["photos"].get(line["photo_id"])
    assert photo["caption"] == ""
    assert any("IPTC" in w for w in line["warnings"]), line["warnings"]


def test_long_and_odd_values_are_trimmed(tmp_path):
    xmp = xmp_packet(alt("title", "  A   title\n on two lines ") + alt("description", "x" * 20_000)
                     + items("subject", "Bag", ["  spaced   out  ", "a; b", "", "A"]))
    found = iptc_xmp.read_descriptive(jpeg_with(tmp_path, "odd.jpg", xmp=xmp))
    assert found.title == "A title on two lines"
    assert len(found.caption) == iptc_xmp.LIMITS["caption"]
    assert found.keywords == ["spaced out", "a", "b"]
