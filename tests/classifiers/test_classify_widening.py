"""Type widening and column merging (what the crawler uses to merge schemas across files)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import Column, merge_columns, widen
from classifiers.hive_schema import Struct, format_type, parse_type, spark_schema_json
from metastore.hive_types import validate_type


@pytest.mark.parametrize("a,b,expected", [
    ("int", "bigint", "bigint"),
    ("tinyint", "smallint", "smallint"),
    ("int", "double", "double"),
    ("float", "float", "float"),
    ("float", "int", "double"),
    ("int", "decimal(5,2)", "decimal(12,2)"),
    ("decimal(10,2)", "decimal(12,4)", "decimal(12,4)"),
    ("decimal(38,0)", "decimal(10,5)", "double"),
    ("decimal(10,2)", "double", "double"),
    ("date", "timestamp", "timestamp"),
    ("boolean", "int", "string"),
    ("date", "int", "string"),
    ("varchar(10)", "string", "string"),
    ("array<int>", "array<bigint>", "array<bigint>"),
    ("map<string,int>", "map<string,double>", "map<string,double>"),
    ("struct<a:int,b:string>", "struct<b:string,c:boolean>", "struct<a:int,b:string,c:boolean>"),
    ("struct<A:int>", "struct<a:bigint>", "struct<A:bigint>"),
    ("struct<a:int>", "array<int>", "string"),
    ("struct<`my key`:int>", "struct<`my key`:int>", "struct<`my key`:int>"),
])
def test_widen(a, b, expected):
    assert widen(a, b) == expected


def test_merge_columns_keeps_order_widens_and_adds():
    merged = merge_columns(
        [Column("id", "int"), Column("name", "string", "the name"), Column("tags", "array<int>")],
        [Column("ID", "bigint"), Column("extra", "double"), Column("tags", "array<double>")])
    assert merged == (Column("id", "bigint"), Column("name", "string", "the name"),
                      Column("tags", "array<double>"), Column("extra", "double"))


def test_parse_and_format_round_trip():
    text = "struct<a:int,`b c`:array<map<string,decimal(10,2)>>,d:struct<e:timestamp>>"
    assert format_type(parse_type(text)) == text
    assert validate_type(text) == text  # the metastore accepts what the classifiers write


def test_spark_schema_json_keeps_original_case():
    schema = json.loads(spark_schema_json([("userId", "int"), ("Nested", Struct((("K", "double"),)))]))
    assert schema == {"type": "struct", "fields": [
        {"name": "userId", "type": "integer", "nullable": True, "metadata": {}},
        {"name": "Nested", "type": {"type": "struct", "fields": [
            {"name": "K", "type": "double", "nullable": True, "metadata": {}}]}, "nullable": True, "metadata": {}}]}


# ---- properties ------------------------------------------------------------------------------

PRIMITIVES = st.sampled_from(["tinyint", "smallint", "int", "bigint", "float", "double", "boolean", "string",
                              "date", "timestamp", "binary", "varchar(10)"])
DECIMALS = st.integers(1, 38).flatmap(lambda p: st.integers(0, p).map(lambda s: f"decimal({p},{s})"))
NAMES = st.sampled_from(["a", "b", "c", "d"])


def hive_types() -> st.SearchStrategy[str]:
    return st.recursive(
        PRIMITIVES | DECIMALS,
        lambda inner: st.one_of(
            inner.map(lambda t: f"array<{t}>"),
            st.tuples(inner, inner).map(lambda kv: f"map<string,{kv[1]}>"),
            st.dictionaries(NAMES, inner, min_size=1, max_size=3).map(
                lambda d: "struct<" + ",".join(f"{k}:{v}" for k, v in d.items()) + ">")),
        max_leaves=6)


def canonical(text: str) -> str:
    """Struct fields sorted by name: widening is commutative up to the order fields were first seen."""
    def sort(t):
        if isinstance(t, Struct):
            return Struct(tuple(sorted(((n, sort(v)) for n, v in t.fields), key=lambda f: f[0])))
        if hasattr(t, "element"):
            return type(t)(sort(t.element))
        if hasattr(t, "key"):
            return type(t)(sort(t.key), sort(t.value))
        return t
    return format_type(sort(parse_type(text)))


@settings(max_examples=150, deadline=None)
@given(hive_types(), hive_types())
def test_widen_is_commutative(a, b):
    assert canonical(widen(a, b)) == canonical(widen(b, a))


@settings(max_examples=150, deadline=None)
@given(hive_types(), hive_types(), hive_types())
def test_widen_is_associative(a, b, c):
    assert widen(widen(a, b), c) == widen(a, widen(b, c))


@settings(max_examples=100, deadline=None)
@given(hive_types(), hive_types())
def test_widen_is_idempotent_and_valid_for_the_metastore(a, b):
    w = widen(a, b)
    assert widen(w, w) == w and widen(w, a) == w and widen(w, b) == w
    assert validate_type(w) == w
