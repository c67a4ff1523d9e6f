"""Which reading of a line to believe, and which others to keep for search.

Every line is read twice (reader.py). rapidocr's model knows Chinese,
Japanese and Latin letters but no Hangul: on a Korean line it reads nothing,
or a Chinese character of a like shape, sometimes with a high score.
Tesseract's Korean model reads Hangul well and everything else as
Hangul-looking rubbish, but then mostly with low confidence. So only a
mostly-Hangul Tesseract reading counts, and a line believes the reading
with the most sure letters (confidence times letters): a confident word
beats a confident one-letter look-alike. The loser is kept too when it is
plausible at all, so search finds a word whichever reading got it right;
rubbish is dropped, so it cannot match searches for words that are not
there.

The thresholds were tuned on bench/ocr.py's tuning photos (seeds apart from
those it reports on).
"""

from dataclasses import asdict, dataclass

RAPIDOCR = "rapidocr"
TESSERACT = "tesseract"

# A Tesseract Korean reading less confident than this never comes first.
HANGUL_TRUSTED = 0.6
# A rapidocr reading this confident saw as many letters as it read.
RAPIDOCR_SURE = 0.9
# Below these a reading is not kept at all.
RAPIDOCR_KEPT = 0.5
TESSERACT_KEPT = 0.5
# A Tesseract reading is Hangul when at least this share of its letters is.
HANGUL_SHARE = 0.5


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float  # 0 to 1
    reader: str  # RAPIDOCR or TESSERACT

    def to_json(self):
        return {**asdict(self), "confidence": round(self.confidence, 3)}


def is_syllable(ch):
    """A whole Hangul syllable block: a sign paints these, never bare jamo."""
    return 0xAC00 <= ord(ch) <= 0xD7A3


def letters(text):
    return sum(ch.isalnum() for ch in text)


def hangul_share(text):
    """The share of text's letters and digits that are Hangul syllables."""
    count = letters(text)
    return sum(map(is_syllable, text)) / count if count else 0.0


def cleaned(text, vertical=False):
    """One line of text: runs of white space as one space. In a column the
    letters stand one under another and the spaces a reader finds between
    them mean nothing: they go."""
    if vertical:
        return "".join(text.split())
    return " ".join(text.split())


def weigh(readings, vertical=False):
    """The readings worth keeping, the one to believe first; [] when none is."""
    kept = []
    for reading in readings:
        text = cleaned(reading.text, vertical)
        if not any(ch.isalnum() for ch in text):
            continue
        reading = Reading(text, min(max(float(reading.confidence), 0.0), 1.0), reading.reader)
        if reading.reader == TESSERACT:
            if hangul_share(text) >= HANGUL_SHARE and reading.confidence >= TESSERACT_KEPT:
                kept.append(reading)
        elif reading.confidence >= RAPIDOCR_KEPT:
            kept.append(reading)

    # Hangul syllables and Chinese characters are square blocks alike: a
    # Korean reading of half the blocks that rapidocr surely saw is a misreading.
    sure = max((letters(r.text) for r in kept if r.reader == RAPIDOCR and r.confidence >= RAPIDOCR_SURE),
               default=0)
    kept = [r for r in kept if r.reader != TESSERACT or 2 * letters(r.text) > sure]

    def rank(reading):
        # Sure letters: a confident one-letter look-alike loses to a
        # confident word, from either engine.
        doubtful = reading.reader == TESSERACT and reading.confidence < HANGUL_TRUSTED
        return (doubtful, -reading.confidence * letters(reading.text))

    best_first, seen = [], set()
    for reading in sorted(kept, key=rank):
        if reading.text not in seen:
            seen.add(reading.text)
            best_first.append(reading)
    return best_first
