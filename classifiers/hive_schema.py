"""Hive type strings as trees, and the widening rules used to merge schemas.

Classifiers infer one type per value and widen them across records; the crawler widens
columns across files with the same rules (``widen``, ``merge_columns``), so a table's schema
does not depend on the order its files are read in (widening is commutative and associative,
struct field *order* aside: fields keep the order they were first seen in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from classifiers.api import Column

VOID = "void"  # only a JSON null or an empty list was seen; registered as string
STRING = "string"

_INTEGER_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}
_INTEGER_ORDER = ["tinyint", "smallint", "int", "bigint"]
_FLOATING = {"float", "double"}
_TEMPORAL = {"date", "timestamp"}
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DECIMAL_PRECISION = 38


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, HiveType], ...]


@dataclass(frozen=True)
class Array:
    element: HiveType


@dataclass(frozen=True)
class Map:
    key: HiveType
    value: HiveType


HiveType = str | Struct | Array | Map  # a str is a primitive: "int", "decimal(10,2)", ...


# ---- parsing and formatting ------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:([<>,:()])|`((?:[^`]|``)*)`|([A-Za-z0-9_$ ]+?)(?=\s*[<>,:()]|\s*$))")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self) -> tuple[str, str]:
        m = _TOKEN.match(self.text, self.pos)
        if not m or m.end() == self.pos:
            raise ValueError(f"not a Hive type: {self.text[:200]!r} (at position {self.pos + 1})")
        self.pos = m.end()
        if m.group(1):
            return "sym", m.group(1)
        if m.group(2) is not None:
            return "name", m.group(2).replace("``", "`")
        return "word", m.group(3).strip()

    def peek(self) -> tuple[str, str] | None:
        saved = self.pos
        try:
            return self.take()
        except ValueError:
            return None
        finally:
            self.pos = saved

    def expect(self, sym: str) -> None:
        if self.take() != ("sym", sym):
            raise ValueError(f"not a Hive type: {self.text[:200]!r}: expected {sym!r} at {self.pos}")

    def parse(self) -> HiveType:
        _, word = self.take()
        word = word.lower()
        if word == "array":
            self.expect("<")
            element = self.parse()
            self.expect(">")
            return Array(element)
        if word == "map":
            self.expect("<")
            key = self.parse()
            self.expect(",")
            value = self.parse()
            self.expect(">")
            return Map(key, value)
        if word == "struct":
            self.expect("<")
            fields: list[tuple[str, HiveType]] = []
            while self.peek() != ("sym", ">"):
                _, name = self.take()
                self.expect(":")
                fields.append((name, self.parse()))
                if self.peek() == ("sym", ","):
                    self.take()
            self.expect(">")
            return Struct(tuple(fields))
        if self.peek() == ("sym", "("):
            self.take()
            args = [self.take()[1]]
            while self.peek() == ("sym", ","):
                self.take()
                args.append(self.take()[1])
            self.expect(")")
            return f"{word}({','.join(a.strip() for a in args)})"
        return {"integer": "int", "numeric": "decimal"}.get(word, word)


def parse_type(text: str) -> HiveType:
    """Parse a Hive type string into a tree (primitives stay lower-case strings)."""
    parser = _Parser(text)
    result = parser.parse()
    if text[parser.pos:].strip():
        raise ValueError(f"not a Hive type: {text[:200]!r}: unexpected text at {parser.pos + 1}")
    return result


def quote_name(name: str) -> str:
    """A struct field name as Hive and Spark parse it (backticks unless it is a plain identifier)."""
    return name if _PLAIN_NAME.match(name) else "`" + name.replace("`", "``") + "`"


def format_type(t: HiveType) -> str:
    """The Hive type string of a tree; ``void`` (nothing but nulls seen) becomes ``string``."""
    if isinstance(t, Struct):
        return "struct<" + ",".join(f"{quote_name(n)}:{format_type(v)}" for n, v in t.fields) + ">"
    if isinstance(t, Array):
        return f"array<{format_type(t.element)}>"
    if isinstance(t, Map):
        return f"map<{format_type(t.key)},{format_type(t.value)}>"
    return STRING if t == VOID else t


def depth(t: HiveType) -> int:
    if isinstance(t, Struct):
        return 1 + max((depth(v) for _, v in t.fields), default=0)
    if isinstance(t, Array):
        return 1 + depth(t.element)
    if isinstance(t, Map):
        return 1 + max(depth(t.key), depth(t.value))
    return 0


# ---- widening --------------------------------------------------------------------------------

def _decimal(t: str) -> tuple[int, int] | None:
    """(precision, scale) of a decimal or integer type, else None."""
    if t in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[t], 0
    m = re.fullmatch(r"decimal(?:\((\d+)(?:,(\d+))?\))?", t)
    if not m:
        return None
    return int(m.group(1) or 10), int(m.group(2) or 0)


def _widen_primitive(a: str, b: str) -> str:
    if a == b:
        return a
    if a in _INTEGER_DIGITS and b in _INTEGER_DIGITS:
        return max(a, b, key=_INTEGER_ORDER.index)
    if a in _FLOATING or b in _FLOATING:
        numeric = {a, b} <= _FLOATING | set(_INTEGER_DIGITS) or all(
            x in _FLOATING or _decimal(x) for x in (a, b))
        return "double" if numeric else STRING
    da, db = _decimal(a), _decimal(b)
    if da and db:
        scale = max(da[1], db[1])
        integer_digits = max(da[0] - da[1], db[0] - db[1])
        if integer_digits + scale > MAX_DECIMAL_PRECISION:
            return "double"  # beyond what a decimal holds; every order of merging lands here
        return f"decimal({integer_digits + scale},{scale})"
    if {a, b} == _TEMPORAL:
        return "timestamp"
    return STRING


def widen(a: str | HiveType, b: str | HiveType) -> str:
    """The narrowest Hive type holding values of both types (as a Hive type string).

    int < bigint < decimal < double; float with float stays float; date with timestamp is
    timestamp; structs keep the union of their fields (matched case-insensitively, widened
    field by field); arrays and maps widen their elements; anything else becomes string.
    """
    return format_type(widen_tree(_tree(a), _tree(b)))


def _tree(t: str | HiveType) -> HiveType:
    return parse_type(t) if isinstance(t, str) else t


def widen_tree(a: HiveType, b: HiveType) -> HiveType:
    """``widen`` on trees; ``void`` (only nulls seen) is the identity."""
    if a == b:
        return a
    if a == VOID:
        return b
    if b == VOID:
        return a
    if isinstance(a, Struct) and isinstance(b, Struct):
        return Struct(_union_fields(a.fields, b.fields))
    if isinstance(a, Array) and isinstance(b, Array):
        return Array(widen_tree(a.element, b.element))
    if isinstance(a, Map) and isinstance(b, Map):
        return Map(widen_tree(a.key, b.key), widen_tree(a.value, b.value))
    if isinstance(a, str) and isinstance(b, str):
        return _widen_primitive(a, b)
    return STRING


def _union_fields(a: Iterable[tuple[str, HiveType]], b: Iterable[tuple[str, HiveType]]
                  ) -> tuple[tuple[str, HiveType], ...]:
    merged: dict[str, tuple[str, HiveType]] = {}
    for name, t in (*a, *b):
        key = name.lower()
        if key in merged:
            first_name, seen = merged[key]
            merged[key] = (first_name, widen_tree(seen, t))
        else:
            merged[key] = (name, t)
    return tuple(merged.values())


def merge_columns(cols_a: Sequence[Column], cols_b: Sequence[Column]) -> tuple[Column, ...]:
    """Union of two column lists by (case-insensitive) name, types widened.

    Columns keep ``cols_a``'s order, then the new ones from ``cols_b``; a comment comes from the
    first side that has one.
    """
    merged: dict[str, Column] = {}
    for col in (*cols_a, *cols_b):
        key = col.name.lower()
        seen = merged.get(key)
        if seen is None:
            merged[key] = col
        else:
            merged[key] = Column(seen.name, widen(seen.type, col.type), seen.comment or col.comment)
    return tuple(merged.values())


# ---- Spark's schema JSON (for tables read through Spark's data-source readers) ---------------

_SPARK_PRIMITIVES = {
    "tinyint": "byte", "smallint": "short", "int": "integer", "bigint": "long", "float": "float",
    "double": "double", "boolean": "boolean", "string": "string", "binary": "binary",
    "date": "date", "timestamp": "timestamp", VOID: "string",
}


def spark_type(t: HiveType) -> object:
    """The JSON form of a Spark DataType (what ``spark.sql.sources.schema`` holds)."""
    if isinstance(t, Struct):
        return {"type": "struct", "fields": [
            {"name": n, "type": spark_type(v), "nullable": True, "metadata": {}} for n, v in t.fields]}
    if isinstance(t, Array):
        return {"type": "array", "elementType": spark_type(t.element), "containsNull": True}
    if isinstance(t, Map):
        return {"type": "map", "keyType": spark_type(t.key), "valueType": spark_type(t.value),
                "valueContainsNull": True}
    if t.startswith("decimal"):
        p, s = _decimal(t) or (10, 0)
        return f"decimal({p},{s})"
    if t.startswith(("varchar", "char")):
        return "string"
    return _SPARK_PRIMITIVES.get(t, "string")


def spark_schema_json(fields: Sequence[tuple[str, HiveType]]) -> str:
    """``spark.sql.sources.schema`` for top-level fields (original-case names kept)."""
    return json.dumps(spark_type(Struct(tuple(fields))), separators=(",", ":"))
