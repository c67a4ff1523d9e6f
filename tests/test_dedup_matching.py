"""Near-duplicate matching: fingerprints, the two levels, the flat-image guard."""

import imagehash
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter
from support import painting, roughly_symmetric, scene, template_poster

from archive.dedup import matching
from archive.imaging import decoding as imaging
from archive.imaging import fingerprint


def prints(image):
    return fingerprint.fingerprint(imaging.fit(image, 400))


def reencoded(image, fmt="JPEG", **kwargs):
    import io

    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    with Image.open(io.BytesIO(out.getvalue())) as im:
        return im.convert("RGB")


@pytest.fixture(scope="module")
def original():
    return scene(960, 720, seed=11)


@pytest.fixture(scope="module")
def original_print(original):
    return prints(original)


def test_hashes_are_imagehash_hashes_of_every_orientation(original):
    small = imaging.fit(original, 400)
    result = fingerprint.fingerprint(small)
    assert result.phash == imaging.to_signed64(imagehash.phash(small))
    for k, transpose in enumerate(fingerprint.DIHEDRAL):
        # Turned after shrinking rather than before: equal up to rounding.
        turned = small if transpose is None else small.transpose(transpose)
        assert bin(result.phashes[k] ^ imaging.to_signed64(imagehash.phash(turned))).count("1") <= 4
    assert result.dhash == imaging.to_signed64(imagehash.dhash(small))
    assert len(result.window_phashes) == len(fingerprint.WINDOWS)
    assert result.window_phashes and result.detail > matching.FLAT_DETAIL


