"""The query language, text to syntax tree. No database here: see search.py.

    words "quoted phrases"            full text (all must match)
    set:european-street               a tag, with its child sets
    film:"the flower girl"            a value with spaces, quoted
    -subject:statue  NOT word         leave out
    a OR b, ( ... )                   either; grouping
    taken:2016..2019 taken:2019-05    a year, month or day, or a range of them
    camera:canon                      make or model contains the text
    is:untagged is:duplicate is:public is:private
    has:gps has:caption has:transcription has:title has:date has:poster
    poster:the-seven-year-itch        photos of a poster record (its slug)
    kind:advert                       photos of posters of a kind
"""

import re
from dataclasses import dataclass
from datetime import date

from archive.catalogue.posters import KINDS
from archive.catalogue.tags import FACETS

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 60
MAX_DEPTH = 16

IS_VALUES = ("untagged", "duplicate", "public", "private")
HAS_VALUES = ("gps", "caption", "transcription", "title", "date", "poster")
FIELDS = FACETS + ("taken", "camera", "is", "has", "poster", "kind")


class QueryError(ValueError):
    """A query that cannot be understood; the message says why, for a person."""


class UnknownTagError(QueryError):
    """FACET:VALUE names no tag; `suggestion` is the slug of the likeliest
    one meant (a typo of its slug, an alias or a label), or None."""

    def __init__(self, facet, value, suggestion=None):
        message = f"no {facet} tag called {value!r}"
        if suggestion:
            message += f"; did you mean {facet}:{quote_value(suggestion)}?"
        super().__init__(message)
        self.facet, self.value, self.suggestion = facet, value, suggestion


@dataclass(frozen=True)
class Text:
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Tag:
    facet: str
    value: str


@dataclass(frozen=True)
class Taken:
    start: str | None  # ISO date, inclusive
    end: str | None  # ISO date, exclusive


@dataclass(frozen=True)
class Camera:
    text: str


@dataclass(frozen=True)
class Is:
    what: str


@dataclass(frozen=True)
class Has:
    what: str


@dataclass(frozen=True)
class Poster:
    slug: str


@dataclass(frozen=True)
class PosterKind:
    kind: str


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


# -- tokens ------------------------------------------------------------------

_FIELD = re.compile(r"([A-Za-z_]+):(.*)", re.S)


@dataclass(frozen=True)
class _Token:
    kind: str  # ( ) OR NOT TERM
    node: object = None
    text: str = ""


def _tokens(query):
    tokens, i, n = [], 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, text=ch))
            i += 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] not in "()-":
            tokens.append(_Token("NOT", text="-"))
            i += 1
        elif ch == '"':
            text, i = _quoted(query, i)
            if text.strip():
                tokens.append(_Token("TERM", Text(text.strip(), phrase=True), text))
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in '()"':
                i += 1
            word = query[start:i]
            match = _FIELD.fullmatch(word)
            if match and i < n and query[i] == '"' and not match.group(2):
                value, i = _quoted(query, i)
                tokens.append(_Token("TERM", _field(match.group(1), value), word + value))
            elif match:
                tokens.append(_Token("TERM", _field(match.group(1), match.group(2)), word))
            elif word in ("OR", "AND", "NOT"):
                if word != "AND":  # AND is what terms side by side mean anyway
                    tokens.append(_Token(word, text=word))
            else:
                tokens.append(_Token("TERM", Text(word), word))
    return tokens


def _quoted(query, i):
    end = query.find('"', i + 1)
    if end < 0:
        raise QueryError(f'a quotation mark is not closed: {query[i:i + 30]}')
    return query[i + 1 : end], end + 1


def _field(name, value):
    field = name.lower()
    value = value.strip()
    if field not in FIELDS:
        raise QueryError(f'unknown field "{name}:"; the fields are {", ".join(f + ":" for f in FIELDS)}')
    if not value:
        raise QueryError(f'"{name}:" needs a value, for example {_EXAMPLES[field]}')
    if field in FACETS:
        return Tag(field, value)
    if field == "taken":
        return _taken(value)
    if field == "camera":
        return Camera(value)
    if field == "poster":
        return Poster(value)
    if field == "kind":
        if value.lower() not in KINDS:
            raise QueryError(f'"kind:{value}" is not a kind of poster; the kinds are {", ".join(KINDS)}')
        return PosterKind(value.lower())
    allowed = IS_VALUES if field == "is" else HAS_VALUES
    if value.lower() not in allowed:
        raise QueryError(f'"{field}:{value}" is not known; use {", ".join(field + ":" + v for v in allowed)}')
    return (Is if field == "is" else Has)(value.lower())


_EXAMPLES = {
    "set": "set:european-street", "subject": "subject:advert", "film": 'film:"the flower girl"',
    "trip": "trip:2019-autumn", "place": "place:pyongyang", "keyword": "keyword:cinema",
    "taken": "taken:2016..2019", "camera": "camera:canon", "is": "is:untagged", "has": "has:gps",
    "poster": "poster:the-seven-year-itch", "kind": "kind:advert",
}

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _taken(value):
    start_text, sep, end_text = value.partition("..")
    if not sep:
        end_text = start_text
    if not start_text and not end_text:
        raise QueryError('"taken:.." needs a date on at least one side, for example taken:2016..2019')
    start = _period(start_text, value)[0] if start_text else None
    end = _period(end_text, value)[1] if end_text else None
    if start and end and start >= end:
        raise QueryError(f'"taken:{value}" ends before it starts')
    return Taken(start, end)


