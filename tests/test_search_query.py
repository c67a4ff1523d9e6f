"""The query language's grammar, without a database."""

import pytest
from search_oracle import fts_expression

from archive.search.folding import fold
from archive.search.fulltext import is_pieced, korean_pieces, pieced_runs
from archive.search.query import And, Camera, Has, Is, Not, Or, QueryError, Tag, Taken, Text, narrowed, parse


@pytest.mark.parametrize("query, tree", [
    ("", None),
    ("poster", Text("poster")),
    ('"flower girl" poster', And((Text("flower girl", True), Text("poster")))),
    ("set:european-street", Tag("set", "european-street")),
    ('film:"the flower girl"', Tag("film", "the flower girl")),
    ("-subject:statue", Not(Tag("subject", "statue"))),
    ("NOT poster", Not(Text("poster"))),
    ("a OR b c", Or((Text("a"), And((Text("b"), Text("c")))))),
    ("(a OR b) c", And((Or((Text("a"), Text("b"))), Text("c")))),
    ("a AND b", And((Text("a"), Text("b")))),
    ("taken:2016..2019", Taken("2016-01-01", "2020-01-01")),
    ("taken:2016-02", Taken("2016-02-01", "2016-03-01")),
    ("taken:2016-12-31", Taken("2016-12-31", "2017-01-01")),
    ("taken:..2015", Taken(None, "2016-01-01")),
    ("taken:2019..", Taken("2019-01-01", None)),
    ("camera:canon", Camera("canon")),
    ("IS:UNTAGGED has:gps", And((Is("untagged"), Has("gps")))),
    ("seven-year 12:30", And((Text("seven-year"), Text("12:30")))),
    ("or", Text("or")),  # only capital OR is the operator
])
def test_parse(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize("query", ["a OR", "OR a", "()", "(a", "a)", '"open', "-", "foo:bar", "set:",
                                   "taken:x", "taken:2019-02-30", "is:big", "has:colour", "((" * 20 + "a",
                                   "a " * 61])
def test_bad_syntax_is_a_query_error(query):
    if query == "-":
        assert parse(query) == Text("-")  # a lone dash is just a word
        return
    with pytest.raises(QueryError):
        parse(query)


def test_narrowed_adds_one_condition():
    assert narrowed("", "set:railway") == "set:railway"
    assert narrowed("poster", "set:railway") == "poster set:railway"
    assert narrowed("a OR b", "set:railway") == "(a OR b) set:railway"
    assert narrowed("poster set:railway", "set:railway") == "poster set:railway"


def test_runs_are_pieced_at_the_edges_of_every_script_range_and_nowhere_else():
    # The first and last letter of each range, and the letters just outside it.
    edges = [(0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F), (0x3040, 0x30FF), (0x31F0, 0x31FF),
             (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F)]
    for low, high in edges:
        for code, inside in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
            letter = chr(code)
            assert is_pieced(letter) is (inside or any(a <= code <= b for a, b in edges)), hex(code)
            assert pieced_runs(f"a{letter}b") == ([letter] if is_pieced(letter) else []), hex(code)
    assert pieced_runs("영화포스터, 中華茶館 and カタカナ-ひらがな.") == ["영화포스터", "中華茶館", "カタカナ", "ひらがな"]
    assert pieced_runs("") == [] and pieced_runs("poster 1987") == []
    assert fold("中華茶館 on 영화") == "中华茶馆 on 영화" and fold("poster") == "poster"


def test_korean_pieces_and_expressions():
    assert korean_pieces("영화포스터 on 꽃") == ("영화 화포 포스 스터", "터 꽃")
    assert fts_expression("포스터") == '{ko2 ko2_head} : "포스 스터"'
    assert fts_expression("꽃") == '({ko2 ko2_head} : "꽃" * OR {ko1 ko1_head} : "꽃")'
    assert fts_expression("꽃", head=True) == '(ko2_head : "꽃" * OR ko1_head : "꽃")'
    assert fts_expression("poster") == '"poster"'
    assert fts_expression("poster", head=True) == '{title tags} : "poster"'
    assert fts_expression("...") is None
    assert fts_expression('say "hi"').endswith('"say ""hi"""')
