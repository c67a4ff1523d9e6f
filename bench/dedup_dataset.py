"""A labelled set of near-duplicates made from real photographs.

Sources: the sample photographs that ship inside the scikit-image and
scikit-learn wheels, and the camera JPEGs of ../shared/corpus when it is
beside the clone. Every source is edited the ways an archive's copies come
about; each edit is labelled `duplicate` (the same photograph) or `related`
(another shot of the same subject).
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "exif-samples"
# Folders of distinct photographs. The orientation folder holds one picture
# eight times and is left out; so is the Photoshop re-save of Canon_40D.jpg,
# which is the same photograph as Canon_40D.jpg.
CORPUS_FOLDERS = ("cameras", "exif-org", "gps")
CORPUS_SKIP = {"Canon_40D_photoshop_import.jpg", "corrupted.jpg"}
# skimage.data photographs that ship in the wheel. `cat` is `chelsea` again;
# logo, horse and microaneurysms are drawings or too small to be photos.
SKIMAGE_PHOTOS = (
    "astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "moon", "page",
    "text", "hubble_deep_field", "immunohistochemistry", "retina", "colorwheel",
    "brick", "grass", "gravel", "cell", "clock",
)
SOURCE_EDGE = 1200  # sources are reduced to this first: the matcher sees 400 px


@dataclass
class Sample:
    source: str  # which photograph it shows
    transform: str  # "original" or the edit that made it
    kind: str  # "original" | "duplicate" | "related"
    image: Image.Image  # decoded again from the encoded bytes, upright RGB


def sources(use_corpus=True):
    """(name, RGB image) of every photograph the set is built from."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    found = []
    for name in SKIMAGE_PHOTOS:
        found.append((f"skimage:{name}", _rgb(getattr(skimage.data, name)())))
    left, right, _ = skimage.data.stereo_motorcycle()
    found.append(("skimage:motorcycle", _rgb(left)))
    bunch = load_sample_images()
    for path, array in zip(bunch.filenames, bunch.images):
        found.append((f"sklearn:{Path(path).stem}", _rgb(array)))
    if use_corpus and CORPUS.is_dir():
        for folder in CORPUS_FOLDERS:
            for path in sorted((CORPUS / folder).glob("*.jpg")):
                if path.name in CORPUS_SKIP:
                    continue
                try:
                    with Image.open(path) as im:
                        found.append((f"corpus:{path.name}", ImageOps.exif_transpose(im).convert("RGB")))
                except OSError:
                    continue
    reduced = []
    for name, image in found:
        image = image.copy()
        image.thumbnail((SOURCE_EDGE, SOURCE_EDGE), Image.Resampling.LANCZOS)
        reduced.append((name, image))
    return reduced, _rgb(right)


def _rgb(array):
    array = np.asarray(array)
    if array.dtype != np.uint8:
        array = (array.astype(np.float64) * (255.0 / max(array.max(), 1))).astype(np.uint8)
    if array.ndim == 2:
        return Image.fromarray(array, "L").convert("RGB")
    return Image.fromarray(array[..., :3], "RGB")


def _reencode(image, fmt="JPEG", **kwargs):
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    with Image.open(io.BytesIO(out.getvalue())) as im:
        return im.convert("RGB")


def _crop(image, left, top, right, bottom):
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def _rotate_small(image, degrees):
    # A straightened photo: turned, then cropped to lose the empty corners.
    turned = image.rotate(degrees, Image.Resampling.BICUBIC, expand=False)
    margin = abs(np.sin(np.radians(degrees))) * 1.1
    return _crop(turned, margin, margin, margin, margin)