def _caption(image):
    out = image.copy()
    ImageDraw.Draw(out).rectangle((0, out.height * 8 // 9, out.width, out.height), fill="white")
    return out


EDITS = {
    "resized": lambda im: im.resize((480, 360)),
    "recompressed": lambda im: reencoded(im, quality=20),
    "webp": lambda im: reencoded(im, "WEBP", quality=40),
    "cropped 10% one side": lambda im: im.crop((96, 0, 960, 720)),
    "cropped 10% corner": lambda im: im.crop((0, 0, 864, 648)),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "more contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.5),
    "blurred": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "turned 3 degrees": lambda im: im.rotate(3, Image.Resampling.BICUBIC).crop((40, 40, 920, 680)),
    "captioned": _caption,
    "rotated 90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rotated 270": lambda im: im.transpose(Image.Transpose.ROTATE_270),
    "mirrored": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "greyscale": lambda im: im.convert("L").convert("RGB"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_edited_copies_are_duplicates(original, original_print, edit):
    verdict = matching.compare(prints(EDITS[edit](original)), original_print)
    assert verdict is not None and verdict.kind == "duplicate", verdict


@pytest.mark.parametrize("edit", EDITS)
def test_edited_copies_agree_in_detail(original, edit):
    """The detail check on the two thumbnails keeps every copy a copy."""
    copy = EDITS[edit](painting(960, 720, seed=11))
    thumbs = imaging.fit(copy, 400), imaging.fit(painting(960, 720, seed=11), 400)
    verdict = matching.compare(*map(fingerprint.fingerprint, thumbs), pictures=lambda: thumbs)
    assert verdict is not None and verdict.kind == "duplicate", verdict
    assert verdict.agreement is not None and verdict.agreement.same_photograph(verdict.how.turned)


def _thumbs_and_prints(*images):
    thumbs = [imaging.fit(image, 400) for image in images]
    return thumbs, [fingerprint.fingerprint(t) for t in thumbs]


def test_two_posters_painted_on_one_template_are_not_the_same_photograph():
    """Found in use: the same frame, bands and panel, a different picture and
    different words. The hashes see only the layout and call them copies."""
    (a, b), (pa, pb) = _thumbs_and_prints(template_poster(4), template_poster(9))
    assert matching.compare(pa, pb).kind == "duplicate"  # the hashes alone are fooled
    verdict = matching.compare(pa, pb, pictures=lambda: (a, b))
    assert verdict is None or verdict.kind == "related", verdict
    assert verdict.agreement.disagreeing > 1 or verdict.agreement.mean < 0.85


def test_no_two_posters_of_one_template_are_called_copies():
    thumbs, found = _thumbs_and_prints(*(template_poster(seed) for seed in range(12)))
    fooled = 0
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            hashes_only = matching.compare(found[i], found[j])
            fooled += hashes_only is not None and hashes_only.kind == "duplicate"
            verdict = matching.compare(found[i], found[j], pictures=lambda i=i, j=j: (thumbs[i], thumbs[j]))
            assert verdict is None or verdict.kind == "related", (i, j, verdict)
    assert fooled  # the set holds pairs the hashes alone would merge


@pytest.mark.parametrize("seed", [0, 20, 24])
def test_quarters_of_a_symmetric_picture_are_not_mirrored_copies(seed):
    """The left and right quarters of a picture symmetric in its broad shapes
    line up through a mirror; their detail does not."""
    picture = roughly_symmetric(painting(1200, 900, seed=seed, spots=40))
    (a, b), (pa, pb) = _thumbs_and_prints(picture.crop((0, 0, 600, 450)), picture.crop((600, 0, 1200, 450)))
    hashes_only = matching.compare(pa, pb)
    assert hashes_only.kind == "duplicate" and hashes_only.how.turned
    verdict = matching.compare(pa, pb, pictures=lambda: (a, b))
    assert verdict is None or verdict.kind == "related"


def test_without_the_pictures_the_hashes_decide_alone():
    (a, b), (pa, pb) = _thumbs_and_prints(template_poster(4), template_poster(9))
    assert matching.compare(pa, pb, pictures=lambda: None).kind == "duplicate"


def test_a_mirrored_copy_says_how_it_lines_up(original, original_print):
    verdict = matching.compare(prints(original.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), original_print)
    assert "mirrored" in verdict.alignment


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_another_framing_of_the_same_wall_is_related_not_duplicate(seed):
    wall = scene(1600, 900, seed=seed)
    # Two shots of one wall: framed a tenth apart, the second in dimmer light.
    left, right = wall.crop((0, 0, 1200, 900)), wall.crop((120, 0, 1320, 900))
    verdict = matching.compare(prints(left), prints(ImageEnhance.Brightness(right).enhance(0.8)))
    assert verdict is not None and verdict.kind == "related", verdict


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_different_photos_do_not_match(original_print, seed):
    assert matching.compare(prints(scene(960, 720, seed=100 + seed)), original_print) is None


def test_flat_images_never_match():
    red, blue = Image.new("RGB", (800, 600), (200, 30, 30)), Image.new("RGB", (800, 600), (30, 30, 200))
    gradient = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    flat = [prints(red), prints(blue), prints(reencoded(red, quality=30)), prints(gradient)]
    # All flat images hash alike: pHash alone calls them the same picture.
    assert flat[0].phash == flat[1].phash
    for print_ in flat:
        assert print_.detail < matching.FLAT_DETAIL
    for i, a in enumerate(flat):
        for b in flat[i + 1 :]:
            assert matching.compare(a, b) is None


def test_a_faint_but_real_photo_is_not_flat():
    faint = ImageEnhance.Contrast(scene(800, 600, seed=9)).enhance(0.25)
    assert prints(faint).detail >= matching.FLAT_DETAIL


def test_colour_tells_apart_what_grey_hashes_cannot(original):
    # Same shapes, swapped colour channels: the grey hashes barely move.
    r, g, b = original.split()
    swapped = Image.merge("RGB", (b, r, g))
    a, s = prints(original), prints(swapped)
    assert matching.colour_difference(a.colour, s.colour) > 0
    grey = prints(original.convert("L").convert("RGB"))
    assert matching.colour_difference(a.colour, grey.colour) == 0.0
