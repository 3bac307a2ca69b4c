"""Parser for the partition filter strings of ``get_partitions_by_filter``.

Clients (Spark's Hive shims, Hive itself, Trino, PyIceberg, ...) describe the partitions they want with
a small boolean language over partition keys, e.g. ``ds >= "2024-01-01" and (hr = 1 or hr = 2)``. This
module turns that text into a tiny AST; the store layer translates the AST into SQL. It is a pure
function of its input (no I/O, no project imports) so it can be tested and fuzzed in isolation.

Grammar (keywords case-insensitive, precedence NOT > AND > OR, all binary operators left-associative)::

    filter     := [ or_expr ] EOF                       -- empty filter means "all partitions"
    or_expr    := and_expr ( OR and_expr )*
    and_expr   := unary ( AND unary )*
    unary      := NOT unary | '(' or_expr ')' | condition
    condition  := key cmp literal
                | literal cmp key                       -- flipped: "2024" <= ds  ->  ds >= "2024"
                | key [NOT] LIKE string
                | key [NOT] BETWEEN literal AND literal -- sugar for >= AND <= (NOT: < OR >)
                | key [NOT] IN '(' literal (',' literal)* ')'      -- sugar for = OR = (NOT: != AND !=)
                | '(' key ')' [NOT] IN '(' ... ')'      -- the form Hive 4's PartitionFilter.g4 uses
    cmp        := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | '<=>'
    literal    := string+ | ['-'] integer | [DATE | TIMESTAMP] string | yyyy-mm-dd [hh:mm:ss]
    key        := [A-Za-z0-9_]+ (not all digits, not a keyword) | `back``quoted`

The grammar is the union of Hive 2/3's ``Filter.g`` and Hive 4's ``PartitionFilter.g4``: ``==`` and
``<=>`` only exist in Hive 4 (``<=>`` equals ``=`` here because partition values are never NULL),
adjacent string literals are concatenated as in Hive 4, and unquoted dates come from Hive 2's
``DateLiteral``. ``NOT`` as a prefix and ``NOT LIKE`` are extensions. ``DATE``/``TIMESTAMP`` are only
keywords right before a string, so a partition key called ``date`` works unquoted (Spark never quotes).

Limits: filters longer than ``MAX_FILTER_LENGTH`` characters or nested (parentheses and NOTs) deeper
than ``MAX_NESTING`` are rejected, so a hostile client cannot exhaust memory or the Python stack.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "MAX_FILTER_LENGTH",
    "MAX_NESTING",
    "And",
    "Compare",
    "Expr",
    "FilterSyntaxError",
    "Like",
    "Not",
    "Or",
    "like_to_sql",
    "parse_filter",
    "referenced_keys",
]

MAX_FILTER_LENGTH = 1_000_000
MAX_NESTING = 200

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class FilterSyntaxError(ValueError):
    """Raised for any filter that cannot be parsed; message says what and where (1-based column) and what was expected."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        #: 1-based position of the problem in the filter text, or None when it concerns the whole filter.
        self.column = column


@dataclass(frozen=True, slots=True)
class Compare:
    """``key <op> value``; op is one of ``= != < <= > >=`` (literal-on-the-left forms are flipped)."""

    key: str
    op: str
    value: str | int


@dataclass(frozen=True, slots=True)
class Like:
    """``key LIKE pattern``; pattern is kept verbatim because its dialect depends on the client (see like_to_sql)."""

    key: str
    pattern: str


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more expressions, never directly containing another And."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more expressions, never directly containing another Or."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    item: Expr


Expr = Compare | Like | And | Or | Not


# --------------------------------------------------------------------------------------------- lexer

_EOF = "end"
_WORD = "word"  # identifier or keyword
_QIDENT = "quoted identifier"
_STRING = "string"
_INT = "integer"
_DATE = "date"  # unquoted yyyy-mm-dd [hh:mm:ss]
_OP = "operator"
# single-character tokens use the character itself as kind: ( ) , -

_RESERVED = frozenset({"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN"})
_TYPED_LITERAL_PREFIXES = frozenset({"DATE", "TIMESTAMP"})

