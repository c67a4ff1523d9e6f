"""Chinese characters folded to one form before they are indexed or asked
for: Traditional to Simplified, by OpenCC's own tables (its `t2s`
conversion, phrases first, then characters), which the `opencc` wheel
carries; nothing is downloaded. A sign painted 中華茶館 is found by 中华茶馆
and the other way round, and Hanja in Korean text (traditional forms) meet
their Chinese counterparts. Both the full-text rows (fulltext.py) and every
query's words (textmatch.py, and the oracle's FTS5 expressions) pass
through fold(), so they always agree.
"""

import re
import threading

import opencc

_local = threading.local()
# CJK ideographs (with extension A and the compatibility block) and the
# supplementary ideograph planes: only text holding one needs converting.
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
# The same ranges as one character class: every row of a rebuild asks, and
# the regular expression engine looks at each letter in C, not in Python.
_HAN_LETTER = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _HAN) + "]")


def _has_han(text):
    return _HAN_LETTER.search(text) is not None


def fold(text):
    """text with its Traditional Chinese characters as Simplified ones."""
    if not text or not _has_han(text):
        return text
    converter = getattr(_local, "converter", None)
    if converter is None:  # one a thread: a converter is not documented as safe to share
        converter = _local.converter = opencc.OpenCC("t2s")
    return converter.convert(text)
