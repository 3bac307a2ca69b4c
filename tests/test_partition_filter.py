"""Tests for metastore.partition_filter: exact ASTs, exact error messages, limits, LIKE translation, fuzzing."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metastore.partition_filter import (
    MAX_FILTER_LENGTH,
    MAX_NESTING,
    And,
    Compare,
    Expr,
    FilterSyntaxError,
    Like,
    Not,
    Or,
    like_to_sql,
    parse_filter,
    referenced_keys,
)


def C(key: str, op: str, value: str | int) -> Compare:
    return Compare(key, op, value)


# ------------------------------------------------------------------------------------------ valid ASTs

PARSE_CASES: list[tuple[str, Expr | None]] = [
    # What Spark 4 (Hive 2.3 client, HiveShim.convertFilters) sends.
    ('ds = "2024-01-01"', C("ds", "=", "2024-01-01")),
    ("hr = 5", C("hr", "=", 5)),
    ('ds >= "2024-01-01" and hr < 12', And((C("ds", ">=", "2024-01-01"), C("hr", "<", 12)))),
    ("(hr = 1 or hr = 2)", Or((C("hr", "=", 1), C("hr", "=", 2)))),
    ('(c != "a" and c != "b")', And((C("c", "!=", "a"), C("c", "!=", "b")))),
    ('name like ".*abc.*"', Like("name", ".*abc.*")),
    ('name like "%abc%"', Like("name", "%abc%")),
    ("""s = 'say "hi"'""", C("s", "=", 'say "hi"')),
    ("hr > -3", C("hr", ">", -3)),
    ('"2024-01-01" <= ds', C("ds", ">=", "2024-01-01")),
    ("5 > hr", C("hr", "<", 5)),
    ('"x" != s', C("s", "!=", "x")),
    (
        '((ds = "a" and hr = 1) and (hr != 2 or hr >= 7))',
        And((C("ds", "=", "a"), C("hr", "=", 1), Or((C("hr", "!=", 2), C("hr", ">=", 7))))),
    ),
    # Operators, keywords and identifiers.
    ("hr <> 3", C("hr", "!=", 3)),
    ("hr == 3", C("hr", "=", 3)),
    ("hr <=> 3", C("hr", "=", 3)),
    ("a<=1 AND b>=2 Or c<3", Or((And((C("a", "<=", 1), C("b", ">=", 2))), C("c", "<", 3)))),
    ("DS = 'x'", C("ds", "=", "x")),
    ("`Event Date` = 'x' and `a``b` = 1", And((C("event date", "=", "x"), C("a`b", "=", 1)))),
    ("_p1 = 1 and 1p = 2", And((C("_p1", "=", 1), C("1p", "=", 2)))),
    ("`and` = 1", C("and", "=", 1)),
    # Precedence NOT > AND > OR, left to right, flattening.
    ("a = 1 or b = 2 and c = 3", Or((C("a", "=", 1), And((C("b", "=", 2), C("c", "=", 3)))))),
    ("(a = 1 or b = 2) and c = 3", And((Or((C("a", "=", 1), C("b", "=", 2))), C("c", "=", 3)))),
    (
        "a = 1 or (b = 2 or c = 3) or d = 4",
        Or((C("a", "=", 1), C("b", "=", 2), C("c", "=", 3), C("d", "=", 4))),
    ),
    ("NOT a = 1 and b = 2", And((Not(C("a", "=", 1)), C("b", "=", 2)))),
    ("not (a = 1 or b = 2)", Not(Or((C("a", "=", 1), C("b", "=", 2))))),
    ("not not a = 1", Not(Not(C("a", "=", 1)))),
    ("(((a = 1)))", C("a", "=", 1)),
    # BETWEEN / IN / NOT LIKE sugar.
    ("hr BETWEEN 1 AND 5", And((C("hr", ">=", 1), C("hr", "<=", 5)))),
    ("hr not between 1 and 5", Or((C("hr", "<", 1), C("hr", ">", 5)))),
    ("hr between 1 and 5 and ds = 'x'", And((C("hr", ">=", 1), C("hr", "<=", 5), C("ds", "=", "x")))),
    ("hr in (1, 2, 3)", Or((C("hr", "=", 1), C("hr", "=", 2), C("hr", "=", 3)))),
    ("hr IN (1)", C("hr", "=", 1)),
    ("c not in ('a', \"b\")", And((C("c", "!=", "a"), C("c", "!=", "b")))),
    ("(ds) IN ('a', 'b')", Or((C("ds", "=", "a"), C("ds", "=", "b")))),
    ("(ds) NOT IN ('a')", C("ds", "!=", "a")),
    ("name not like 'a%'", Not(Like("name", "a%"))),
    # Literals.
    ('ds = date "2024-01-01"', C("ds", "=", "2024-01-01")),
    ("DATE '2024-01-01' < ds", C("ds", ">", "2024-01-01")),
    ("ts >= TIMESTAMP '2024-01-01 10:00:00'", C("ts", ">=", "2024-01-01 10:00:00")),
    ("ds = 2024-01-01", C("ds", "=", "2024-01-01")),
    ("date = 'x'", C("date", "=", "x")),
    (
        r'p = "a\"b" or p = ' + r"'c\'d' or p = 'e\\f'",
        Or((C("p", "=", 'a"b'), C("p", "=", "c'd"), C("p", "=", "e\\f"))),
    ),
    (r'p = "C:\data"', C("p", "=", r"C:\data")),
    ("p = 'a' \"b\"", C("p", "=", "ab")),
    ("hr = 007", C("hr", "=", 7)),
    ("hr = - 9223372036854775808", C("hr", "=", -(2**63))),
    ("hr = ''", C("hr", "=", "")),
    ("p = 'héllo ✓'", C("p", "=", "héllo ✓")),
    # Empty filter: all partitions.
    ("", None),
    (" \t\r\n ", None),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES, ids=[case[0] for case in PARSE_CASES])
def test_parse(text: str, expected: Expr | None) -> None:
    assert parse_filter(text) == expected


# -------------------------------------------------------------------------------------- error messages

ERROR_CASES: list[tuple[str, str]] = [
    ("hr >", "at column 5: expected a literal after '>'"),
    ("hr", "at column 3: expected a comparison operator, LIKE, BETWEEN or IN after 'hr'"),
    ("= 5", "at column 1: expected a partition key, a literal, NOT or '(' but found '='"),
    ("hr = 1 and", "at column 11: expected a partition key, a literal, NOT or '(' after 'and'"),
    ("hr = 1 hr = 2", "at column 8: expected AND, OR or end of filter after '1' but found 'hr'"),
    ("(hr = 1", "at column 8: expected ')' to close the '(' at column 1"),
    ("(hr = 1 x", "at column 9: expected AND, OR or ')' after '1' but found 'x'"),
    ("hr = 1)", "at column 7: unmatched ')'"),
    ('ds = "abc', "at column 6: unterminated string literal"),
    ("ds = 'abc\\'", "at column 6: unterminated string literal"),
    ("`ds = 1", "at column 1: unterminated quoted identifier"),
    ("`` = 1", "at column 1: empty quoted identifier"),
    ("hr = 1 # x", "at column 8: unexpected character '#'"),
    ("hr ! 1", "at column 4: unexpected character '!'"),
    ("hr = \x00", "at column 6: unexpected character U+0000"),
    ("hr = 9223372036854775808", "at column 6: integer literal does not fit in 64 bits"),
    ("hr = -x", "at column 7: expected an integer after '-' but found 'x'"),
    ("hr = 1.5", "at column 7: unexpected character '.'"),
    ('"a" = "b"', "at column 7: expected a partition key after '=' but found '\"b\"'"),
    ("'a' hr", "at column 5: expected a comparison operator after \"'a'\" but found 'hr'"),
    ("name like 5", "at column 11: expected a string pattern after 'like' but found '5'"),
    ("hr between 1 or 2", "at column 14: expected AND to complete BETWEEN after '1' but found 'or'"),
    ("hr not = 1", "at column 8: expected LIKE, BETWEEN or IN after 'not' but found '='"),
    ("hr in 1", "at column 7: expected '(' after 'in' but found '1'"),
    ("hr in ()", "at column 8: expected a literal after '(' but found ')'"),
    ("hr in (1 2)", "at column 10: expected ',' or ')' after '1' but found '2'"),
    ("and = 1", "at column 1: expected a partition key, a literal, NOT or '(' but found 'and'"),
    ("ds = date", "at column 6: expected a literal after '=' but found 'date'"),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES, ids=[case[0][:40] for case in ERROR_CASES])
def test_error_message(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert str(info.value) == f'Error parsing partition filter "{text}" {message}'
    assert info.value.column == int(re.match(r"at column (\d+)", message).group(1))


def test_huge_integer_is_a_syntax_error_not_a_conversion_error() -> None:
    # int() would raise a plain ValueError for more than 4300 digits.
    with pytest.raises(FilterSyntaxError, match=r"at column 6: integer literal does not fit in 64 bits$"):
        parse_filter("hr = -" + "1" * 5000)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"column 5: expected a literal after '>'"):
        parse_filter("hr >")


def test_error_message_shows_only_a_window_of_a_long_filter() -> None:
    text = "hr = 1 and " * 100 + "hr >"
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    message = str(info.value)
    assert message.startswith('Error parsing partition filter "...')
    assert message.endswith(f"hr >\" at column {len(text) + 1}: expected a literal after '>'")
    assert len(message) < 350


# ---------------------------------------------------------------------------------------------- limits


def test_length_limit() -> None:
    padded = "hr = 1".ljust(MAX_FILTER_LENGTH)
    assert parse_filter(padded) == C("hr", "=", 1)
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(padded + " ")
    assert str(info.value) == (
        "Error parsing partition filter: the filter is 1000001 characters long; the limit is 1000000"
    )


def test_nesting_limit_parentheses() -> None:
    ok = "(" * MAX_NESTING + "hr = 1" + ")" * MAX_NESTING
    assert parse_filter(ok) == C("hr", "=", 1)
    too_deep = "(" + ok + ")"
    with pytest.raises(
        FilterSyntaxError, match=r"at column 201: the filter is nested more than 200 levels deep"
    ):
        parse_filter(too_deep)


def test_nesting_limit_not() -> None:
    expr = parse_filter("not " * MAX_NESTING + "hr = 1")
    for _ in range(MAX_NESTING):
        assert isinstance(expr, Not)
        expr = expr.item
    assert expr == C("hr", "=", 1)
    with pytest.raises(FilterSyntaxError, match="nested more than 200 levels deep"):
        parse_filter("not (" * 101 + "hr = 1" + ")" * 101)


@pytest.mark.parametrize("opener", ["(", "not ", "not(", "(not "])
def test_pathological_nesting_is_a_syntax_error(opener: str) -> None:
    text = opener * (MAX_FILTER_LENGTH // len(opener))
    with pytest.raises(FilterSyntaxError, match="nested more than 200 levels deep"):
        parse_filter(text)


def test_wide_filters_are_flat_and_do_not_recurse() -> None:
    count = 20_000
    expr = parse_filter(" or ".join(f"hr = {i}" for i in range(count)))
    assert expr == Or(tuple(C("hr", "=", i) for i in range(count)))
    values = ", ".join(f"'v{i}'" for i in range(count))
    assert parse_filter(f"p not in ({values})") == And(tuple(C("p", "!=", f"v{i}") for i in range(count)))


# ------------------------------------------------------------------------------------- referenced_keys


def test_referenced_keys() -> None:
    expr = parse_filter("(DS = 'a' or not `Hr` between 1 and 2) and name like 'x%' and ds != 'b'")
    assert referenced_keys(expr) == frozenset({"ds", "hr", "name"})
    assert referenced_keys(None) == frozenset()
    assert referenced_keys(C("a", "=", 1)) == frozenset({"a"})


# ------------------------------------------------------------------------------------------ like_to_sql

LIKE_CASES: list[tuple[str, str]] = [
    (".*abc.*", "%abc%"),  # Spark, Hive <= 3 shims
    ("%abc%", "%abc%"),  # Spark, Hive 4 shim
    ("abc.*", "abc%"),
    (".*abc", "%abc"),
    ("a.c", "a_c"),
    ("a.+c", "a_%c"),
    ("a_b", "a\\_b"),
    ("a\\\\b", "a\\\\b"),  # regex \\ is one literal backslash
    ("a\\.b", "a.b"),
    ("50\\%", "50\\%"),
    ("\\Qa.b_c\\E.*", "a.b\\_c%"),
    ("", ""),
    (".*.*x%%", "%x%"),
    ("^abc$", "%abc%"),
    ("ab*c", "a%c"),
    ("ab+c", "ab%c"),
    ("ab?c", "a%c"),
    ("ab{2,3}c", "a%c"),
    ("a.*?b", "a%b"),
    ("[a-z]x", "%x"),
    ("x[^]a]", "%"),
    ("a\\d+b", "a%b"),
    ("C:\\data", "C:%ata"),
    ("a|b", "%"),
    ("(?i)abc", "%"),
    ("a(b)c", "%"),
    ("a\\x41", "%"),
    ("a\\", "%"),
    ("a{2", "%"),
    ("[abc", "%"),
    ("*abc", "%abc"),
]


@pytest.mark.parametrize(
    ("pattern", "expected"), LIKE_CASES, ids=[case[0] or "<empty>" for case in LIKE_CASES]
)
def test_like_to_sql(pattern: str, expected: str) -> None:
    assert like_to_sql(pattern) == expected


def _sql_like_matches(sql_pattern: str, value: str) -> bool:
    """Reference SQL LIKE with ESCAPE '\\', for checking that translations only ever widen."""
    regex = []
    i = 0
    while i < len(sql_pattern):
        c = sql_pattern[i]
        if c == "\\":
            regex.append(re.escape(sql_pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.fullmatch("".join(regex), value, re.DOTALL) is not None


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "_", "%", ".", ".*", ".+", "\\\\", "\\.", "[ab]", "b*", "a?", "^", "$"]),
        max_size=8,
    ),
    st.text(alphabet="ab_%.\\*[]?^$+", max_size=8),
)
def test_like_to_sql_never_narrows(fragments: list[str], value: str) -> None:
    pattern = "".join(fragments)
    sql = like_to_sql(pattern)
    # Java and Python agree on this regex subset; "%" in a client pattern is a wildcard, too.
    regex = pattern.replace("%", ".*")
    if re.fullmatch(regex, value, re.DOTALL):
        assert _sql_like_matches(sql, value), (pattern, sql, value)
    if "\\" not in pattern:  # the literal reading (a client that did not mean a regex) is covered too
        if re.fullmatch(re.escape(pattern).replace(re.escape("%"), ".*"), value, re.DOTALL):
            assert _sql_like_matches(sql, value), (pattern, sql, value)


# ---------------------------------------------------------------------------------------------- fuzzing

_FRAGMENTS = [
    " ",
    "(",
    ")",
    ",",
    "-",
    "=",
    "==",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "<=>",
    "!",
    "hr",
    "DS",
    "`k`",
    "`",
    "and",
    "OR",
    "not",
    "like",
    "between",
    "in",
    "date",
    "timestamp",
    "1",
    "007",
    "99999999999999999999",
    "2024-01-01",
    '"a"',
    "'b'",
    '"',
    "'",
    "\\",
    '\\"',
    "x y",
    "\t",
    "\x00",
    "é",
    "#",
    ".",
    "_",
]


def _parses_or_rejects(text: str) -> None:
    try:
        result = parse_filter(text)
    except FilterSyntaxError as exc:
        assert str(exc).startswith("Error parsing partition filter")
        return
    assert result is None or isinstance(result, Compare | Like | And | Or | Not)
    referenced_keys(result)


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_random_text(text: str) -> None:
    _parses_or_rejects(text)


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join))
def test_fuzz_token_soup(text: str) -> None:
    _parses_or_rejects(text)


# Round trip: render a random AST with minimal parentheses, parse it back, get the flattened AST.

_KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda k: k.upper() not in {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN"}
)
_LEAVES = st.one_of(
    st.builds(
        Compare,
        _KEYS,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=8)),
    ),
    st.builds(Like, _KEYS, st.text(max_size=8)),
)
_TREES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.builds(And, st.lists(children, min_size=2, max_size=4).map(tuple)),
        st.builds(Or, st.lists(children, min_size=2, max_size=4).map(tuple)),
    ),
    max_leaves=25,
)


def _literal(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render(expr: Expr) -> str:
    def wrapped(child: Expr, needs_parens: tuple[type, ...]) -> str:
        text = _render(child)
        return f"({text})" if isinstance(child, needs_parens) else text

    if isinstance(expr, Compare):
        return f"{expr.key} {expr.op} {_literal(expr.value)}"
    if isinstance(expr, Like):
        return f"{expr.key} LIKE {_literal(expr.pattern)}"
    if isinstance(expr, Not):
        return "NOT " + wrapped(expr.item, (And, Or))
    if isinstance(expr, And):
        return " AND ".join(wrapped(item, (Or,)) for item in expr.items)
    return " or ".join(wrapped(item, ()) for item in expr.items)


def _flatten(expr: Expr) -> Expr:
    if isinstance(expr, Not):
        return Not(_flatten(expr.item))
    if isinstance(expr, And | Or):
        items: list[Expr] = []
        for item in map(_flatten, expr.items):
            items.extend(item.items if type(item) is type(expr) else (item,))
        return type(expr)(tuple(items))
    return expr


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_round_trip(expr: Expr) -> None:
    assert parse_filter(_render(expr)) == _flatten(expr)
