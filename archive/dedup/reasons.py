"""Why two photos were suggested, said the way a person would.

"smaller copy (50 %)", "cropped by about 8 % on the left", "turned 90° to
the right", "mirrored", "greyscale copy", "different photograph of the same
scene": read off what the matcher knows. The hashes say how the two line up
(turned, mirrored, which one is a crop of the other and where); the photo
rows say their sizes and formats; the colour signatures say whether one has
lost its colour. Nothing here is guessed beyond that.

Each reason describes one photo against a reference (on the review screen,
the cluster's primary): "photo 15 is a smaller copy (50 %) of photo 14".
"""

from dataclasses import dataclass

from archive.dedup import decisions, matching
from archive.imaging.fingerprint import WINDOWS

# Photo a turned by DIHEDRAL[k] lines up with reference b, so a is b turned
# back: what a person sees in a, against b.
_TURNED = {
    1: "turned 90° to the right",
    2: "turned 180° (upside down)",
    3: "turned 90° to the left",
    4: "mirrored",
    5: "mirrored and turned 90°",
    6: "mirrored and turned 180°",
    7: "mirrored and turned 90°",
}
_SIDES = ("left", "top", "right", "bottom")
# The window for a caption band or watermark strip along the bottom.
_BOTTOM_STRIP = WINDOWS.index(("crop", (0, 0, 0, 0.14)))
# Mean saturation (the colour signature's last value) below which a photo
# counts as greyscale, and above which as in colour.
_GREY = decisions.GREY_SATURATION
_COLOURFUL = 0.08
# A copy whose hashes differ by this many bits or fewer, lined up as it is,
# is a plain resize or recompression, safe to accept in bulk.
PLAIN_BITS = 12
SAME_PHOTOGRAPH = "same photograph"
OTHER_SHOT = "different photograph of the same scene"


@dataclass
class Reason:
    phrases: list  # short phrases, most telling first
    plain: bool  # a plain resize or recompression, nothing else changed

    @property
    def text(self):
        return ", ".join(self.phrases)

    def to_json(self):
        return {"text": self.text, "phrases": self.phrases, "plain": self.plain}


def explain(verdict, photo, reference, photo_print, reference_print):
    """The Reason photo (a row) was found to match reference (a row), from
    the Verdict of compare(photo_print, reference_print)."""
    if verdict.kind != "duplicate":
        return Reason([OTHER_SHOT], False)
    how = verdict.how
    phrases = []
    if how.orientation:
        phrases.append(_TURNED[how.orientation])
    kept = 1.0  # the share of the other's area that the cropped one keeps
    cropped = False
    if how.window is not None:
        kind, spec = WINDOWS[how.window]
        if kind == "turn":
            if how.windowed != "both":
                phrases.append(f"turned by about {abs(spec):g}°")
        elif how.windowed == "both":
            if how.window == _BOTTOM_STRIP:
                phrases.append("differs along the bottom (a caption or a watermark)")
        else:
            cut = max(spec)
            sides = _sides(spec)
            area = (1 - spec[0] - spec[2]) * (1 - spec[1] - spec[3])
            if how.windowed == "b":  # the photo is the reference's window
                phrases.append(f"cropped by about {round(cut * 100)} % {sides}")
                kept, cropped = area, True
            else:  # the reference is the photo's window: the photo shows more
                phrases.append(f"shows about {round(cut * 100)} % more {sides}")
                kept, cropped = 1 / area, True
    scale = _scale(photo, reference, kept)
    if scale < 0.95:
        phrases.append(f"smaller copy ({round(scale * 100)} %)")
    elif scale > 1.05:
        phrases.append(f"larger copy ({round(scale * 100)} %)")
    grey_photo, grey_reference = _saturation(photo_print), _saturation(reference_print)
    if grey_photo < _GREY <= _COLOURFUL < grey_reference:
        phrases.append("greyscale copy")
    elif grey_reference < _GREY <= _COLOURFUL < grey_photo:
        phrases.append("in colour (the other is greyscale)")
    if photo["format"] != reference["format"]:
        phrases.append(f"saved as {photo['format']}")
    geometric = how.orientation or cropped or (how.window is not None and WINDOWS[how.window][0] == "turn")
    same_shape = abs(photo["width"] / photo["height"] - reference["width"] / reference["height"]) < 0.015 * (
        reference["width"] / reference["height"])
    plain = (not geometric and how.window != _BOTTOM_STRIP and same_shape and len(phrases) <= 2
             and not any("colour" in p or "greyscale" in p for p in phrases)
             and verdict.phash_distance + verdict.dhash_distance <= PLAIN_BITS)
    if not phrases:
        phrases.append("same size, recompressed")
    elif phrases[0].startswith("saved as"):
        phrases[0] = f"same size, {phrases[0]}"
    return Reason(phrases, plain)


def confidence_words(confidence):
    """How sure, in words, for a 0-1 confidence (matching.confidence)."""
    if confidence >= 0.9:
        return "almost certain"
    if confidence >= 0.75:
        return "very likely"
    if confidence >= 0.5:
        return "likely"
    return "possible"


def explain_stored(suggestion):
    """A reason from a stored suggestion alone, when the fingerprints are gone
    or no longer match: what kind of match it was."""
    if suggestion["kind"] != "duplicate":
        return Reason([OTHER_SHOT], False)
    return Reason([SAME_PHOTOGRAPH], False)


def compare_for_reason(photo_print, reference_print):
    """The verdict a reason is read from: the hashes only (the detail check
    ran when the suggestion was made)."""
    return matching.compare(photo_print, reference_print)


def _sides(spec):
    named = [name for name, cut in zip(_SIDES, spec) if cut]
    if len(named) == 4:
        return "all round"
    return "on the " + " and ".join(named)


def _scale(photo, reference, kept):
    """The photo's linear size against the reference's, for the same content:
    the area ratio, less the share a crop took away, square-rooted."""
    area = photo["width"] * photo["height"]
    reference_area = reference["width"] * reference["height"] * kept
    return (area / reference_area) ** 0.5 if reference_area else 1.0


def _saturation(print_):
    return print_.colour[-1] if print_ is not None and print_.colour else 0.5
