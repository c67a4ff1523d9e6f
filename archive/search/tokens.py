"""Words as SQLite's full-text index sees them, without asking it for each one.

The shared index (index.py) must find exactly what an FTS5 MATCH on
photos_fts finds, so it needs the very tokens FTS5 makes: unicode61 splits,
folds case and diacritics, porter stems. Rewriting those rules in Python
would drift from SQLite's tables, so SQLite stays the authority and is only
asked about what it has not been asked before:

- Tokens never span white space, so a text's tokens are its white-space
  chunks' tokens in a row. A chunk that is not plain ASCII (Korean, an
  accent) is tokenized once by FTS5 itself and remembered.
- In ASCII, unicode61's rule is short and fixed: letters and digits make
  tokens, everything else separates, case folds. Digits alone never stem.
  A word with letters is stemmed once by FTS5's porter and remembered.

A per-process in-memory FTS5 table does the asking; its tokenizer is the
one photos_fts was made with (tests/test_search_text.py checks they agree).
"""

import os
import re
import sqlite3
import threading
from itertools import chain

TOKENIZE = "porter unicode61 remove_diacritics 2"
_ASCII_TOKEN = re.compile(r"[0-9A-Za-z]+")
_CACHE_LIMIT = 500_000


class Tokenizer:
    def __init__(self):
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE words USING fts5(text, tokenize = '{TOKENIZE}')")
        self._conn.execute("CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, instance)")
        self._lock = threading.Lock()
        self._chunks = {}  # white-space chunk -> its tokens
        self._stems = {}  # lowercase ASCII word -> its stem

    def tokens(self, text):
        """The FTS5 tokens of text, in order."""
        out = []
        for chunk in text.split():
            out.extend(self._chunks.get(chunk) or self.chunk(chunk))
        return out

    def chunk(self, chunk):
        """The tokens of one chunk without white space, as a tuple."""
        found = self._chunks.get(chunk)
        if found is None:
            if chunk.isascii():
                found = tuple(self._stem(word.lower()) for word in _ASCII_TOKEN.findall(chunk))
            else:
                found = self._ask(chunk)
            if len(self._chunks) >= _CACHE_LIMIT:
                self._chunks.clear()
            self._chunks[chunk] = found
        return found

    def plain_chunks(self, chunks):
        """The tokens of many plain-ASCII chunks (or texts) at once: a list
        of how many each has, and all of them in a row. For building an
        index, where a million file names each bring a new word."""
        found = list(map(_ASCII_TOKEN.findall, map(str.lower, chunks)))
        words = list(chain.from_iterable(found))
        if len(self._stems) >= _CACHE_LIMIT:
            self._stems.clear()
        for word in set(words).difference(self._stems):
            if not word.isdigit():
                self._stems[word] = self._stem(word)
        # Digits alone are their own token.
        return list(map(len, found)), list(map(self._stems.get, words, words))

    def _stem(self, word):
        if word.isdigit():
            return word
        stem = self._stems.get(word)
        if stem is None:
            (stem,) = self._ask(word)
            if len(self._stems) >= _CACHE_LIMIT:
                self._stems.clear()
            self._stems[word] = stem
        return stem

    def _ask(self, text):
        """FTS5's own tokens of text."""
        with self._lock:
            self._conn.execute("DELETE FROM words")
            self._conn.execute("INSERT INTO words (rowid, text) VALUES (1, ?)", [text])
            return tuple(term for term, in self._conn.execute(
                "SELECT term FROM word_tokens ORDER BY offset"))


_tokenizers = {}
_tokenizers_lock = threading.Lock()


def tokenizer():
    """This process's tokenizer (its caches serve every search). Keyed by
    process: an SQLite connection must not be carried across a fork."""
    key = os.getpid()
    with _tokenizers_lock:
        if key not in _tokenizers:
            _tokenizers.clear()
            _tokenizers[key] = Tokenizer()
        return _tokenizers[key]
