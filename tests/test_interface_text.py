"""No interface text escapes gettext: every template's visible words (text,
title, aria-label, placeholder, alt, a button's value) are inside _() or
ngettext(), and so are the words a template writes from a string of its
own; and every message a script asks for (archiveMessages) is on the page,
in English and in Korean (web/scripts.py)."""

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

from archive import create_app
from archive.web import scripts

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPTS = sorted((ROOT / "archive" / "static").glob("*.js"))

# Words that are the same in every language: names of standards, formats and
# the archive's own name (written in both languages by the header itself).
NOT_WORDS = re.compile(r"""
    \b(?:IIIF|JSON|CSV|API|SHA-256|OpenAPI|Enter)\b
    | (?:/[\w.-]+)+                   # a path: /api/openapi.json
    | \b\w+\.(?:csv|json)\b           # a file name
    | \b[a-z]+(?:-[a-z]+)+\b          # a slug as an example: european-street
    | [\w-]+="                        # an attribute written by a macro: lang="…"
    | Backlot\ poster\ archive         # the archive's name, written in both languages
""", re.VERBOSE)
WORD = re.compile(r"[A-Za-z]{2,}")
ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
GETTEXT = {"_", "gettext", "ngettext"}
HOLE = "\ue000"  # where a Jinja expression or statement stood


def words_of(text):
    return WORD.findall(NOT_WORDS.sub(" ", text.replace(HOLE, " ")))


def split(source):
    """The template's HTML with each Jinja piece a HOLE, and the string
    literals its expressions write outside gettext (line, text)."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    html, strings = [], []
    depth, gettext_depths, previous = 0, [], None
    for line, kind, value in env.lex(source):
        if kind == "data":
            html.append(value)
            continue
        if kind in ("variable_begin", "block_begin"):
            html.append(HOLE)
        if kind == "operator" and value in "([{":
            depth += 1
            if value == "(" and previous in GETTEXT:
                gettext_depths.append(depth)
        elif kind == "operator" and value in ")]}":
            if gettext_depths and gettext_depths[-1] == depth:
                gettext_depths.pop()
            depth -= 1
        elif kind == "string" and not gettext_depths:
            strings.append((line, ast.literal_eval(value)))
        previous = value if kind == "name" else None
    return "".join(html), strings


class Visible(HTMLParser):
    """Text nodes and the attributes a person reads or hears, outside code."""

    SKIPPED = {"script", "style", "code", "kbd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping.append(tag)
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and (name in ATTRIBUTES or (tag, name) == ("input", "value") and attrs.get("type") in ("submit", "button")):
                self.found.append((f"{tag}[{name}]", value))

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.found.append(("text", data.strip()))


def sentence_like(text):
    """A string literal that reads as words to a person: a capital and a
    lower-case letter, or two words with a space ("Untitled ", "open to
    visitors"); not keys, classes, file names or formats ("set", "is-primary",
    "posters.css", "%.5f")."""
    text = NOT_WORDS.sub(" ", text)
    return bool(re.search(r"\b[A-Z][a-z]+\b", text) or re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_text_outside_gettext(path):
    html, strings = split(path.read_text())
    parser = Visible()
    parser.feed(html)
    escaped = [(where, text) for where, text in parser.found if words_of(text)]
    escaped += [(f"string on line {line}", text) for line, text in strings if sentence_like(text)]
    assert escaped == []


def test_the_guard_finds_words_outside_gettext():
    html, strings = split("""<p>{{ _('Fine') }} Photo {{ p.id }}</p><a title="Open it">{{ _('x') }}</a>
        <button aria-label="{{ _('Fine') }}">×</button><input type="submit" value="Go on">
        {{ 'Untitled ' ~ kind }} {{ ngettext('%(num)s one', '%(num)s more', n) }} {{ url_for('static', filename='a.css') }}
        <code>set:european-street</code> <dt>JSON</dt>""")
    parser = Visible()
    parser.feed(html)
    assert [(where, text) for where, text in parser.found if words_of(text)] == [
        ("text", HOLE + " Photo " + HOLE), ("a[title]", "Open it"), ("input[value]", "Go on")]
    assert [text for _, text in strings if sentence_like(text)] == ["Untitled "]


def asked_for():
    """Each script's messages and the keys it asks for: archiveMessages("name"), then say.text("key"), …"""
    found = {}
    for path in SCRIPTS:
        source = path.read_text()
        named = re.search(r'archiveMessages\("([\w-]+)"\)', source)
        if named:
            found[named.group(1)] = set(re.findall(r'say\.(?:text|plural|fragment|raw)\("(\w+)"', source))
    return found


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app({"DATA_DIR": tmp_path_factory.mktemp("text"), "TESTING": True, "SECRET_KEY": "test"})


def rendered(app, name, lang):
    """The messages as a page writes them beside the script, read back from its JSON."""
    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        markup = str(scripts.script(name))
    found = re.search(rf'<script type="application/json" data-messages="{re.escape(name)}">(.*?)</script>', markup, re.S)
    assert found, markup
    assert f'src="/static/{name}.js?v=' in markup  # versioned by its contents (web/static_files.py)
    return json.loads(found.group(1))


def leaves(value):
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    return [value]


def test_every_message_a_script_asks_for_is_on_the_page_in_both_languages(app):
    wanted = asked_for()
    assert set(wanted) >= {"lightbox", "zoom", "review", "tagging", "upload", "iiif-viewer"}
    for name, keys in wanted.items():
        english, korean = rendered(app, name, "en"), rendered(app, name, "ko")
        assert keys and keys <= set(english) and keys <= set(korean), name
        assert set(english) == set(korean)
        for key in english:
            for en, ko in zip(leaves(english[key]), leaves(korean[key]), strict=True):
                # Translated, with the placeholders the script fills in.
                assert en != ko and re.search("[가-힣]", ko), (name, key, ko)
                assert set(re.findall(r"%\(\w+\)s", en)) == set(re.findall(r"%\(\w+\)s", ko)), (name, key, ko)


def test_plural_messages_carry_a_form_per_english_count_and_korean_says_one(app):
    english, korean = rendered(app, "upload", "en"), rendered(app, "upload", "ko")
    assert english["chosen"] == {"one": "%(num)s photo chosen", "other": "%(num)s photos chosen"}
    assert korean["chosen"]["one"] == korean["chosen"]["other"] == "사진 %(num)s장 고름"
    # A placeholder inside the JSON cannot close the script element it sits in.
    with app.test_request_context("/"):
        assert "</" not in str(scripts.script("upload")).split("</script>")[0]


def test_no_stylesheet_writes_words():
    """Words a stylesheet adds (content: "…") would escape translation: a page writes them in an attribute
    the stylesheet shows with attr()."""
    written = {path.name: found for path in (ROOT / "archive" / "static").glob("*.css")
               if (found := re.findall(r'content:\s*"[^"]*[A-Za-z]{2,}[^"]*"', path.read_text()))}
    assert written == {}