def _caption(image):
    w, h = image.size
    out = image.copy()
    draw = ImageDraw.Draw(out)
    band = max(12, h // 9)
    draw.rectangle((0, h - band, w, h), fill=(255, 255, 255))
    draw.text((band // 3, h - band + band // 4), "Studio backlot, European street, 2019", fill=(0, 0, 0),
              font_size=max(10, band // 2))
    return out


def _watermark(image):
    w, h = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(12, w // 12)
    for row in range(3):
        draw.text((w // 10, h // 5 + row * h // 4), "© poster archive", fill=(255, 255, 255, 110),
                  font_size=size)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def _perspective(image, strength):
    # Another angle: the far side of the poster shrinks.
    w, h = image.size
    d = strength * w
    quad = (0, 0, 0, h, w, h - d * h / w, w, d * h / w)
    return image.transform(image.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)


def _relight(image):
    array = np.asarray(image, np.float32) / 255.0
    array = array ** 1.6  # evening light
    array *= np.array([1.08, 0.97, 0.82], np.float32)  # warmer
    return Image.fromarray(np.clip(array * 255, 0, 255).astype(np.uint8), "RGB")


def _shrink(image, edge):
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.BILINEAR)
    return copy


# name -> (kind, edit). Each edit returns an image still to be encoded.
DUPLICATE_EDITS = {
    "resize 50%": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "messaging app (640 px, q60)": lambda im: _reencode(_shrink(im, 640), quality=60),
    "recompress q25": lambda im: _reencode(im, quality=25),
    "to PNG": lambda im: _reencode(im, "PNG"),
    "to WebP q50": lambda im: _reencode(im, "WEBP", quality=50),
    "crop 10% one side": lambda im: _crop(im, 0.10, 0, 0, 0),
    "crop 10% all round": lambda im: _crop(im, 0.05, 0.05, 0.05, 0.05),
    "crop 10% corner": lambda im: _crop(im, 0, 0, 0.10, 0.10),
    "brighter +30%": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "darker -30%": lambda im: ImageEnhance.Brightness(im).enhance(0.7),
    "contrast +50%": lambda im: ImageEnhance.Contrast(im).enhance(1.5),
    "blur r2": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "rotate 3°": lambda im: _rotate_small(im, 3),
    "rotate -5°": lambda im: _rotate_small(im, -5),
    "caption band": _caption,
    "watermark": _watermark,
    "rotate 90°": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rotate 180°": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "rotate 270°": lambda im: im.transpose(Image.Transpose.ROTATE_270),
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "greyscale": lambda im: im.convert("L").convert("RGB"),
}
RELATED_EDITS = {
    "other framing (shifted 30%)": lambda im: _crop(im, 0.30, 0.10, 0.0, 0.05),
    "other angle (perspective)": lambda im: _crop(_perspective(im, 0.25), 0.03, 0.10, 0.10, 0.10),
    "other light and framing": lambda im: _crop(_relight(im), 0.20, 0.0, 0.0, 0.12),
    "closer (centre 65%)": lambda im: _crop(im, 0.17, 0.17, 0.18, 0.18),
}


# Flat, low-detail pictures: all different, yet they all hash alike.
FLAT = {
    "solid red": lambda: Image.new("RGB", (800, 600), (200, 30, 30)),
    "solid blue": lambda: Image.new("RGB", (800, 600), (30, 40, 190)),
    "solid grey": lambda: Image.new("RGB", (800, 600), (128, 128, 128)),
    "white wall": lambda: Image.new("RGB", (800, 600), (246, 244, 238)),
    "dark frame": lambda: Image.new("RGB", (800, 600), (12, 12, 14)),
    "grey ramp": lambda: Image.linear_gradient("L").resize((800, 600)).convert("RGB"),
    "sky ramp": lambda: Image.merge("RGB", [Image.linear_gradient("L").resize((800, 600)).point(lambda v, k=k: 90 + v * k // 3)
                                            for k in (1, 2, 3)]),
}


# Different posters painted on one template: the same frame, title band and
# slogan band, a different picture and different words. Two layouts: the
# picture wide (most of the poster) or small (the template dominates).
POSTER_TITLES = ("FLOWER GIRL", "SEA OF BLOOD", "HONG KIL DONG", "ORDER 027", "NATIVE HOME", "BELLFLOWER",
                 "FLYING KIM", "SEVEN YEAR ITCH", "THE PARTISAN", "WHEAT FIELDS", "RED RIVER", "DAWN")
POSTER_SLOGANS = ("Coming soon to every cinema", "A story of the people", "Now showing at the studio",
                  "The film of the year", "Heroes of the homeland", "Songs of the mountains",
                  "A tale of two villages", "For the harvest", "The long road home", "Light of the east",
                  "Brave hearts", "Spring in the valley")
POSTER_PANELS = {"wide picture": (60, 190, 540, 640), "small picture": (150, 200, 450, 560)}


def template_poster(picture, title, slogan, panel):
    """A 600 x 850 poster on the studio's template, with a painted picture."""
    poster = Image.new("RGB", (600, 850), (178, 34, 34))
    draw = ImageDraw.Draw(poster)
    draw.rectangle((30, 30, 570, 820), fill=(240, 228, 200))
    draw.rectangle((30, 30, 570, 170), fill=(120, 20, 20))
    draw.text((60, 60), title, fill=(250, 220, 120), font_size=64)
    x0, y0, x1, y1 = panel
    painted = picture.filter(ImageFilter.GaussianBlur(3)).filter(ImageFilter.ModeFilter(7))
    poster.paste(ImageOps.fit(ImageOps.posterize(painted, 3), (x1 - x0, y1 - y0)), (x0, y0))
    draw.rectangle((30, 670, 570, 820), fill=(40, 40, 40))
    draw.text((60, 700), slogan, fill=(255, 255, 255), font_size=34)
    draw.text((60, 760), "Korean Art Film Studio", fill=(220, 200, 160), font_size=26)
    return poster


def roughly_symmetric(image):
    """The picture made mirror-symmetric in its broad shapes (what pHash sees)
    while keeping its own fine detail, like a façade or a statue seen head on."""
    array = np.asarray(image, np.float32)
    radius = max(image.size) / 40

    def blurred(a):
        return np.asarray(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(radius)), np.float32)

    mirrored_mean = 0.5 * (array + array[:, ::-1])
    return Image.fromarray(np.clip(blurred(mirrored_mean) + array - blurred(array), 0, 255).astype(np.uint8))


def quarters(image):
    w, h = image.size
    return [image.crop(box) for box in ((0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2),
                                        (0, h // 2, w // 2, h), (w // 2, h // 2, w, h))]


def hard_different(use_corpus=True, limit=None):
    """{name: [groups]}: each group a list of images that are all different
    photographs although their broad shapes agree, so no pair within a group
    may be called the same photograph."""
    found, _ = sources(use_corpus)
    if limit:
        found = found[:limit]
    sets = {}
    for layout, panel in POSTER_PANELS.items():
        posters = [_reencode(template_poster(image, POSTER_TITLES[k % 12], POSTER_SLOGANS[(k * 7) % 12], panel),
                             quality=90)
                   for k, (_, image) in enumerate(found[:24])]
        sets[f"template posters, {layout}"] = [posters]
    sets["quarters of a roughly symmetric picture"] = [
        [_reencode(q, quality=90) for q in quarters(roughly_symmetric(image))] for _, image in found
    ]
    return sets


def build(use_corpus=True, limit=None):
    """All samples: each source's original, its duplicates and its related
    shots, and flat pictures that are duplicates of nothing."""
    found, motorcycle_right = sources(use_corpus)
    if limit:
        found = found[:limit]
    samples = [Sample(f"flat:{name}", "original", "original", _reencode(make(), quality=90))
               for name, make in FLAT.items()]
    for name, image in found:
        samples.append(Sample(name, "original", "original", _reencode(image, quality=92)))
        for kind, edits in (("duplicate", DUPLICATE_EDITS), ("related", RELATED_EDITS)):
            for label, edit in edits.items():
                samples.append(Sample(name, label, kind, _reencode(edit(image), quality=88)))
    # A real second shot: the right camera of the stereo pair.
    samples.append(Sample("skimage:motorcycle", "other angle (stereo pair)", "related",
                          _reencode(motorcycle_right, quality=88)))
    return samples