_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2})?(?![A-Za-z0-9_])")
_STRING_STOP_RE = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
# Longest first, so "<=>" wins over "<=" and "<=" over "<". Values are the normalised operators.
_OPERATORS = (
    ("<=>", "="),
    ("==", "="),
    ("!=", "!="),
    ("<>", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("=", "="),
    ("<", "<"),
    (">", ">"),
)
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
# Backslash escapes that are decoded inside string literals; any other "\x" is kept verbatim so that
# Windows-ish values such as "C:\data" survive the way clients (which never escape) send them.
_STRING_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}


class _Token(NamedTuple):
    kind: str
    value: str  # decoded value (strings, quoted identifiers), operator, or the raw text
    start: int  # 0-based offsets into the filter text
    end: int


def _error(text: str, pos: int, reason: str) -> FilterSyntaxError:
    return FilterSyntaxError(
        f'Error parsing partition filter "{_excerpt(text, pos)}" at column {pos + 1}: {reason}', pos + 1
    )


def _excerpt(text: str, pos: int, width: int = 200) -> str:
    """The filter for an error message; long filters are cut to a window around the error."""
    if len(text) <= width:
        return text
    start = max(0, min(pos - width // 2, len(text) - width))
    end = start + width
    return ("..." if start > 0 else "") + text[start:end] + ("..." if end < len(text) else "")


def _describe_char(c: str) -> str:
    return f"'{c}'" if c.isprintable() else f"U+{ord(c):04X}"


class _Lexer:
    """Produces tokens on demand, so a huge malformed filter fails at its first error, not after lexing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next_token(self) -> _Token:
        text = self.text
        ws = _WS_RE.match(text, self.pos)
        i = ws.end() if ws else self.pos
        if i >= len(text):
            self.pos = i
            return _Token(_EOF, "", i, i)
        c = text[i]
        if c in "(),-":
            tok = _Token(c, c, i, i + 1)
        elif c in "\"'":
            tok = self._string(i, c)
        elif c == "`":
            tok = self._quoted_identifier(i)
        elif c in "=!<>":
            for source, op in _OPERATORS:
                if text.startswith(source, i):
                    tok = _Token(_OP, op, i, i + len(source))
                    break
            else:  # a lone "!"
                raise _error(text, i, f"unexpected character '{c}'")
        elif (m := _DATE_RE.match(text, i)) is not None:
            tok = _Token(_DATE, m.group(), i, m.end())
        elif (m := _WORD_RE.match(text, i)) is not None:
            word = m.group()
            tok = _Token(_INT if word.isdigit() else _WORD, word, i, m.end())
        else:
            raise _error(text, i, f"unexpected character {_describe_char(c)}")
        self.pos = tok.end
        return tok

    def _string(self, start: int, quote: str) -> _Token:
        text = self.text
        stop = _STRING_STOP_RE[quote]
        parts: list[str] = []
        i = start + 1
        while True:
            m = stop.search(text, i)
            if m is None or (m.group() == "\\" and m.end() >= len(text)):
                raise _error(text, start, "unterminated string literal")
            j = m.start()
            parts.append(text[i:j])
            if text[j] == quote:
                return _Token(_STRING, "".join(parts), start, j + 1)
            escaped = text[j + 1]
            parts.append(_STRING_ESCAPES.get(escaped, "\\" + escaped))
            i = j + 2

    def _quoted_identifier(self, start: int) -> _Token:
        text = self.text
        parts: list[str] = []
        i = start + 1
        while True:
            j = text.find("`", i)
            if j < 0:
                raise _error(text, start, "unterminated quoted identifier")
            parts.append(text[i:j])
            if text.startswith("``", j):  # doubled backquote stands for one
                parts.append("`")
                i = j + 2
                continue
            name = "".join(parts)
            if not name:
                raise _error(text, start, "empty quoted identifier")
            return _Token(_QIDENT, name, start, j + 1)


# -------------------------------------------------------------------------------------------- parser


def _combine(cls: type[And] | type[Or], items: list[Expr]) -> Expr:
    """Build And/Or, flattening direct children of the same kind so the store sees one n-ary node."""
    if len(items) == 1:
        return items[0]
    flat: list[Expr] = []
    for item in items:
        if isinstance(item, cls):
            flat.extend(item.items)
        else:
            flat.append(item)
    return cls(tuple(flat))


class _Parser:
    """Recursive descent over _Lexer tokens with a small lookahead buffer.

    Each nesting level costs two Python frames (_or_expr -> _unary), so MAX_NESTING keeps the stack far
    from the interpreter's recursion limit.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = _Lexer(text)
        self.lookahead: deque[_Token] = deque()
        self.prev: _Token | None = None  # last consumed token, for "after '...'" in messages
        self.depth = 0

    # -- token helpers

    def peek(self, k: int = 0) -> _Token:
        while len(self.lookahead) <= k:
            self.lookahead.append(self.lexer.next_token())
        return self.lookahead[k]

    def advance(self) -> _Token:
        tok = self.peek()
        if tok.kind != _EOF:
            self.lookahead.popleft()
        self.prev = tok
        return tok

    @staticmethod
    def is_keyword(tok: _Token, *keywords: str) -> bool:
        return tok.kind == _WORD and tok.value.upper() in keywords

    @staticmethod
    def is_key(tok: _Token) -> bool:
        return tok.kind == _QIDENT or (tok.kind == _WORD and tok.value.upper() not in _RESERVED)

    def starts_literal(self, k: int = 0) -> bool:
        tok = self.peek(k)
        if tok.kind in (_STRING, _INT, _DATE, "-"):
            return True
        return self.is_keyword(tok, *_TYPED_LITERAL_PREFIXES) and self.peek(k + 1).kind == _STRING

    def source(self, tok: _Token) -> str:
        """A token as the user wrote it, quoted for a message."""
        if tok.kind == _EOF:
            return "end of filter"
        s = self.text[tok.start : tok.end]
        if len(s) > 40:
            s = s[:37] + "..."
        quote = '"' if "'" in s else "'"
        return f"{quote}{s}{quote}"

    def fail(self, pos: int, reason: str) -> FilterSyntaxError:
        return _error(self.text, pos, reason)

    def expected(self, what: str) -> FilterSyntaxError:
        tok = self.peek()
        reason = f"expected {what}"
        if self.prev is not None:
            reason += f" after {self.source(self.prev)}"
        if tok.kind != _EOF:
            reason += f" but found {self.source(tok)}"
        return self.fail(tok.start, reason)

    def expect(self, kind: str, what: str) -> _Token:
        if self.peek().kind != kind:
            raise self.expected(what)
        return self.advance()

    def enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(tok.start, f"the filter is nested more than {MAX_NESTING} levels deep")

    # -- grammar

    def parse(self) -> Expr | None:
        if self.peek().kind == _EOF:
            return None
        expr = self.or_expr()
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail(tok.start, "unmatched ')'")
        if tok.kind != _EOF:
            raise self.expected("AND, OR or end of filter")
        return expr

    def or_expr(self) -> Expr:
        alternatives: list[Expr] = []
        while True:
            conjuncts = [self.unary()]
            while self.is_keyword(self.peek(), "AND"):
                self.advance()
                conjuncts.append(self.unary())
            alternatives.append(_combine(And, conjuncts))
            if not self.is_keyword(self.peek(), "OR"):
                return _combine(Or, alternatives)
            self.advance()

    def unary(self) -> Expr:
        tok = self.peek()
        if self.is_keyword(tok, "NOT"):
            self.enter(self.advance())
            expr: Expr = Not(self.unary())
            self.depth -= 1
            return expr
        if tok.kind == "(" and not self.is_parenthesised_in():
            self.enter(self.advance())
            expr = self.or_expr()
            if self.peek().kind == _EOF:
                raise self.fail(len(self.text), f"expected ')' to close the '(' at column {tok.start + 1}")
            self.expect(")", "AND, OR or ')'")
            self.depth -= 1
            return expr
        return self.condition()

    def is_parenthesised_in(self) -> bool:
        """Hive 4 writes IN as ``(key) IN (...)``; "(key)" is never a complete expression on its own."""
        return (
            self.is_key(self.peek(1))
            and self.peek(2).kind == ")"
            and (
                self.is_keyword(self.peek(3), "IN")
                or (self.is_keyword(self.peek(3), "NOT") and self.is_keyword(self.peek(4), "IN"))
            )
        )

    def condition(self) -> Expr:
        tok = self.peek()
        if tok.kind == "(":  # (key) [NOT] IN (...)
            self.advance()
            key = self.advance()
            self.advance()
            return self.key_predicate(key)
        if self.starts_literal():
            return self.reversed_comparison()
        if self.is_key(tok):
            return self.key_predicate(self.advance())
        raise self.expected("a partition key, a literal, NOT or '('")

    def key_predicate(self, key_tok: _Token) -> Expr:
        key = key_tok.value.lower()
        tok = self.peek()
        if tok.kind == _OP:
            self.advance()
            return Compare(key, tok.value, self.literal())
        negated = self.is_keyword(tok, "NOT")
        if negated:
            self.advance()
            tok = self.peek()
        expr: Expr
        if self.is_keyword(tok, "LIKE"):
            self.advance()
            if self.peek().kind != _STRING:
                raise self.expected("a string pattern")
            expr = Like(key, self.strings())
            return Not(expr) if negated else expr
        if self.is_keyword(tok, "BETWEEN"):
            self.advance()
            low = self.literal()
            if not self.is_keyword(self.peek(), "AND"):
                raise self.expected("AND to complete BETWEEN")
            self.advance()
            high = self.literal()
            if negated:  # like Hive: NOT BETWEEN a AND b  ==  key < a OR key > b
                return Or((Compare(key, "<", low), Compare(key, ">", high)))
            return And((Compare(key, ">=", low), Compare(key, "<=", high)))
        if self.is_keyword(tok, "IN"):
            self.advance()
            values = self.literal_list()
            if negated:
                return _combine(And, [Compare(key, "!=", v) for v in values])
            return _combine(Or, [Compare(key, "=", v) for v in values])
        if negated:
            raise self.expected("LIKE, BETWEEN or IN")
        raise self.expected("a comparison operator, LIKE, BETWEEN or IN")

    def reversed_comparison(self) -> Expr:
        value = self.literal()
        tok = self.peek()
        if tok.kind != _OP:
            raise self.expected("a comparison operator")
        self.advance()
        if not self.is_key(self.peek()):
            raise self.expected("a partition key")
        key = self.advance().value.lower()
        return Compare(key, _FLIPPED[tok.value], value)

    def literal_list(self) -> list[str | int]:
        self.expect("(", "'('")
        values = [self.literal()]
        while self.peek().kind == ",":
            self.advance()
            values.append(self.literal())
        self.expect(")", "',' or ')'")
        return values

    def literal(self) -> str | int:
        tok = self.peek()
        if tok.kind == _STRING:
            return self.strings()
        if tok.kind == _DATE:
            return self.advance().value
        if self.is_keyword(tok, *_TYPED_LITERAL_PREFIXES) and self.peek(1).kind == _STRING:
            self.advance()  # DATE "2024-01-01" is compared as the string, like Spark's own date filters
            return self.strings()
        if tok.kind == "-":
            self.advance()
            if self.peek().kind != _INT:
                raise self.expected("an integer")
            return self.integer(-1, tok.start)
        if tok.kind == _INT:
            return self.integer(1, tok.start)
        raise self.expected("a literal")

    def strings(self) -> str:
        """One string literal, or several adjacent ones concatenated (Hive 4's ``STRING+``)."""
        parts = [self.advance().value]
        while self.peek().kind == _STRING:
            parts.append(self.advance().value)
        return "".join(parts)

    def integer(self, sign: int, start: int) -> int:
        digits = self.advance().value.lstrip("0") or "0"
        # Length check first: int() refuses very long digit strings with a plain ValueError.
        value = sign * int(digits) if len(digits) <= 19 else None
        if value is None or not _INT64_MIN <= value <= _INT64_MAX:
            raise self.fail(start, "integer literal does not fit in 64 bits")
        return value


def parse_filter(text: str) -> Expr | None:
    """Parse; returns None for an empty/whitespace-only filter (means: all partitions)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(
            f"Error parsing partition filter: the filter is {len(text)} characters long;"
            f" the limit is {MAX_FILTER_LENGTH}"
        )
    try:
        return _Parser(text).parse()
    except RecursionError:  # cannot happen within MAX_NESTING, unless the caller is already deep
        raise FilterSyntaxError("Error parsing partition filter: the filter is nested too deeply") from None


def referenced_keys(expr: Expr | None) -> frozenset[str]:
    """All partition key names an expression mentions."""
    keys: set[str] = set()
    stack: list[Expr] = [] if expr is None else [expr]
    while stack:  # iterative: the result may come from anywhere, not only from parse_filter
        node = stack.pop()
        if isinstance(node, Compare | Like):
            keys.add(node.key)
        elif isinstance(node, Not):
            stack.append(node.item)
        else:
            stack.extend(node.items)
    return frozenset(keys)


# ---------------------------------------------------------------------------------------------- LIKE

# Single-letter regex escapes that match one character or an empty position; anything else after a
# backslash that is a letter or digit (\x41, \u0041, \0101, \1 back-references, \p{L}, \k<n>, \cX, ...)
# spans more characters than we want to decode, so the whole pattern becomes "%".
_SIMPLE_REGEX_ESCAPES = frozenset("dDsSwWhHvVbBAGZzRXtnrfae")


def _like_escape(literal: str) -> str:
    return literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _class_end(pattern: str, start: int) -> int:
    """Index just past the ``]`` closing the character class opened at ``start``, or -1 if unsure."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # "[]...]": dialect-dependent, do not guess
        return -1
    depth = 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("Q", i + 1):
                return -1
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def like_to_sql(pattern: str) -> str:
    """Translate a client's LIKE pattern into an SQL LIKE pattern to be used with ``ESCAPE '\\'``.

    Hive <= 3 evaluates ``key LIKE p`` as a Java regular expression matched against the whole value
    (Spark's Hive 2/3 shims therefore send ``".*abc.*"``), while Spark's Hive 4 shim sends SQL-style
    ``"%abc%"``; we cannot tell which dialect a client means, and clients re-check every partition we
    return, so the result is allowed to match more values than the client intended but never fewer:

    * ``.*`` -> ``%``; ``%`` -> ``%``; a lone ``.`` -> ``_``; ``.+`` -> ``_%``; ``x+`` -> ``x%``
    * literal ``_`` -> ``\\_`` and ``\\`` -> ``\\\\``; a regex-escaped punctuation character (``\\.``,
      ``\\*``, ``\\\\``, ...) and ``\\Q...\\E`` quoted text become that literal text
    * constructs with no exact SQL LIKE equivalent are widened to ``%``: ``^``, ``$``, character
      classes ``[...]``, class escapes such as ``\\d``, and the quantifiers ``*``, ``?``, ``{m,n}``
      together with the atom they repeat
    * alternation ``|``, groups ``(...)`` (which may also carry flags such as ``(?i)``), other escapes
      (``\\x41``, ``\\p{L}``, back-references, ...) and malformed patterns make the whole result ``%``
    """
    pieces: list[str] = []

    def wildcard() -> None:
        if not pieces or pieces[-1] != "%":
            pieces.append("%")

    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return "%"
            escaped = pattern[i + 1]
            if escaped == "Q":  # \Q...\E quotes literal text (to the end if there is no \E)
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                if end > i + 2:
                    pieces.append(_like_escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            if escaped.isascii() and escaped.isalnum():
                if escaped not in _SIMPLE_REGEX_ESCAPES:
                    return "%"
                wildcard()
            else:
                pieces.append(_like_escape(escaped))
            i += 2
        elif c == "[":
            i = _class_end(pattern, i)
            if i < 0:
                return "%"
            wildcard()
        elif c in "|()":
            return "%"
        elif c in "*?+{":
            if c == "{":
                close = pattern.find("}", i)
                if close < 0:
                    return "%"
                i = close + 1
            else:
                i += 1
            if i < n and pattern[i] in "?+":  # lazy / possessive variants match the same strings
                i += 1
            if c == "+" and pieces:
                wildcard()  # x+ is x followed by anything x* could match
            else:
                if pieces:
                    pieces.pop()
                wildcard()
            continue
        elif c in "^$":
            wildcard()
            i += 1
        elif c == ".":
            pieces.append("_")
            i += 1
        elif c == "%":
            wildcard()
            i += 1
        else:
            pieces.append(_like_escape(c))
            i += 1
    return "".join(pieces)