def _period(text, whole):
    """(first day, day after the last) of a year, month or day."""
    match = _DATE.fullmatch(text.strip())
    if not match:
        raise QueryError(f'"taken:{whole}": {text!r} is not a year, month or day '
                         "(2016, 2016-05 or 2016-05-03)")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day:
            first = date(year, month, day)
            after = date.fromordinal(first.toordinal() + 1)
        elif month:
            first = date(year, month, 1)
            after = date(year + (month == 12), month % 12 + 1, 1)
        else:
            first, after = date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        raise QueryError(f'"taken:{whole}": {text!r} is not a real date') from None
    return first.isoformat(), after.isoformat()


# -- grammar -----------------------------------------------------------------


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def peek(self):
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def either(self):
        items = [self.every()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")", "OR"):
                raise QueryError('"OR" needs a term on both sides')
            items.append(self.every())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def every(self):
        items = []
        while self.peek() not in (None, ")", "OR"):
            items.append(self.unary())
        if not items:
            if self.peek() == "OR":
                raise QueryError('"OR" needs a term on both sides')
            raise QueryError("empty parentheses" if self.peek() == ")" else "a parenthesis is not closed")
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self):
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, ")", "OR"):
                raise QueryError('"-" or "NOT" must come right before what to leave out')
            return Not(self.unary())
        return self.primary()

    def primary(self):
        token = self.take()
        if token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("too many nested parentheses")
            inner = self.either()
            if self.peek() != ")":
                raise QueryError("a parenthesis is not closed")
            self.take()
            self.depth -= 1
            return inner
        if token.kind == ")":
            raise QueryError('a ")" without its "("')
        return token.node


def parse(query):
    """The syntax tree of a query; None for an empty query (every photo)."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    tokens = _tokens(query)
    if not tokens:
        return None
    if sum(t.kind == "TERM" for t in tokens) > MAX_TERMS:
        raise QueryError(f"the query has more than {MAX_TERMS} terms")
    parser = _Parser(tokens)
    tree = parser.either()
    if parser.peek() == ")":
        raise QueryError('a ")" without its "("')
    return tree


_NEEDS_QUOTES = re.compile(r'[\s()"]')


def quote_value(value):
    """A value as it is written after FIELD: in a query, quoted when it must be."""
    if value and not _NEEDS_QUOTES.search(value):
        return value
    return '"' + value.replace('"', "") + '"'


def narrowed(query, term):
    """The query with one more condition, for facet links."""
    return narrowing(query)(term)


def narrowing(query):
    """narrowed() for many terms of one query (every facet link of a
    search), reading the query once."""
    query = (query or "").strip()
    words = set(query.split())
    either = bool(query) and isinstance(parse(query), Or)

    def narrowed_by(term):
        if not query:
            return term
        if term in words:
            return query
        return f"({query}) {term}" if either else f"{query} {term}"

    return narrowed_by


@dataclass(frozen=True)
class Part:
    """One condition of a query whose conditions all must hold: its text as
    written, what it means, and the query without it."""

    text: str
    node: object
    rest: str


def parts(query):
    """The conditions of a query, each with the query left when it is taken
    out (for removable chips), or None when the query is not a plain list of
    conditions (an OR at its top, or a query that cannot be read)."""
    chunks = _top_level_chunks(query or "")
    if chunks is None:
        return None
    out = []
    for k, chunk in enumerate(chunks):
        try:
            node = parse(chunk)
        except QueryError:
            return None
        rest = " ".join(chunks[:k] + chunks[k + 1:])
        out.append(Part(chunk, node, rest))
    return out


def _top_level_chunks(query):
    """The query cut at the spaces outside parentheses and quotes; "NOT x" stays one chunk."""
    chunks, current, depth, quoted = [], "", 0, False
    for ch in query + " ":
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch.isspace() and not quoted and depth <= 0:
            if current:
                chunks.append(current)
            current = ""
        else:
            current += ch
    if quoted or depth or current:
        return None
    merged = []
    for chunk in chunks:
        if chunk == "OR":
            return None
        if merged and merged[-1] == "NOT":
            merged[-1] = f"NOT {chunk}"
        elif chunk != "AND":
            merged.append(chunk)
    return merged


def corrected(query, facet, value, slug):
    """The query with the term FACET:VALUE (however it was quoted, negated
    or not) written as FACET:SLUG: what "did you mean" links to."""
    wanted = Tag(facet, value)
    found = parts(query)
    if found is not None:
        out = []
        for part in found:
            node = part.node.item if isinstance(part.node, Not) else part.node
            if node == wanted:
                negation = part.text[:len(part.text) - len(part.text.lstrip("-"))] or \
                    ("NOT " if part.text.startswith("NOT ") else "")
                out.append(f"{negation}{facet}:{quote_value(slug)}")
            else:
                out.append(part.text)
        return " ".join(out)
    pattern = re.compile(rf'(?<![\w:]){re.escape(facet)}:(?:"{re.escape(value)}"|{re.escape(value)}(?=[\s()]|$))')
    return pattern.sub(lambda _: f"{facet}:{quote_value(slug)}", query)
